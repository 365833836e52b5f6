using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// The convolution primitives over generated cases (<see cref="ConvolutionCase"/>: random channels, kernels, strides,
/// asymmetric paddings, dilations, groups, 1-d and 2-d, and transposed convolutions with output padding):
/// (a) Reference vs Torch float64, outputs within 1e-12 and gradients of L = Σ u ⊙ y (u fixed, distinct per entry)
/// for input, weight and bias within 1e-10 relative per tensor; (b) the Reference gradient against central differences
/// by <see cref="GradCheck"/>; (c) the Torch backend against <c>torch.nn.functional</c> called directly; (d) Torch
/// float32 against the Reference within a bound derived from float32's unit roundoff and the dot-product length.
/// </summary>
public sealed class ConvolutionPrimitiveTests(ITestOutputHelper output)
{
    /// <summary>Outputs, float64, two implementations (a few ulps per operation).</summary>
    public const double OutputTolerance = 1e-12;

    /// <summary>Gradients, float64, hand-written VJP vs autograd.</summary>
    public const double GradientTolerance = 1e-10;

    [Theory]
    [MemberData(nameof(ConvolutionCase.Names), MemberType = typeof(ConvolutionCase))]
    public void Reference_and_torch_float64_agree(string name)
    {
        var c = ConvolutionCase.All[name];
        var (refY, refG) = Evaluate(c, ReferenceBackend.Instance);
        var (torchY, torchG) = Evaluate(c, TorchBackend.CpuFloat64);
        var outputError = RelativeError.Of(refY, torchY);
        Assert.True(outputError.Value <= OutputTolerance, $"{name}: outputs differ, {outputError}");
        var worst = 0.0;
        for (var i = 0; i < refG.Length; i++)
        {
            var g = RelativeError.Of(refG[i], torchG[i]);
            Assert.True(g.Value <= GradientTolerance, $"{name}: gradient of {Operand(i)} differs, {g}");
            worst = Math.Max(worst, g.Value);
        }

        output.WriteLine($"{name}: output error {outputError.Value:G3}, worst gradient error {worst:G3}");
    }

    [Theory]
    [MemberData(nameof(ConvolutionCase.Names), MemberType = typeof(ConvolutionCase))]
    public void Reference_gradients_match_central_differences(string name)
    {
        var c = ConvolutionCase.All[name];
        var inputs = Inputs(c, ReferenceBackend.Instance);
        var report = GradCheck.Check(p => Loss(c, p), inputs, subject: name);
        Assert.True(report.Passed && report.Kinks == 0, report.ToString());
    }

    [Theory]
    [MemberData(nameof(ConvolutionCase.Names), MemberType = typeof(ConvolutionCase))]
    public void Torch_float64_matches_torch_nn_functional(string name)
    {
        var c = ConvolutionCase.All[name];
        var (ourY, ourG) = Evaluate(c, TorchBackend.CpuFloat64);
        using var scope = NewDisposeScope();
        var leaves = c.Shapes.Select((s, i) => tensor(Values(c, i), s.Dims.Select(d => (long)d).ToArray(), float64).requires_grad_()).ToArray();
        var y = c.Peer(leaves);
        var u = tensor(Weights(y.numel()), y.shape, float64);
        (y * u).sum().backward();
        var outputError = RelativeError.Of(ourY, y.detach().contiguous().data<double>().ToArray());
        Assert.True(outputError.Value <= OutputTolerance, $"{name}: our Torch result differs from torch's, {outputError}");
        for (var i = 0; i < leaves.Length; i++)
        {
            var g = RelativeError.Of(ourG[i], leaves[i].grad!.contiguous().data<double>().ToArray());
            Assert.True(g.Value <= GradientTolerance, $"{name}: gradient of {Operand(i)} differs from torch autograd's, {g}");
        }
    }

    /// <summary>
    /// Torch float32 against the Reference (float64, exact to ~1e-16 here). Each output entry is b + Σ of at most
    /// L = <see cref="ConvolutionCase.DotLength"/> products x·w. Rounding x and w to float32 costs at most 2u relative
    /// per product and summing L + 1 terms in any order at most L·u relative of Σ|terms| (Higham's γ_L bound, u = 2⁻²⁴
    /// the unit roundoff), so |y₃₂ − y| ≤ (L + 3)·u·A with A = conv(|x|, |w|) + |b|, computed on the Reference. The
    /// test allows ε₃₂ = 2u per unit, a factor 2 for the second-order terms and for libtorch's blocked kernels.
    /// </summary>
    [Theory]
    [MemberData(nameof(ConvolutionCase.Names), MemberType = typeof(ConvolutionCase))]
    public void Torch_float32_is_within_the_derived_float32_bound(string name)
    {
        var c = ConvolutionCase.All[name];
        double[] exact, bound, single;
        using (ReferenceBackend.Instance.Scope())
        {
            var t = Inputs(c, ReferenceBackend.Instance).Values.ToArray();
            exact = c.Ours(t).ToArray();
            bound = c.Ours([.. t.Select(v => v.Abs())]).ToArray();
        }

        using (TorchBackend.CpuFloat32.Scope())
        {
            single = c.Ours([.. Inputs(c, TorchBackend.CpuFloat32).Values]).ToArray();
        }

        var epsilon = Math.Pow(2, -23);
        var worst = 0.0;
        for (var i = 0; i < exact.Length; i++)
        {
            var allowed = (c.DotLength + 3) * epsilon * bound[i];
            var error = Math.Abs(single[i] - exact[i]);
            Assert.True(error <= allowed, $"{name}: entry {i}: float32 {single[i]} vs {exact[i]}, error {error:G3} > {allowed:G3} = (L + 3)·ε₃₂·A, L = {c.DotLength}, A = {bound[i]:G6}");
            worst = Math.Max(worst, error / allowed);
        }

        output.WriteLine($"{name}: worst float32 error {worst:P1} of its bound");
    }

    internal static string Operand(int i) => i switch { 0 => "the input", 1 => "the weight", _ => "the bias" };

    internal static double[] Values(ConvolutionCase c, int input) => Key.FromSeed(c.Seed * 7 + input).Normal(checked((int)c.Shapes[input].Size));

    internal static TensorTree Inputs(ConvolutionCase c, Backend backend) =>
        TensorTree.Of([.. c.Shapes.Select((s, i) => ($"x{i}", backend.FromArray(Values(c, i), s)))]);

    // Distinct weights per output entry, so that a VJP that mixed up entries could not hide behind a plain sum.
    internal static double[] Weights(long size) => Key.FromSeed(4242).Normal(checked((int)size));

    private static Functional.Nets.Tensor Loss(ConvolutionCase c, TensorTree p)
    {
        var y = c.Ours([.. p.Values]);
        return (y * y.Backend.FromArray(Weights(y.Size), y.Shape)).Sum();
    }

    private static (double[] Output, double[][] Gradients) Evaluate(ConvolutionCase c, Backend backend)
    {
        using var scope = backend.Scope();
        var inputs = Inputs(c, backend);
        var y = c.Ours([.. inputs.Values]).ToArray();
        var (_, grads) = Grad.ValueAndGrad(p => Loss(c, p), inputs);
        return (y, grads.Values.Select(g => g.ToArray()).ToArray());
    }
}
