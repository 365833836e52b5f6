using Functional.Nets.Reference;
using Functional.Nets.Tests.Primitives;
using Functional.Nets.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Ours = Functional.Nets.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Pooling;

/// <summary>
/// Issue 12's acceptance for the pooling primitives, each case its own theory case over <see cref="Seeds"/> generated
/// inputs: (1) Reference vs Torch float64, outputs within 1e-12 and gradients of L = Σ w ⊙ f(x) within 1e-10 relative per
/// tensor; (2) the Reference gradient against central differences (max-pooling inputs are drawn without ties, so no
/// kink may be reported); (3) the Torch float64 result and gradient against <c>torch.nn.functional</c> directly.
/// </summary>
public sealed class PoolingPrimitiveTests(ITestOutputHelper output)
{
    /// <summary>Generated inputs per case.</summary>
    public const int Seeds = 4;

    /// <summary>Outputs, float64.</summary>
    public const double OutputTolerance = 1e-12;

    /// <summary>Gradients, float64, hand-written VJP vs autograd.</summary>
    public const double GradientTolerance = 1e-10;

    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, BasisCase> Cases { get; } = new BasisCase[]
    {
        Case("max2d k2", [2, 3, 6, 5], Draw.Grid, x => x.MaxPool2d(PoolWindow.Square(2)), x => F.max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], false)),
        Case("max2d k3 s2 p1 ceil", [2, 2, 7, 6], Draw.Grid, x => x.MaxPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true)), x => F.max_pool2d(x, [3, 3], [2, 2], [1, 1], [1, 1], true)),
        Case("max2d k(3,2) s(1,2) p(1,1) d(2,1)", [1, 2, 7, 6], Draw.Grid, x => x.MaxPool2d(PoolWindow.Of((3, 2), (1, 2), (1, 1), (2, 1))), x => F.max_pool2d(x, [3, 2], [1, 2], [1, 1], [2, 1], false)),
        Case("max1d k3 s2 p1 d2 ceil", [2, 3, 11], Draw.Grid, x => x.MaxPool1d(PoolWindow.Line(3, 2, 1, 2, ceilMode: true)), x => F.max_pool1d(x, 3, 2, 1, 2, true)),
        Case("avg2d k2", [2, 3, 6, 5], Draw.Normal, x => x.AvgPool2d(PoolWindow.Square(2)), x => F.avg_pool2d(x, [2, 2], [2, 2], [0, 0], false, true)),
        Case("avg2d k3 s2 p1 ceil count pad", [2, 2, 7, 6], Draw.Normal, x => x.AvgPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true)), x => F.avg_pool2d(x, [3, 3], [2, 2], [1, 1], true, true)),
        Case("avg2d k3 s2 p1 ceil exclude pad", [2, 2, 7, 6], Draw.Normal, x => x.AvgPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true), countIncludePad: false), x => F.avg_pool2d(x, [3, 3], [2, 2], [1, 1], true, false)),
        Case("avg2d k(2,3) s(1,2) p(1,1)", [1, 3, 5, 8], Draw.Normal, x => x.AvgPool2d(PoolWindow.Of((2, 3), (1, 2), (1, 1))), x => F.avg_pool2d(x, [2, 3], [1, 2], [1, 1], false, true)),
        Case("avg1d k3 s2 p1 ceil exclude pad", [2, 3, 10], Draw.Normal, x => x.AvgPool1d(PoolWindow.Line(3, 2, 1, ceilMode: true), countIncludePad: false), x => F.avg_pool1d(x, 3, 2, 1, true, false)),
        Case("adaptive2d (3,4) of 7x10", [2, 3, 7, 10], Draw.Normal, x => x.AdaptiveAvgPool2d(3, 4), x => F.adaptive_avg_pool2d(x, [3, 4])),
        Case("adaptive2d (4,3) of 3x5 (overlapping)", [1, 2, 3, 5], Draw.Normal, x => x.AdaptiveAvgPool2d(4, 3), x => F.adaptive_avg_pool2d(x, [4, 3])),
        Case("adaptive2d global", [2, 3, 5, 4], Draw.Normal, x => x.AdaptiveAvgPool2d(1, 1), x => F.adaptive_avg_pool2d(x, [1, 1])),
        Case("adaptive1d 4 of 10", [2, 3, 10], Draw.Normal, x => x.AdaptiveAvgPool1d(4), x => F.adaptive_avg_pool1d(x, 4)),
    }.ToDictionary(c => c.Name);

    /// <summary>The case names, for theories.</summary>
    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Reference_and_torch_float64_agree(string name)
    {
        var c = Cases[name];
        double worstOutput = 0, worstGradient = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var (refY, refG) = Evaluate(c, seed, ReferenceBackend.Instance);
            var (torchY, torchG) = Evaluate(c, seed, TorchBackend.CpuFloat64);
            var outputError = RelativeError.Of(refY, torchY);
            Assert.True(outputError.Value <= OutputTolerance, $"{name}, seed {seed}: outputs differ, {outputError}");
            var g = RelativeError.Of(refG, torchG);
            Assert.True(g.Value <= GradientTolerance, $"{name}, seed {seed}: gradients differ, {g}");
            worstOutput = Math.Max(worstOutput, outputError.Value);
            worstGradient = Math.Max(worstGradient, g.Value);
        }

        output.WriteLine($"{name}: worst output error {worstOutput:G3}, worst gradient error {worstGradient:G3} over {Seeds} inputs");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Reference_gradients_match_central_differences_with_no_kink(string name)
    {
        var c = Cases[name];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var inputs = Inputs(c, seed, ReferenceBackend.Instance);
            var report = GradCheck.Check(p => Loss(c, p, seed), inputs, subject: $"{name}, seed {seed}");
            Assert.True(report.Passed && report.Kinks == 0, report.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Torch_float64_matches_the_torch_function(string name)
    {
        var c = Cases[name];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var (ourY, ourG) = Evaluate(c, seed, TorchBackend.CpuFloat64);
            using var scope = NewDisposeScope();
            var x = tensor(c.Values(seed, 0), c.Shapes[0].Dims.Select(d => (long)d).ToArray(), float64).requires_grad_();
            var y = c.Peer([x]);
            var w = tensor(Weights(y.shape.Aggregate(1L, (a, b) => a * b), seed), y.shape, float64);
            (y * w).sum().backward();
            Assert.True(RelativeError.Of(ourY, y.detach().contiguous().data<double>().ToArray()).Value <= OutputTolerance, $"{name}, seed {seed}: output differs from torch's");
            var g = RelativeError.Of(ourG, x.grad!.data<double>().ToArray());
            Assert.True(g.Value <= GradientTolerance, $"{name}, seed {seed}: gradient differs from torch autograd's, {g}");
        }
    }

    private static BasisCase Case(string name, int[] shape, Draw draw, Func<Ours, Ours> ours, Func<TorchTensor, TorchTensor> peer) =>
        new(name, [new Shape(shape)], [draw], xs => ours(xs[0]), xs => peer(xs[0]));

    private static TensorTree Inputs(BasisCase c, int seed, Backend backend) => TensorTree.Of(("x", backend.FromArray(c.Values(seed, 0), c.Shapes[0])));

    private static Ours Loss(BasisCase c, TensorTree p, int seed)
    {
        var y = c.Ours([p["x"]]);
        return (y * y.Backend.FromArray(Weights(y.Size, seed), y.Shape)).Sum();
    }

    private static (double[] Output, double[] Gradient) Evaluate(BasisCase c, int seed, Backend backend)
    {
        using var scope = backend.Scope();
        var inputs = Inputs(c, seed, backend);
        var y = c.Ours([inputs["x"]]).ToArray();
        var (_, grads) = Grad.ValueAndGrad(p => Loss(c, p, seed), inputs);
        return (y, grads["x"].ToArray());
    }

    private static double[] Weights(long size, int seed) => Key.FromSeed(2000 + seed).Normal(checked((int)size));
}
