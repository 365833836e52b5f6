using Functional.Nets.Cli;
using Functional.Nets.Reference;
using Functional.Nets.Tests.Checkpoints;
using Functional.Nets.Tests.Data;

namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, points 3, 4, 5 and 7 in part: fnets answers duplicate keys, sizes that overflow, <c>--batch 2147483647</c>
/// and models too large for memory with exit code 2 and one line naming the file (and the position where there is
/// one), never a stack trace; an IDX header may not ask for more than the caller allows or than a gzip file can hold;
/// parameter counts and initializer sizes cannot wrap; initial parameters are finite.
/// </summary>
public sealed class LimitTests : IDisposable
{
    private readonly ScratchDirectory dir = new();

    /// <inheritdoc />
    public void Dispose() => dir.Dispose();

    /// <summary>Each hostile model file: exit code 2, one line on stderr starting with "fnets: " and the file, the phrase given, nothing on stdout.</summary>
    [Theory]
    [InlineData("""{ "type": "Dense", "inputs": 3, "inputs": 4, "outputs": 2 }""", new string[0], ":1:33: at $.inputs: the object at $ names \"inputs\" twice")]
    [InlineData("""{ "type": "Dense", "inputs": 3, "outputs": 2, "x\ud800": 1 }""", new string[0], ":1:47: at $: a property name that is no valid text")]
    [InlineData("""{ "type": "Dense", "inputs": 3, "outputs": 2, "input": [2147483647, 2147483647, 2147483647] }""", new string[0], ":1:47: at $.input: \"input\" [2147483647, 2147483647, 2147483647] is too large")]
    [InlineData("""{ "type": "Dense", "inputs": 3, "outputs": 2 }""", new[] { "--batch", "2147483647" }, ": the input batch [2147483647, 3] (--batch 2147483647): 6,442,450,941 entries, more than one array holds (2,147,483,591)")]
    [InlineData("""{ "type": "Dense", "inputs": 40000, "outputs": 40000 }""", new string[0], ": the model's 1,600,040,000 parameters take 12,800,320,000 bytes as float64, more than the limit of 4,294,967,296 bytes (raise it with --max-memory, e.g. --max-memory 12GiB)")]
    [InlineData("""{ "type": "Dense", "inputs": 3, "outputs": 100 }""", new[] { "--max-memory", "2K" }, ": the model's 400 parameters take 3,200 bytes as float64, more than the limit of 2,048 bytes")]
    [InlineData("""{ "type": "Sequential", "layers": [ { "type": "Dense", "inputs": 2147483647, "outputs": 2147483647 }, { "type": "Dense", "inputs": 2147483647, "outputs": 2147483647 }, { "type": "Dense", "inputs": 2147483647, "outputs": 2147483647 } ] }""", new string[0], ": Sequential(3 layers): the parameter count exceeds 9,223,372,036,854,775,807 (2⁶³ − 1)")]
    [InlineData("""{ "type": "Dense", "inputs": 46341, "outputs": 46341 }""", new[] { "--max-memory", "32GiB" }, ": Dense(46341→46341): weight: TorchDefault cannot fill a tensor of shape [46341, 46341]: its 2,147,488,281 entries are more than one .NET array holds")]
    public void Hostile_model_files_get_one_line_and_exit_code_2(string json, string[] options, string phrase)
    {
        var path = dir.File("model.json");
        File.WriteAllText(path, json);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = FnetsCommand.Run(["gradcheck", path, "--backend", "reference", .. options], stdout, stderr);
        var error = stderr.ToString();
        Assert.True(code == ExitCode.BadInput, $"exit code {code}: {error}");
        Assert.Empty(stdout.ToString());
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"fnets: {path}", line, StringComparison.Ordinal);
        Assert.Contains(phrase, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    /// <summary>--max-memory takes sizes with units, refuses nonsense, and a model within the limit is checked as before.</summary>
    [Fact]
    public void Max_memory_parses_units_and_lets_small_models_through()
    {
        Assert.Equal(GradCheckArguments.DefaultMaxBytes, GradCheckArguments.Parse(["m.json"]).MaxBytes);
        Assert.Equal(3L << 20, GradCheckArguments.Parse(["m.json", "--max-memory", "3MiB"]).MaxBytes);
        Assert.Equal(16L << 30, GradCheckArguments.Parse(["m.json", "--max-memory", "16G"]).MaxBytes);
        Assert.Equal(1000, GradCheckArguments.Parse(["m.json", "--max-memory", "1000"]).MaxBytes);
        foreach (var bad in new[] { "0", "-1", "1.5G", "lots", "9223372036854775807G" })
        {
            var e = Assert.Throws<UsageException>(() => GradCheckArguments.Parse(["m.json", "--max-memory", bad]));
            Assert.Contains($"got '{bad}'", e.Message, StringComparison.Ordinal);
        }

        var error = new StringWriter();
        var code = FnetsCommand.Run(["gradcheck", RepositoryFiles.Path("examples/models/xor.json"), "--backend", "reference", "--max-memory", "1K"], new StringWriter(), error);
        Assert.True(code == ExitCode.Passed, error.ToString());
    }

    /// <summary>Dense(46341, 46341) asks for 2,147,488,281 weights, more than one array holds: refused naming the layer, before any allocation.</summary>
    [Fact]
    public void Init_of_a_weight_beyond_one_array_names_the_layer_and_the_count()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(46341, 46341).Init(Key.FromSeed(0), ReferenceBackend.Instance));
        Assert.StartsWith("Dense(46341→46341): weight: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("shape [46341, 46341]: its 2,147,488,281 entries are more than one .NET array holds (2,147,483,591)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Parameter counts are checked: a cell's int widths do not wrap, a container's sum beyond 2⁶³ − 1 names the container.</summary>
    [Fact]
    public void Parameter_counts_do_not_wrap()
    {
        // 4·H·(I + H) with I + H computed in int wrapped negative for I = H = 2³⁰; in 64 bits it is 2⁶³, one too many.
        var cell = new LstmCell(1 << 30, 1 << 30, bias: false);
        var e = Assert.Throws<OverflowException>(() => cell.ParameterCount);
        Assert.StartsWith(cell.Describe() + ": the parameter count exceeds 9,223,372,036,854,775,807", e.Message, StringComparison.Ordinal);
        Assert.Equal(4L * 1000 * 1500 + 8 * 1000, new LstmCell(500, 1000).ParameterCount);
        Assert.Equal(3L * (1 << 29) * ((1L << 29) + (1 << 29)), new GruCell(1 << 29, 1 << 29, bias: false).ParameterCount);

        var wide = new Dense(int.MaxValue, int.MaxValue);
        var model = new Sequential(wide, wide, wide);
        var s = Assert.Throws<OverflowException>(() => model.ParameterCount);
        Assert.StartsWith("Sequential(3 layers): the parameter count exceeds", s.Message, StringComparison.Ordinal);
        var inner = Assert.Throws<OverflowException>(() => new Sequential(new Sequential(wide, wide, wide), new ReLU()).ParameterCount);
        Assert.Equal(s.Message, inner.Message);
        Assert.Equal(2 * wide.ParameterCount, new Sequential(wide, wide).ParameterCount);
    }

    /// <summary>An initializer that gives NaN or ±∞ is refused with the value, the entry and the shape; Constant refuses them where it is made.</summary>
    [Fact]
    public void Non_finite_initial_parameters_are_refused()
    {
        var e = Assert.Throws<NonFiniteException>(() => new Dense(50, 40, weightInit: Initializer.Normal(0, 1e308)).Init(Key.FromSeed(1), ReferenceBackend.Instance));
        Assert.StartsWith("Normal(0, 1E+308) gave ", e.Message, StringComparison.Ordinal);
        Assert.Contains("of a tensor of shape [40, 50] (fan-in 50, fan-out 40): initial parameters must be finite", e.Message, StringComparison.Ordinal);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Constant(double.NaN)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Constant(double.NegativeInfinity)).ParamName);
    }

    /// <summary>An IDX header may declare at most IdxReadOptions.MaxBytes; the message says how to raise the limit, and a raised limit reads the file.</summary>
    [Fact]
    public void Idx_payload_beyond_the_callers_limit_is_refused_before_reading()
    {
        var labels = Enumerable.Range(0, 100).Select(i => (byte)(i % 10)).ToArray();
        var path = dir.File("labels.gz");
        File.WriteAllBytes(path, IdxFile.Gzip(IdxFile.Labels(labels)));
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path, new IdxReadOptions { MaxBytes = 99 }));
        Assert.Equal($"{path}: the header describes 100 labels, 100 bytes, more than the limit of 99 bytes (IdxReadOptions.MaxBytes; pass new IdxReadOptions {{ MaxBytes = ... }} to raise it)", e.Message);
        Assert.Equal(labels, IdxReader.ReadLabels(path, new IdxReadOptions { MaxBytes = 100 }));
        Assert.Equal(labels, IdxReader.ReadLabels(path));
        Assert.Equal(1L << 30, IdxReadOptions.Default.MaxBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => IdxReader.ReadLabels(path, new IdxReadOptions { MaxBytes = 0 }));
    }

    /// <summary>A gzip file cannot decompress to more than 1032 times its length: a header claiming more is refused unread, allocating nothing of the claim.</summary>
    [Fact]
    public void Gzip_idx_header_claiming_more_than_deflate_can_hold_is_refused()
    {
        // 900 MB claimed (within the default limit), a gzip file of some 40 bytes.
        var path = dir.File("bomb.gz");
        File.WriteAllBytes(path, IdxFile.Gzip([.. IdxFile.Header(0x803, [900_000, 1000, 1]), 1, 2, 3]));
        var length = new FileInfo(path).Length;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(
            $"{path}: truncated: the header describes 900000 images of 1000×1 pixels (900,000,016 bytes with the header), but a {length}-byte gzip file decompresses to at most {1032 * length:N0} bytes (deflate compresses at most 1032:1)",
            e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    /// <summary>Binary cross-entropy given values outside [0, 1] says so (one min/max reduction) on both backends; NaN still gives a NaN loss.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Binary_cross_entropy_refuses_values_outside_0_1(string backend)
    {
        var b = BackendCombinations.Resolve(backend);
        var target = b.FromArray([1.0, 0, 1], new Shape(3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropy(b.FromArray([0.5, 1.25, -0.5], new Shape(3)), target));
        Assert.Equal("probabilities", e.ParamName);
        Assert.StartsWith("BinaryCrossEntropy takes probabilities in [0, 1], got values from -0.5 to 1.25 of shape [3]: does the model end in a Sigmoid?", e.Message, StringComparison.Ordinal);
        Assert.True(double.IsPositiveInfinity(Losses.BinaryCrossEntropy(b.FromArray([0.0, 0.5, 0.5], new Shape(3)), target).Item()));
        Assert.True(double.IsNaN(Losses.BinaryCrossEntropy(b.FromArray([double.NaN, 0.5, 0.5], new Shape(3)), target).Item()));
    }

    /// <summary>Evaluate on an empty dataset is refused rather than answering NaN.</summary>
    [Fact]
    public void Evaluate_on_an_empty_dataset_is_refused()
    {
        var backend = ReferenceBackend.Instance;
        var trainer = new Trainer(new Dense(2, 1), Losses.MeanSquaredError, Optim.Sgd(0.1));
        var state = trainer.Init(Key.FromSeed(0), backend);
        var empty = new Dataset(backend.FromArray([], new Shape(0, 2)), backend.FromArray([], new Shape(0, 1)));
        var e = Assert.Throws<ArgumentException>(() => trainer.Evaluate(state, empty));
        Assert.Equal("data", e.ParamName);
        Assert.StartsWith("Evaluate: the dataset is empty (inputs [0, 2])", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A finite loss with an infinite gradient (√y at y = 0) stops Fit by default when finiteness is asked for, naming
    /// the step and the leaf, before any weight becomes infinite; off, the weights go to ±∞ as before. A finite
    /// gradient with a step that overflows (learning rate 1e308) is named too.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Non_finite_gradients_and_parameters_stop_training_naming_the_leaf(string backend)
    {
        var b = BackendCombinations.Resolve(backend);
        var model = new Dense(2, 1, weightInit: Initializer.Zeros, biasInit: Initializer.Zeros);
        LossFunction rootLoss = (y, t) => (y.Sqrt() - t).Mean();
        var data = new Dataset(b.FromArray([1.0, 1, 1, 1], new Shape(2, 2)), b.FromArray([0.0, 0], new Shape(2, 1)));
        var trainer = new Trainer(model, rootLoss, Optim.Sgd(0.1));
        var state = trainer.Init(Key.FromSeed(0), b);
        var e = Assert.Throws<NonFiniteException>(() => trainer.Fit(state, data, new FitOptions { Epochs = 1, BatchSize = 2 }));
        Assert.StartsWith("the gradient at step 0 (update 'model', loss 0): leaf 'model.weight' holds +∞ at element 0 (shape [1, 2]); the parameters were left as they were", e.Message, StringComparison.Ordinal);

        var (unchecked_, _) = trainer.Fit(state, data, new FitOptions { Epochs = 1, BatchSize = 2, RequireFiniteUpdates = false });
        Assert.Contains(unchecked_.Parameters["weight"].ToArray(), v => !double.IsFinite(v));

        var steep = new Trainer(new Dense(2, 1, weightInit: Initializer.Constant(1), biasInit: Initializer.Zeros), Losses.MeanSquaredError, Optim.Sgd(1e308));
        var far = new Dataset(b.FromArray([10.0, 10, 10, 10], new Shape(2, 2)), b.FromArray([-1e3, -1e3], new Shape(2, 1)));
        var p = Assert.Throws<NonFiniteException>(() => steep.Fit(steep.Init(Key.FromSeed(0), b), far, new FitOptions { Epochs = 1, BatchSize = 2 }));
        Assert.StartsWith("the parameters after step 0 (update 'model', part 'model', ", p.Message, StringComparison.Ordinal);
        Assert.Contains("): leaf 'weight' holds −∞ at element 0 (shape [1, 2]), though the gradient was finite", p.Message, StringComparison.Ordinal);
    }

    /// <summary>Checkpoint.LoadInto with requireFinite refuses a NaN naming the file, the leaf and the element; without it the NaN loads as before.</summary>
    [Fact]
    public void Load_into_with_require_finite_names_the_leaf()
    {
        var backend = ReferenceBackend.Instance;
        var path = dir.File("nan.safetensors");
        SafeTensors.Write(path, TensorTree.Of(("weight", backend.FromArray([1.0, double.NaN], new Shape(1, 2))), ("bias", backend.FromArray([0.0], new Shape(1)))));
        var target = new Dense(2, 1).Init(Key.FromSeed(0), backend);
        var (loaded, _) = Checkpoint.LoadInto(path, target);
        Assert.True(double.IsNaN(loaded["weight"].ToArray()[1]));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(path, target, requireFinite: true));
        Assert.Equal($"checkpoint '{path}', leaf 'weight': element 1 (index [0, 1]) of shape [1, 2] is NaN, but finite values were required (requireFinite)", e.Message);
    }

    /// <summary>A checkpoint whose step is negative or absurd is refused on load, naming the file and the value; 2⁵³ − 1 still loads.</summary>
    [Theory]
    [InlineData(-1L)]
    [InlineData(-9223372036854775808L)]
    [InlineData(9007199254740992L)]
    [InlineData(9223372036854775807L)]
    public void A_checkpoint_step_outside_0_to_2_pow_53_is_refused(long step)
    {
        var backend = ReferenceBackend.Instance;
        var trainer = new Trainer(new Dense(2, 1), Losses.MeanSquaredError, Optim.Sgd(0.1));
        var state = trainer.Init(Key.FromSeed(0), backend);
        var path = dir.File("step.safetensors");
        Checkpoint.Save(path, state with { Step = step });
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, backend));
        Assert.Equal(path, e.Path);
        Assert.Contains($"metadata 'functional.nets.step' is {step}: a step count must lie in [0, 9007199254740991]", e.Message, StringComparison.Ordinal);

        Checkpoint.Save(path, state with { Step = Checkpoint.MaxStep });
        Assert.Equal(Checkpoint.MaxStep, Checkpoint.Load(path, backend).Step);
    }
}
