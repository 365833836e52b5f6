using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// Fused against composed: (1) a 1×1 convolution is a matrix product over channels, y[n] = W x[n] + b with x[n]
/// [C_in, H·W]; (2) the transposed convolution is the convolution's adjoint in its input, so
/// convT(ȳ, W) = ∂⟨conv(x, W), ȳ⟩/∂x for every x. Both within 1e-12 on each backend, gradients within 1e-10.
/// </summary>
public sealed class ConvolutionComposedTests
{
    public static TheoryData<string> Backends => new() { "reference", "torch64" };

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_1x1_convolution_is_a_matmul_over_channels(string which)
    {
        var b = Pick(which);
        using var scope = b.Scope();
        var leaves = TensorTree.Of(
            ("x", b.FromArray(Key.FromSeed(1).Normal(2 * 3 * 4 * 5), new Shape(2, 3, 4, 5))),
            ("w", b.FromArray(Key.FromSeed(2).Normal(6 * 3), new Shape(6, 3, 1, 1))),
            ("b", b.FromArray(Key.FromSeed(3).Normal(6), new Shape(6))));
        var u = b.FromArray(Key.FromSeed(4).Normal(2 * 6 * 20), new Shape(2, 6, 4, 5));
        Tensor Fused(TensorTree p) => p["x"].Conv(p["w"], p["b"]);
        Tensor Composed(TensorTree p) => (p["w"].Reshape(6, 3).MatMul(p["x"].Reshape(2, 3, 20)) + p["b"].Reshape(6, 1)).Reshape(2, 6, 4, 5);
        var e = RelativeError.Of(Fused(leaves).ToArray(), Composed(leaves).ToArray());
        Assert.True(e.Value <= 1e-12, $"1×1 convolution vs matmul on {b}: {e}");
        var (_, gf) = Grad.ValueAndGrad(p => (Fused(p) * u).Sum(), leaves);
        var (_, gc) = Grad.ValueAndGrad(p => (Composed(p) * u).Sum(), leaves);
        var (leaf, worst) = RelativeError.WorstLeaf(gf, gc);
        Assert.True(worst.Value <= 1e-10, $"1×1 convolution vs matmul gradients on {b}: '{leaf}' {worst}");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void The_transposed_convolution_is_the_adjoint_of_the_convolution(string which)
    {
        var b = Pick(which);
        using var scope = b.Scope();
        int[] stride = [2, 3], dilation = [1, 2];
        var w = b.FromArray(Key.FromSeed(5).Normal(4 * 3 * 3 * 2), new Shape(4, 3, 3, 2));
        var x = b.FromArray(Key.FromSeed(6).Normal(2 * 6 * 7 * 9), new Shape(2, 6, 7, 9));
        var yShape = x.Conv(w, stride: stride, padding: [(1, 1), (2, 2)], dilation: dilation, groups: 2).Shape;
        var gy = b.FromArray(Key.FromSeed(7).Normal(checked((int)yShape.Size)), yShape);
        var (_, g) = Grad.ValueAndGrad(p => (p["x"].Conv(w, stride: stride, padding: [(1, 1), (2, 2)], dilation: dilation, groups: 2) * gy).Sum(), TensorTree.Of(("x", x)));

        // conv(x) keeps ⌊…/s⌋ + 1 outputs; the entries of x past the last window get no gradient, which the
        // transposed convolution supplies as output padding.
        var t = gy.ConvTranspose(w, stride: stride, padding: [1, 2], dilation: dilation, groups: 2);
        var outputPadding = new[] { x.Shape[2] - t.Shape[2], x.Shape[3] - t.Shape[3] };
        var adjoint = gy.ConvTranspose(w, stride: stride, padding: [1, 2], outputPadding: outputPadding, dilation: dilation, groups: 2);
        Assert.Equal(x.Shape, adjoint.Shape);
        var e = RelativeError.Of(g["x"].ToArray(), adjoint.ToArray());
        Assert.True(e.Value <= 1e-12, $"conv_transpose vs the convolution's input gradient on {b}: {e}");
    }

    private static Backend Pick(string which) => which == "reference" ? ReferenceBackend.Instance : TorchBackend.CpuFloat64;
}
