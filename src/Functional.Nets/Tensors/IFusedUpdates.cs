namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: the optimizers' elementwise maps, each run in fewer kernels and
/// allocations than its composition of core operations. The core's optimizers ask for it (<c>backend is
/// IFusedUpdates</c>) and otherwise run that composition, the one plain path, which also defines what each map means:
/// a backend without this interface loses speed, never results. An implementation must agree with the composition up
/// to rounding (a fused kernel may round differently, e.g. one rounding where the composition has three); a test
/// holds every backend's implementation to the plain path over every optimizer.
/// </summary>
/// <remarks>
/// Called by the core's optimizers only, on operands of equal shapes, all on the implementing backend. A <c>reuse</c>
/// argument of true says the first operand is dead (its buffers were donated, see <see cref="Trainer.Step"/>): the
/// implementation may write the result into it and return it. Each method may decline by returning null, for
/// operands it cannot fuse (Torch: an operand records gradients, and autograd forbids writing into a saved result);
/// the caller then runs the plain composition, so the formula lives in one place.
/// </remarks>
public interface IFusedUpdates
{
    /// <summary>y = α·a + β·b elementwise (a moment update such as m′ = β₁m + (1 − β₁)g), or null to decline.</summary>
    Tensor? AddScaled(Tensor a, double alpha, Tensor b, double beta, bool reuse);

    /// <summary>
    /// y = a + w·(b − a) elementwise, the exponential moving average a ← (1 − w)·a + w·b written as one interpolation
    /// (PyTorch's <c>lerp</c>, which <c>torch.optim.Adam</c> uses for its first moment), or null to decline.
    /// </summary>
    Tensor? Interpolate(Tensor a, Tensor b, double weight, bool reuse);

    /// <summary>y = α·a + β·b² elementwise (a second-moment update such as v′ = β₂v + (1 − β₂)g²), or null to decline.</summary>
    Tensor? AddScaledSquare(Tensor a, double alpha, Tensor b, double beta, bool reuse);

    /// <summary>
    /// y = γ·a / (s·√b + ε) elementwise, s &gt; 0: the step of the adaptive methods, e.g. Adam's
    /// (m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε) with s = 1/√(1 − β₂ᵗ) and γ = 1/(1 − β₁ᵗ); or null to decline.
    /// Never in place: its operands are optimizer state that lives on.
    /// </summary>
    Tensor? RatioToRoot(Tensor a, Tensor b, double scale, double epsilon, double gamma);

    /// <summary>
    /// y = p + γ·a / (s·√b + ε) elementwise, s &gt; 0: an adaptive step applied to the parameters p in one map, as
    /// <c>torch.optim.Adam</c> does with <c>addcdiv_</c> (into p itself only when <paramref name="reuse"/>); or null to decline.
    /// </summary>
    Tensor? AddRatioToRoot(Tensor p, Tensor a, Tensor b, double scale, double epsilon, double gamma, bool reuse);
}
