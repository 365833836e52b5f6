using Functional.Nets.Reference;

namespace Functional.Nets.Tests;

/// <summary>
/// The fused <see cref="Tensor.Linear"/> primitive (y = x·Wᵀ + b, used by <see cref="Dense"/>): on the Reference backend
/// its hand-written VJP equals the gradient of the composition x.MatMul(W.T) + b through the MatMul, Transpose and Add
/// VJPs (DESIGN.md: a fused primitive must match the composed one); every backend computes the same values and
/// gradients as the Reference backend; and shapes are checked in the core.
/// </summary>
public sealed class LinearPrimitiveTests
{
    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(5, 3, 4, true)]
    [InlineData(7, 6, 2, false)]
    [InlineData(2, 9, 11, true)]
    public void Fused_vjp_equals_the_composed_one(int m, int k, int n, bool bias)
    {
        var backend = ReferenceBackend.Instance;
        var tree = Tree(backend, m, k, n, bias);
        Func<TensorTree, Tensor> fused = p => (Linear(p, fusedForm: true) * Weights(backend, m, n)).Sum();
        Func<TensorTree, Tensor> composed = p => (Linear(p, fusedForm: false) * Weights(backend, m, n)).Sum();
        var (a, ga) = Grad.ValueAndGrad(fused, tree);
        var (b, gb) = Grad.ValueAndGrad(composed, tree);
        Assert.True(RelativeError.Of(a, b).Value < 1e-14, RelativeError.Of(a, b).ToString());
        var (leaf, error) = RelativeError.WorstLeaf(ga, gb);
        Assert.True(error.Value < 1e-13, $"{leaf}: {error}");
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Every_backend_agrees_with_the_reference(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var tolerance = backend.DType == DType.Float64 ? 1e-12 : 1e-5;
        var reference = Tree(ReferenceBackend.Instance, 6, 5, 4, bias: true);
        using var tree = reference.ToBackend(backend);
        using var weights = Weights(backend, 6, 4);
        var (a, ga) = Grad.ValueAndGrad(p => (Linear(p, fusedForm: true) * Weights(ReferenceBackend.Instance, 6, 4)).Sum(), reference);
        var (b, gb) = Grad.ValueAndGrad(p => (Linear(p, fusedForm: true) * weights).Sum(), tree);
        Assert.True(RelativeError.Of(a.ToArray(), b.ToArray()).Value < tolerance);
        var (leaf, error) = RelativeError.WorstLeaf(ga, gb.ToBackend(ReferenceBackend.Instance));
        Assert.True(error.Value < tolerance, $"{combination}, {leaf}: {error}");
        b.Dispose();
        gb.Dispose();
    }

    [Fact]
    public void Shapes_are_checked_before_any_backend_runs()
    {
        var backend = ReferenceBackend.Instance;
        var x = backend.FromArray(new double[6], 2, 3);
        Assert.Throws<ShapeMismatchException>(() => x.Linear(backend.FromArray(new double[6], 3, 2)));
        Assert.Throws<ShapeMismatchException>(() => x.Linear(backend.FromArray(new double[6], 2, 3), backend.FromArray(new double[3], 3)));
        Assert.Throws<ShapeMismatchException>(() => backend.FromArray(new double[3], 3).Linear(backend.FromArray(new double[6], 2, 3)));
        Assert.Equal(new Shape(2, 2), x.Linear(backend.FromArray(new double[6], 2, 3), backend.FromArray(new double[2], 2)).Shape);
    }

    private static Tensor Linear(TensorTree p, bool fusedForm)
    {
        var bias = p.TryGet("b", out var b) ? b : null;
        if (fusedForm)
        {
            return p["x"].Linear(p["w"], bias);
        }

        var y = p["x"].MatMul(p["w"].T);
        return bias is null ? y : y + bias;
    }

    private static TensorTree Tree(Backend backend, int m, int k, int n, bool bias)
    {
        var leaves = new List<(string, Tensor)>
        {
            ("x", backend.FromArray(Key.FromSeed(m).Normal(m * k), m, k)),
            ("w", backend.FromArray(Key.FromSeed(k + 100).Normal(n * k), n, k)),
        };
        if (bias)
        {
            leaves.Add(("b", backend.FromArray(Key.FromSeed(n + 200).Normal(n), n)));
        }

        return TensorTree.Of([.. leaves]);
    }

    // Distinct weights per output entry, so that a VJP that mixed up entries could not hide behind a plain sum.
    private static Tensor Weights(Backend backend, int m, int n) => backend.FromArray(Key.FromSeed(7).Normal(m * n), m, n);
}
