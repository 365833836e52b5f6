using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// <see cref="Blocks"/>: the ResNet basic block (identity and projection shortcuts), the bottleneck and squeeze-and-
/// excitation, with <see cref="Join.BroadcastProduct"/>. Backend agreement in training and evaluation mode (outputs,
/// running statistics, gradients of parameters and input), central differences with kink detection, the parameter
/// names against torchvision's, shapes, and the errors of a block whose channels do not fit.
/// </summary>
public sealed class BlocksTests(ITestOutputHelper output)
{
    /// <summary>The blocks under test, by name, with their input shape.</summary>
    public static IReadOnlyDictionary<string, (Func<Layer> Block, Shape Input)> Cases { get; } = new Dictionary<string, (Func<Layer>, Shape)>
    {
        ["basic identity 4→4"] = (() => Blocks.BasicBlock(4, 4), new Shape(2, 4, 5, 5)),
        ["basic projection 3→6 stride 2"] = (() => Blocks.BasicBlock(3, 6, 2), new Shape(2, 3, 6, 5)),
        ["basic projection 4→2 stride 1"] = (() => Blocks.BasicBlock(4, 2), new Shape(3, 4, 4, 4)),
        ["bottleneck identity 8→2·4"] = (() => Blocks.Bottleneck(8, 2), new Shape(2, 8, 4, 4)),
        ["bottleneck projection 3→2·4 stride 2 groups 2 width 64"] = (() => Blocks.Bottleneck(3, 2, stride: 2, groups: 2), new Shape(2, 3, 5, 6)),
        ["bottleneck dilation 2 base width 128"] = (() => Blocks.Bottleneck(4, 1, dilation: 2, baseWidth: 128), new Shape(2, 4, 6, 6)),
        ["se 8 r 4"] = (() => Blocks.SqueezeExcitation(8, 4), new Shape(2, 8, 3, 4)),
        ["se 3 r 1"] = (() => Blocks.SqueezeExcitation(3, 1), new Shape(3, 3, 2, 2)),
        ["basic then se"] = (() => new Sequential(Blocks.BasicBlock(2, 4, 2), Blocks.SqueezeExcitation(4, 2)), new Shape(2, 2, 6, 6)),
    };

    /// <summary>Every block in both modes, as theory data.</summary>
    public static TheoryData<string, Mode> Names
    {
        get
        {
            var data = new TheoryData<string, Mode>();
            foreach (var name in Cases.Keys)
            {
                data.Add(name, Mode.Train);
                data.Add(name, Mode.Eval);
            }

            return data;
        }
    }

    /// <summary>Reference vs Torch float64 (1e-12 outputs and running statistics, 1e-10 gradients) and Torch float32 (the derived bound), three seeds each.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Backends_agree(string name, Mode mode)
    {
        foreach (var combination in new[] { BackendCombinations.Reference, BackendCombinations.TorchCpuFloat32 })
        {
            for (var seed = 0; seed < 3; seed++)
            {
                var c = Case(name, mode, seed);
                var (o, g, aside) = CnnLaws.Agree(combination, c);
                Assert.False(aside, $"{name} seed {seed}: a batch-norm channel is constant in its batch, so the gradients were not compared");
                output.WriteLine(FormattableString.Invariant($"{combination} seed {seed}: output {o:G3}, gradient {g:G3} of the tolerance"));
            }
        }
    }

    /// <summary>Reference gradients match central differences (kinks detected and set aside, never tolerated).</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Reference_gradients_match_central_differences(string name, Mode mode)
    {
        var report = CnnLaws.MatchesCentralDifferences(Case(name, mode, 7), entriesPerLeaf: 12);
        output.WriteLine($"{report.Checked} entries checked, {report.Kinks} kinks, worst {report.Worst?.MaxRelativeError:G3}");
    }

    /// <summary>The leaves are torchvision's, renamed by <see cref="Blocks.FromTorchvisionName"/>, with torchvision's shapes.</summary>
    [Fact]
    public void Parameter_names_map_torchvision_names()
    {
        var backend = ReferenceBackend.Instance;
        string[] bn = ["weight", "bias"];
        string[] stats = ["running_mean", "running_var", "num_batches_tracked"];
        static IEnumerable<string> Of(string module, string[] leaves) => leaves.Select(l => $"{module}.{l}");

        // torchvision's BasicBlock(3, 6, stride 2) with its downsample.
        var basic = Blocks.BasicBlock(3, 6, 2);
        string[] basicParams = [.. Of("conv1", ["weight"]), .. Of("bn1", bn), .. Of("conv2", ["weight"]), .. Of("bn2", bn), .. Of("downsample.0", ["weight"]), .. Of("downsample.1", bn)];
        string[] basicState = [.. Of("bn1", stats), .. Of("bn2", stats), .. Of("downsample.1", stats)];
        var p = basic.Init(Key.FromSeed(1), backend);
        Assert.Equal(basicParams.Select(Blocks.FromTorchvisionName), p.Names);
        Assert.Equal(basicState.Select(Blocks.FromTorchvisionName), basic.InitState(backend).Names);
        Assert.Equal(new Shape(6, 3, 3, 3), p[Blocks.FromTorchvisionName("conv1.weight")].Shape);
        Assert.Equal(new Shape(6, 6, 3, 3), p[Blocks.FromTorchvisionName("conv2.weight")].Shape);
        Assert.Equal(new Shape(6, 3, 1, 1), p[Blocks.FromTorchvisionName("downsample.0.weight")].Shape);

        // The identity block has no downsample.
        Assert.DoesNotContain(Blocks.BasicBlock(4, 4).Init(Key.FromSeed(1), backend).Names, n => n.Contains("shortcut", StringComparison.Ordinal));

        // Bottleneck(8, 4): width 4, output 16 with a projection.
        var bottleneck = Blocks.Bottleneck(8, 4).Init(Key.FromSeed(2), backend);
        string[] bottleneckParams =
            [.. Of("conv1", ["weight"]), .. Of("bn1", bn), .. Of("conv2", ["weight"]), .. Of("bn2", bn), .. Of("conv3", ["weight"]), .. Of("bn3", bn), .. Of("downsample.0", ["weight"]), .. Of("downsample.1", bn)];
        Assert.Equal(bottleneckParams.Select(Blocks.FromTorchvisionName), bottleneck.Names);
        Assert.Equal(new Shape(4, 8, 1, 1), bottleneck[Blocks.FromTorchvisionName("conv1.weight")].Shape);
        Assert.Equal(new Shape(4, 4, 3, 3), bottleneck[Blocks.FromTorchvisionName("conv2.weight")].Shape);
        Assert.Equal(new Shape(16, 4, 1, 1), bottleneck[Blocks.FromTorchvisionName("conv3.weight")].Shape);

        // torchvision.ops.SqueezeExcitation(8, 2): fc1, fc2 as 1×1 convolutions with bias.
        var se = Blocks.SqueezeExcitation(8, 4).Init(Key.FromSeed(3), backend);
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }.Select(Blocks.FromTorchvisionName), se.Names);
        Assert.Equal(new Shape(2, 8, 1, 1), se[Blocks.FromTorchvisionName("fc1.weight")].Shape);
        Assert.Equal(new Shape(8, 2, 1, 1), se[Blocks.FromTorchvisionName("fc2.weight")].Shape);

        Assert.Throws<ArgumentException>(() => Blocks.FromTorchvisionName("fc.weight"));
        Assert.Throws<ArgumentException>(() => Blocks.FromTorchvisionName("conv1"));
    }

    /// <summary>Output shapes follow torchvision: stride s gives ⌊(n − 1)/s⌋ + 1, the bottleneck 4·planes channels, SE keeps the shape.</summary>
    [Fact]
    public void Output_shapes_follow_torchvision()
    {
        Assert.Equal(new Shape(2, 8, 4, 3), Blocks.BasicBlock(4, 8, 2).OutputShape(new Shape(2, 4, 7, 5)));
        Assert.Equal(new Shape(1, 4, 7, 5), Blocks.BasicBlock(4, 4).OutputShape(new Shape(1, 4, 7, 5)));
        Assert.Equal(new Shape(2, 16, 4, 4), Blocks.Bottleneck(8, 4, stride: 2).OutputShape(new Shape(2, 8, 8, 7)));
        Assert.Equal(new Shape(2, 8, 9, 3), Blocks.SqueezeExcitation(8, 2).OutputShape(new Shape(2, 8, 9, 3)));
    }

    /// <summary>SE's output is x ⊙ σ(W₂ ReLU(W₁ GAP(x) + b₁) + b₂) written out with the dense layers' matrices, on both backends.</summary>
    [Theory]
    [InlineData(BackendCombinations.Reference)]
    [InlineData(BackendCombinations.TorchCpuFloat64)]
    public void Squeeze_excitation_scales_each_channel_by_its_excitation(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var se = Blocks.SqueezeExcitation(6, 3);
        var p = se.Init(Key.FromSeed(5), backend);
        var x = backend.FromArray(Key.FromSeed(6).Normal(2 * 6 * 3 * 4), new Shape(2, 6, 3, 4));
        var pooled = x.Reshape(2, 6, 12).Mean([2]);
        var hidden = pooled.Linear(p["1.1.weight"].Reshape(2, 6), p["1.1.bias"]).Relu();
        var scale = hidden.Linear(p["1.3.weight"].Reshape(6, 2), p["1.3.bias"]).Sigmoid();
        var expected = x * scale.Reshape(2, 6, 1, 1);
        var e = RelativeError.Of(se.Apply(p, x), expected);
        Assert.True(e.Value <= 1e-14, $"SE vs its formula on {backend}: {e}");
    }

    /// <summary>The broadcasting joins broadcast onto the first input only: a scale that would enlarge it, or does not fit, is an error.</summary>
    [Fact]
    public void Broadcast_joins_keep_the_first_shape()
    {
        Assert.Equal(new Shape(2, 3, 4, 5), Join.BroadcastProduct.OutputShape([new Shape(2, 3, 4, 5), new Shape(2, 3, 1, 1)]));
        Assert.Equal(new Shape(2, 3, 4, 5), Join.BroadcastSum.OutputShape([new Shape(2, 3, 4, 5), new Shape(5)]));
        var enlarge = Assert.Throws<ShapeMismatchException>(() => Join.BroadcastProduct.OutputShape([new Shape(2, 3, 1, 1), new Shape(2, 3, 4, 5)]));
        Assert.Contains("broadcast onto the first's shape [2, 3, 1, 1]", enlarge.Message, StringComparison.Ordinal);
        Assert.Throws<ShapeMismatchException>(() => Join.BroadcastProduct.OutputShape([new Shape(2, 3, 4, 5), new Shape(2, 2, 1, 1)]));
        Assert.Throws<ShapeMismatchException>(() => Join.BroadcastSum.OutputShape([new Shape(3, 1), new Shape(1, 3, 1)]));

        var backend = ReferenceBackend.Instance;
        var a = backend.FromArray([1, 2, 3, 4, 5, 6], 1, 2, 3);
        var s = backend.FromArray([10, 100], 1, 2, 1);
        Assert.Equal([10, 20, 30, 400, 500, 600], Join.BroadcastProduct.Apply([a, s]).ToArray());
        Assert.Equal([11, 12, 13, 104, 105, 106], Join.BroadcastSum.Apply([a, s]).ToArray());
    }

    /// <summary>
    /// A block whose channels do not fit its input names the inner layer, its path and both shapes, identically on
    /// both backends; SE's channels must divide by r; a bottleneck's width must be whole.
    /// </summary>
    [Fact]
    public void Blocks_whose_channels_do_not_fit_are_clear_errors()
    {
        var messages = new List<string>();
        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
        {
            using var scope = backend.Scope();
            var block = Blocks.BasicBlock(4, 8, 2);
            var p = block.Init(Key.FromSeed(1), backend);
            var x = backend.FromArray(new double[2 * 3 * 6 * 6], new Shape(2, 3, 6, 6));
            var e = Assert.Throws<LayerShapeException>(() => block.Apply(p, block.InitState(backend), x, Context.TrainDeterministic));
            Assert.Equal("0.body.0", e.Path);
            Assert.Contains("Conv2d(4→8", e.Message, StringComparison.Ordinal);
            Assert.Contains("[N, 4, H, W]", e.Message, StringComparison.Ordinal);
            Assert.Contains("[2, 3, 6, 6]", e.Message, StringComparison.Ordinal);
            messages.Add(e.Message);

            var se = Blocks.SqueezeExcitation(8, 2);
            var seError = Assert.Throws<LayerShapeException>(() => se.Apply(se.Init(Key.FromSeed(2), backend), backend.FromArray(new double[2 * 4 * 3 * 3], new Shape(2, 4, 3, 3))));
            Assert.Equal("1.1", seError.Path);
            messages.Add(seError.Message);
        }

        Assert.Equal(messages[0], messages[2]);
        Assert.Equal(messages[1], messages[3]);
        Assert.Throws<LayerShapeException>(() => Blocks.BasicBlock(4, 8).OutputShape(new Shape(2, 8, 5, 5)));

        var r = Assert.Throws<ArgumentException>(() => Blocks.SqueezeExcitation(6, 4));
        Assert.Contains("6 channels do not divide by the reduction ratio 4", r.Message, StringComparison.Ordinal);
        var width = Assert.Throws<ArgumentException>(() => Blocks.Bottleneck(8, 3, baseWidth: 20));
        Assert.Contains("not a whole number of channels", width.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Blocks.BasicBlock(4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Blocks.BasicBlock(4, 4, stride: 0));
    }

    private static CnnCase Case(string name, Mode mode, long seed)
    {
        var (block, input) = Cases[name];
        return new CnnCase(seed, block(), input, mode);
    }
}

/// <summary>
/// The blocks in architecture JSON: each round-trips (they are compositions of kinds already in the format, with
/// the broadcasting join), and <c>examples/models/resnet-se.json</c> holds exactly <see cref="Blocks.BasicBlock"/>
/// and <see cref="Blocks.SqueezeExcitation"/>.
/// </summary>
public sealed class BlocksJsonTests
{
    [Fact]
    public void Blocks_round_trip_and_the_example_file_holds_them()
    {
        foreach (var block in new[] { Blocks.BasicBlock(3, 6, 2), Blocks.BasicBlock(4, 4), Blocks.Bottleneck(8, 2, 2, 2), Blocks.SqueezeExcitation(8, 2) })
        {
            var json = Functional.Nets.Serialization.ArchitectureJson.Serialize(block);
            var back = Functional.Nets.Serialization.ArchitectureJson.ParseModel(json);
            Assert.Equal(json, Functional.Nets.Serialization.ArchitectureJson.Serialize(back));
            Assert.Equal(block.Init(Key.FromSeed(1), ReferenceBackend.Instance).Names, back.Init(Key.FromSeed(1), ReferenceBackend.Instance).Names);
        }

        var file = (Sequential)Functional.Nets.Serialization.ArchitectureJson.Load(RepositoryFiles.Path("examples/models/resnet-se.json")).Model;
        Assert.Equal(Functional.Nets.Serialization.ArchitectureJson.Serialize(Blocks.BasicBlock(8, 16, 2)), Functional.Nets.Serialization.ArchitectureJson.Serialize(file.Layers[3]));
        Assert.Equal(Functional.Nets.Serialization.ArchitectureJson.Serialize(Blocks.SqueezeExcitation(16, 4)), Functional.Nets.Serialization.ArchitectureJson.Serialize(file.Layers[4]));
    }
}
