using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// Issue 12's acceptance over generated CNNs (<see cref="CnnGenerator"/>: random channels, kernels, strides, paddings,
/// dilations, groups, pooling, residual, bottleneck and SE blocks, batch norm in training and evaluation mode):
/// Reference vs Torch float64 outputs and running statistics within 1e-12 and gradients (every parameter and the
/// input) within 1e-10 relative per tensor; Torch float32 within the derived bound; Reference gradients against central
/// differences with kinks (ReLU at 0, max-pool ties) detected and set aside; a max-pool tie is reported as a kink.
/// </summary>
public sealed class CnnPropertyTests(ITestOutputHelper output)
{
    /// <summary>Generated networks per backend combination (each a few milliseconds on the Reference backend).</summary>
    public const int Cases = 100;

    /// <summary>Float64 on every float64 combination, float32 with the bound of <see cref="CnnLaws.Agree"/>.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree_on_generated_cnns(string combination)
    {
        var worstOutput = new WorstSeen($"generated CNNs on {combination}: output error as a fraction of the tolerance");
        var worstGradient = new WorstSeen($"generated CNNs on {combination}: gradient error as a fraction of the tolerance");
        var setAside = 0;
        Law.Check(CnnGenerator.Arbitrary, c =>
        {
            var (o, g, aside) = CnnLaws.Agree(combination, c);
            worstOutput.Record(o, c.ToString);
            worstGradient.Record(g, c.ToString);
            if (aside)
            {
                Interlocked.Increment(ref setAside);
            }
        }, Cases);
        output.WriteLine(worstOutput.ToString());
        output.WriteLine(worstGradient.ToString());
        output.WriteLine($"{setAside} of {Cases} cases had a batch-norm channel constant in its batch; their gradients were set aside");

        // The singular point must stay rare, or the law would stop testing gradients.
        Assert.True(setAside <= Cases / 10, $"{setAside} of {Cases} generated CNNs had a constant batch-norm channel");
    }

    /// <summary>Reference gradients match central differences away from kinks (at most 10 entries per leaf).</summary>
    [Fact]
    public void Reference_gradients_match_central_differences_on_generated_cnns()
    {
        var worst = new WorstSeen("generated CNNs: Reference vs central differences, worst entry (GradCheck's relative error)");
        var kinks = 0;
        var checkedEntries = 0;
        Law.Check(CnnGenerator.Arbitrary, c =>
        {
            var report = CnnLaws.MatchesCentralDifferences(c, entriesPerLeaf: 10);
            worst.Record(report.Worst?.MaxRelativeError ?? 0, c.ToString);
            Interlocked.Add(ref kinks, report.Kinks);
            Interlocked.Add(ref checkedEntries, report.Checked);
        }, 40);
        output.WriteLine(worst.ToString());
        output.WriteLine($"{checkedEntries} entries checked, {kinks} set aside as kinks");
    }

    /// <summary>
    /// A max-pool window whose two largest entries tie is a kink: the one-sided slopes in either entry are 1 and 0, so
    /// the central difference (½) matches neither side; the check reports both entries as kinks, and every other entry passes.
    /// </summary>
    [Fact]
    public void A_max_pool_tie_is_detected_as_a_kink()
    {
        var backend = ReferenceBackend.Instance;
        var pool = new MaxPool2d(PoolWindow.Square(2));
        // Windows of [1, 1, 4, 4]: the top-left one holds the tie 3, 3 (flat indices 1 and 4), the others a unique maximum.
        double[] x = [1, 3, 0.5, 2, 3, -1, 4, 0.25, 0.1, 0.2, -2, 5, 0.3, 0.7, 1.5, -3];
        var r = backend.FromArray([1.0, -2.0, 0.5, 1.5], 1, 1, 2, 2);
        var arguments = TensorTree.Of(("x", backend.FromArray(x, 1, 1, 4, 4)));
        var report = GradCheck.Check(p => (pool.Apply(TensorTree.Empty, p["x"]) * r).Sum(), arguments, GradCheckOptions.Float64, "max-pool tie");
        Assert.True(report.Passed, report.ToString());
        var row = Assert.Single(report.Rows, row => row.Leaf == "x");
        Assert.Equal([1, 4], row.KinkIndices.Order());
        Assert.Equal(16 - 2, row.Checked);
    }

    /// <summary>The generator covers what the acceptance names: over its first 300 seeds each ingredient occurs.</summary>
    [Fact]
    public void The_generator_covers_every_ingredient()
    {
        var seen = new HashSet<string>();
        for (var seed = 0; seed < 300; seed++)
        {
            var c = CnnGenerator.Build(seed);
            seen.Add(c.Mode.ToString());
            Walk(c.Layer, seen);
        }

        string[] expected =
        [
            "Train", "Eval", "stride", "dilation", "groups", "Half", "Full", "Explicit", "None", "MaxPool2d", "AvgPool2d", "ceil", "exclude pad",
            "BatchNorm", "Residual", "projection", "SE", "Dense", "Flatten", "AdaptiveAvgPool2d", "kernel 1", "kernel 3",
        ];
        Assert.Empty(expected.Except(seen));
    }

    private static void Walk(Layer layer, HashSet<string> seen)
    {
        switch (layer)
        {
            case Conv2d c:
                seen.Add(c.Padding.Kind.ToString());
                if (c.Stride.Any(s => s > 1)) seen.Add("stride");
                if (c.Dilation.Any(d => d > 1)) seen.Add("dilation");
                if (c.Groups > 1) seen.Add("groups");
                seen.Add($"kernel {c.Kernel.Max()}");
                break;
            case MaxPool2d m:
                seen.Add("MaxPool2d");
                if (m.Window.CeilMode) seen.Add("ceil");
                break;
            case AvgPool2d a:
                seen.Add("AvgPool2d");
                if (!a.CountIncludePad) seen.Add("exclude pad");
                break;
            case Residual r:
                seen.Add("Residual");
                if (r.Shortcut is not null) seen.Add("projection");
                break;
            case Branches { Join.Kind: JoinKind.BroadcastProduct }:
                seen.Add("SE");
                break;
            default:
                seen.Add(layer.GetType().Name);
                break;
        }

        foreach (var (_, child) in layer.Children)
        {
            Walk(child, seen);
        }
    }
}
