using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Primitives;

/// <summary>
/// DESIGN.md: a primitive that fuses what core operations could compose must have the composed gradient. On the
/// Reference backend (hand-written VJPs only): log-sum-exp equals m + ln Σ e^(x − m) with m held constant, clamp equals
/// min(max(x, lo), hi), index cross-entropy equals the one-hot softmax cross-entropy, and pad/concat/stack equal their
/// compositions from each other, in value and gradient.
/// </summary>
public sealed class FusedEqualsComposedTests
{
    public static TheoryData<string> Cases => new() { "logsumexp", "clamp", "cross-entropy", "stack", "pad" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_and_composed_agree_in_value_and_gradient(string name)
    {
        var b = ReferenceBackend.Instance;
        var x = TensorTree.Of(("x", b.FromArray(Values(24), 4, 6)));
        var w = b.FromArray(Key.FromSeed(5).Normal(24), 4, 6);
        var classes = new long[] { 2, 5, 0, 3 };
        (Func<Tensor, Tensor> Fused, Func<Tensor, Tensor> Composed) pair = name switch
        {
            "logsumexp" => (t => t.LogSumExp([1]), t =>
            {
                var m = t.Max([1], keepDims: true).StopGradient();
                return ((t - m).Exp().Sum([1]).Log() + m.Reshape(4));
            }),
            "clamp" => (t => t.Clamp(-0.45, 0.45), t => t.Maximum(-0.45).Minimum(0.45)),
            "cross-entropy" => (t => Losses.CrossEntropy(t, b.FromIndices(classes, 4)), t => Losses.SoftmaxCrossEntropy(t, classes.Select(c => (int)c).ToArray())),
            "stack" => (t => Tensor.Stack([t.Slice(0, 0, 2), t.Slice(0, 2, 2)], 1), t => Tensor.Concat([t.Slice(0, 0, 2).Unsqueeze(1), t.Slice(0, 2, 2).Unsqueeze(1)], 1)),
            "pad" => (t => t.Pad([(1, 0), (0, 2)], 0), t => Tensor.Concat([b.FromArray(new double[8], 1, 8), Tensor.Concat([t, b.FromArray(new double[8], 4, 2)], 1)], 0)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
        };

        Tensor Weighted(Tensor y) => y.Shape == w.Shape ? (y * w).Sum() : (y * b.FromArray(Key.FromSeed(9).Normal(checked((int)y.Size)), y.Shape)).Sum();
        var (fv, fg) = Grad.ValueAndGrad(p => Weighted(pair.Fused(p["x"])), x);
        var (cv, cg) = Grad.ValueAndGrad(p => Weighted(pair.Composed(p["x"])), x);
        Assert.True(RelativeError.Of(fv, cv).Value < 1e-14, $"{name}: values {fv.Item()} vs {cv.Item()}");
        var error = RelativeError.Of(fg["x"], cg["x"]);
        Assert.True(error.Value < 1e-13, $"{name}: gradients {error}");
    }

    // Distinct values away from the clamp bounds ±0.45 and without ties.
    private static double[] Values(int n) => Key.FromSeed(2).Permutation(n).Select(k => (k - n / 2) / 10.0 + 0.03).ToArray();
}
