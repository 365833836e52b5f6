using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Primitives;

/// <summary>
/// Issue 10's acceptance for every new primitive, each its own theory case (<see cref="BasisCatalog"/>), over
/// <see cref="Seeds"/> generated inputs: (1) Reference vs Torch float64, outputs within 1e-12 and gradients of
/// L = Σ w ⊙ f(x) (w fixed, distinct per entry) within 1e-10 relative per tensor; (2) the Reference gradient against
/// central differences by <see cref="GradCheck"/>, which must pass with no kink (the inputs are drawn away from kinks,
/// <see cref="Draw"/>); (3) the Torch float64 result and gradient against the same operation written directly in
/// TorchSharp; (4) purity: applying twice gives identical results and leaves the inputs untouched.
/// Relative error per tensor is max|a − b| / max(max|a|, max|b|) (DESIGN.md).
/// </summary>
public sealed class BasisPrimitiveTests(ITestOutputHelper output)
{
    /// <summary>Generated inputs per case.</summary>
    public const int Seeds = 6;

    /// <summary>Outputs, float64, two implementations (a few ulps per operation).</summary>
    public const double OutputTolerance = 1e-12;

    /// <summary>Gradients, float64, hand-written VJP vs autograd.</summary>
    public const double GradientTolerance = 1e-10;

    [Theory]
    [MemberData(nameof(BasisCatalog.Names), MemberType = typeof(BasisCatalog))]
    public void Reference_and_torch_float64_agree(string name)
    {
        var c = BasisCatalog.Cases[name];
        double worstOutput = 0, worstGradient = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var (refY, refG) = Evaluate(c, seed, ReferenceBackend.Instance);
            var (torchY, torchG) = Evaluate(c, seed, TorchBackend.CpuFloat64);
            var outputError = RelativeError.Of(refY, torchY);
            Assert.True(outputError.Value <= OutputTolerance, $"{name}, seed {seed}: outputs differ, {outputError}");
            worstOutput = Math.Max(worstOutput, outputError.Value);
            for (var i = 0; i < refG.Length; i++)
            {
                var g = RelativeError.Of(refG[i], torchG[i]);
                Assert.True(g.Value <= GradientTolerance, $"{name}, seed {seed}: gradient of input {i} differs, {g}");
                worstGradient = Math.Max(worstGradient, g.Value);
            }
        }

        output.WriteLine($"{name}: worst output error {worstOutput:G3}, worst gradient error {worstGradient:G3} over {Seeds} inputs");
    }

    [Theory]
    [MemberData(nameof(BasisCatalog.Names), MemberType = typeof(BasisCatalog))]
    public void Reference_gradients_match_central_differences_with_no_kink(string name)
    {
        var c = BasisCatalog.Cases[name];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var backend = ReferenceBackend.Instance;
            var inputs = Inputs(c, seed, backend);
            var report = GradCheck.Check(p => Loss(c, p, seed), inputs, subject: $"{name}, seed {seed}");
            if (c.GradientIsDerivative)
            {
                Assert.True(report.Passed && report.Kinks == 0, report.ToString());
            }
            else
            {
                // d/dx Σ w ⊙ x ⊙ sg(x) is w ⊙ x by stop-gradient's definition, half the derivative 2w ⊙ x that
                // differences measure: the check must see the difference, or stop-gradient would be the identity.
                Assert.False(report.Passed, report.ToString());
                var (_, g) = Grad.ValueAndGrad(p => Loss(c, p, seed), inputs);
                var x = inputs["x0"].ToArray();
                var w = Weights(x.Length, seed);
                Assert.Equal(x.Select((v, i) => w[i] * v).ToArray(), g["x0"].ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(BasisCatalog.Names), MemberType = typeof(BasisCatalog))]
    public void Torch_float64_matches_the_torch_function(string name)
    {
        var c = BasisCatalog.Cases[name];
        for (var seed = 0; seed < Seeds; seed++)
        {
            var (ourY, ourG) = Evaluate(c, seed, TorchBackend.CpuFloat64);
            using var scope = NewDisposeScope();
            var leaves = c.Shapes.Select((s, i) => tensor(c.Values(seed, i), s.Dims.Select(d => (long)d).ToArray(), float64).requires_grad_()).ToArray();
            var y = c.Peer(leaves);
            var w = tensor(Weights(y.shape.Aggregate(1L, (a, b) => a * b), seed), y.shape, float64);
            (y * w).sum().backward();
            var peerY = y.detach().contiguous().data<double>().ToArray();
            var outputError = RelativeError.Of(ourY, peerY);
            Assert.True(outputError.Value <= OutputTolerance, $"{name}, seed {seed}: our Torch result differs from torch's, {outputError}");
            for (var i = 0; i < leaves.Length; i++)
            {
                var peerG = leaves[i].grad is { } grad ? grad.data<double>().ToArray() : new double[ourG[i].Length];
                var g = RelativeError.Of(ourG[i], peerG);
                Assert.True(g.Value <= GradientTolerance, $"{name}, seed {seed}: gradient of input {i} differs from torch autograd's, {g}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(BasisCatalog.Names), MemberType = typeof(BasisCatalog))]
    public void Applying_twice_gives_identical_results_and_leaves_inputs_untouched(string name)
    {
        var c = BasisCatalog.Cases[name];
        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64, TorchBackend.CpuFloat32 })
        {
            using var scope = backend.Scope();
            var inputs = Inputs(c, 1, backend);
            var before = inputs.Values.Select(t => t.ToArray()).ToArray();
            var first = c.Ours([.. inputs.Values]).ToArray();
            var second = c.Ours([.. inputs.Values]).ToArray();
            Assert.Equal(first, second);
            Assert.Equal(before, inputs.Values.Select(t => t.ToArray()).ToArray());
        }
    }

    private static TensorTree Inputs(BasisCase c, int seed, Backend backend) =>
        TensorTree.Of([.. c.Shapes.Select((s, i) => ($"x{i}", backend.FromArray(c.Values(seed, i), s)))]);

    private static Tensor Loss(BasisCase c, TensorTree p, int seed)
    {
        var y = c.Ours([.. p.Values]);
        return (y * y.Backend.FromArray(Weights(y.Size, seed), y.Shape)).Sum();
    }

    private static (double[] Output, double[][] Gradients) Evaluate(BasisCase c, int seed, Backend backend)
    {
        using var scope = backend.Scope();
        var inputs = Inputs(c, seed, backend);
        var output = c.Ours([.. inputs.Values]).ToArray();
        var (_, grads) = Grad.ValueAndGrad(p => Loss(c, p, seed), inputs);
        return (output, grads.Values.Select(g => g.ToArray()).ToArray());
    }

    // Distinct weights per output entry, so that a VJP that mixed up entries could not hide behind a plain sum.
    private static double[] Weights(long size, int seed) => Key.FromSeed(1000 + seed).Normal(checked((int)size));
}
