using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Text;

/// <summary>
/// <see cref="SkipGram.SequentialStep"/> and its hand-written <see cref="SkipGramKernel"/>: on Torch (float64, through
/// <see cref="IHostMemory"/>) and on plain arrays the kernel gives the tables and the loss of the plain path — the Reference
/// backend's autodiff <see cref="SkipGram.Step"/> on each triple alone, in order — within 1e-12; in float32 within a
/// bound derived from the case; without donation the caller's tables are untouched; bad indices are named.
/// </summary>
public sealed class SkipGramKernelTests(ITestOutputHelper output)
{
    /// <summary>Seeds × dimensions: 4 and 37 (a SIMD width's remainder), batches of 24 triples with 3 noise words each.</summary>
    public static TheoryData<int, int> Cases => new() { { 1, 4 }, { 2, 4 }, { 3, 37 }, { 4, 37 }, { 5, 100 } };

    /// <summary>Torch float64 (the kernel on libtorch's memory) and raw arrays against the Reference fold of autodiff steps.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void The_kernel_is_the_fold_of_autodiff_steps_in_float64(int seed, int dimension)
    {
        var (model, batch) = Case(seed, dimension);
        var start = Start(model, seed);
        const double rate = 0.05;

        var reference = ReferenceBackend.Instance;
        var (plain, plainLoss) = model.SequentialStep(Tables(reference, model, start), batch, rate);

        var torch = TorchBackend.CpuFloat64;
        using var scope = torch.Scope();
        var (kernel, kernelLoss) = model.SequentialStep(Tables(torch, model, start), batch, rate, donate: true);

        var input = (double[])start.Input.Clone();
        var outputTable = (double[])start.Output.Clone();
        var arrayLoss = SkipGramKernel.Run<double>(input, outputTable, dimension, batch.Centres, batch.Outputs, rate);

        foreach (var name in new[] { SkipGram.Input, SkipGram.Output })
        {
            var expected = plain[name].ToArray();
            var e = RelativeError.Of(kernel[name].ToArray(), expected);
            var a = RelativeError.Of(name == SkipGram.Input ? input : outputTable, expected);
            output.WriteLine($"{name} D={dimension}: Torch kernel {e}, array kernel {a}");
            Assert.True(e.Value <= 1e-12, $"{name}: Torch float64 kernel vs the Reference fold: {e}");
            Assert.True(a.Value <= 1e-12, $"{name}: array kernel vs the Reference fold: {a}");
        }

        Assert.Equal(plainLoss, kernelLoss, 1e-12 * Math.Abs(plainLoss));
        Assert.Equal(plainLoss, arrayLoss, 1e-12 * Math.Abs(plainLoss));
    }

    /// <summary>
    /// Torch float32 against the Reference fold in float64, from tables that float32 represents exactly, within a bound
    /// derived per case (in the body).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void The_float32_kernel_stays_within_its_rounding_bound(int seed, int dimension)
    {
        var (model, batch) = Case(seed, dimension);
        var start = Start(model, seed);
        start = (start.Input.Select(v => (double)(float)v).ToArray(), start.Output.Select(v => (double)(float)v).ToArray());
        const double rate = 0.01;

        var (plain, _) = model.SequentialStep(Tables(ReferenceBackend.Instance, model, start), batch, rate);
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        var (kernel, _) = model.SequentialStep(Tables(torch, model, start), batch, rate, donate: true);

        // Bound, relative to M = the largest magnitude in the tables: a use of a row (U at most per row in this batch)
        // rounds its add (u·M), its product η·g·x twice (≤ 2u·M, as η|g| ≤ 1), and its score ⟨x′, x⟩ by ≤ D·u·M², which
        // moves g = σ(s) − label by ≤ D·u·M²/4 and the update by ≤ η·D·u·M³/4; and an error already in a row reaches the
        // next update through the score, growing it by at most a factor 1 + η·M² per use. u = 2⁻²⁴.
        var u = Math.Pow(2, -24);
        var m = new[] { start.Input, start.Output, plain[SkipGram.Input].ToArray(), plain[SkipGram.Output].ToArray() }.Max(t => t.Max(Math.Abs));
        var uses = batch.Centres.Concat(batch.Outputs).GroupBy(i => i).Max(g => g.Count());
        var bound = u * (1 + uses * (3 + (rate * dimension * m * m / 4))) * Math.Pow(1 + (rate * m * m), uses);
        foreach (var name in new[] { SkipGram.Input, SkipGram.Output })
        {
            var worst = kernel[name].ToArray().Zip(plain[name].ToArray(), (x, y) => Math.Abs(x - y)).Max() / m;
            output.WriteLine($"{name} D={dimension}: worst {worst:G3} of M = {m:G3} (bound {bound:G3}, {uses} uses at most)");
            Assert.True(worst <= bound, $"{name}: float32 kernel off by {worst:G3}·M, bound {bound:G3}");
        }
    }

    /// <summary>Without donation the caller's tables keep their values (a copy is stepped); with it the same tensors come back.</summary>
    [Fact]
    public void Only_donated_tables_are_written()
    {
        var (model, batch) = Case(7, 8);
        var start = Start(model, 7);
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        var tables = Tables(torch, model, start);
        var before = tables[SkipGram.Input].ToArray();
        var (fresh, _) = model.SequentialStep(tables, batch, 0.05);
        Assert.Equal(before, tables[SkipGram.Input].ToArray());
        Assert.NotSame(tables[SkipGram.Input], fresh[SkipGram.Input]);
        Assert.NotEqual(before, fresh[SkipGram.Input].ToArray());

        var (donated, _) = model.SequentialStep(tables, batch, 0.05, donate: true);
        Assert.Same(tables[SkipGram.Input], donated[SkipGram.Input]);
        Assert.Equal(fresh[SkipGram.Input].ToArray(), donated[SkipGram.Input].ToArray());
    }

    /// <summary>An index outside the vocabulary and tables of the wrong size are refused, naming what was expected.</summary>
    [Fact]
    public void Bad_input_is_named()
    {
        var table = new double[5 * 3];
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => SkipGramKernel.Run<double>(table, (double[])table.Clone(), 3, [1], [2, 5], 0.1));
        Assert.Contains("output word 5 is outside the tables' rows [0, 5)", bad.Message, StringComparison.Ordinal);
        var shape = Assert.Throws<ArgumentException>(() => SkipGramKernel.Run<double>(table, new double[12], 3, [1], [2, 3], 0.1));
        Assert.Contains("not both [V, 3]", shape.Message, StringComparison.Ordinal);
        var width = Assert.Throws<ArgumentException>(() => SkipGramKernel.Run<double>(table, (double[])table.Clone(), 3, [1, 2], [2, 3, 4], 0.1));
        Assert.Contains("expected 2·(1 + k) with k ≥ 1", width.Message, StringComparison.Ordinal);
    }

    private static (SkipGram Model, SkipGramBatch Batch) Case(int seed, int dimension)
    {
        var vocabulary = Vocabulary.Build(SkipGramTests.Corpus, minCount: 1);
        var sampler = new SkipGramSampler(vocabulary, window: 2, negatives: 3, sample: 0.05);
        return (new SkipGram(vocabulary.Count, dimension), sampler.Epoch(vocabulary.Encode(SkipGramTests.Corpus), Key.FromSeed(seed), 24).First());
    }

    // Both tables random at the scale training reaches (the zero output table of Init would hide the input's gradient).
    private static (double[] Input, double[] Output) Start(SkipGram model, int seed) =>
        (Key.FromSeed(seed).Fold(1).Normal(model.Vocabulary * model.Dimension).Select(v => 0.5 * v).ToArray(),
         Key.FromSeed(seed).Fold(2).Normal(model.Vocabulary * model.Dimension).Select(v => 0.5 * v).ToArray());

    private static TensorTree Tables(Backend backend, SkipGram model, (double[] Input, double[] Output) start) => TensorTree.Of(
        (SkipGram.Input, backend.FromArray(start.Input, model.Vocabulary, model.Dimension)),
        (SkipGram.Output, backend.FromArray(start.Output, model.Vocabulary, model.Dimension)));
}
