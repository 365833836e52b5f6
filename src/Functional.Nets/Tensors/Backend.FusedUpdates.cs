namespace Functional.Nets;

/// <summary>
/// Fused elementwise maps for optimizer updates. Each default composes core operations (so the Reference backend
/// runs exactly the formula); a backend may override one to run it in fewer kernels and allocations, writing in place
/// into its own fresh intermediates. Called by the core's optimizers only, on operands of equal shapes, outside
/// differentiation; the results agree with the compositions up to rounding. A <c>reuse</c> argument of true says the
/// first operand is dead (its buffers were donated, see <see cref="Trainer.Step"/>): a backend may write the result
/// into it and return it. The defaults never do.
/// </summary>
public abstract partial class Backend
{
    /// <summary>y = α·a + β·b elementwise (a moment update such as m′ = β₁m + (1 − β₁)g).</summary>
    protected internal virtual Tensor AddScaled(Tensor a, double alpha, Tensor b, double beta, bool reuse = false) =>
        (alpha == 1 ? a : a * alpha) + (beta == 1 ? b : b * beta);

    /// <summary>
    /// y = a + w·(b − a) elementwise, the exponential moving average a ← (1 − w)·a + w·b written as one interpolation
    /// (PyTorch's <c>lerp</c>, which <c>torch.optim.Adam</c> uses for its first moment).
    /// </summary>
    protected internal virtual Tensor Interpolate(Tensor a, Tensor b, double weight, bool reuse = false) => a + (b - a) * weight;

    /// <summary>y = α·a + β·b² elementwise (a second-moment update such as v′ = β₂v + (1 − β₂)g²).</summary>
    protected internal virtual Tensor AddScaledSquare(Tensor a, double alpha, Tensor b, double beta, bool reuse = false) =>
        (alpha == 1 ? a : a * alpha) + (beta == 1 ? b.Square() : b.Square() * beta);

    /// <summary>
    /// y = max(a, b) elementwise (AMSGrad's running maximum of the second moments, Adamax's infinity norm).
    /// The default is built from arithmetic (there is no comparison primitive): exact wherever |a − b| ≥ 2⁵³ times
    /// the dtype's smallest normal number, and at ties; backends override it with a
    /// comparison that is exact everywhere.
    /// </summary>
    protected internal virtual Tensor Maximum(Tensor a, Tensor b) => Piecewise.Maximum(a, b);

    /// <summary>
    /// y = γ·a / (s·√b + ε) elementwise: the step of the adaptive methods, e.g. Adam's
    /// (m̂ / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε) with s = 1/√(1 − β₂ᵗ) and γ = 1/(1 − β₁ᵗ).
    /// </summary>
    protected internal virtual Tensor RatioToRoot(Tensor a, Tensor b, double scale, double epsilon, double gamma)
    {
        var ratio = a / Affine(b.Sqrt(), scale, epsilon);
        return gamma == 1 ? ratio : ratio * gamma;
    }

    /// <summary>
    /// y = p + γ·a / (s·√b + ε) elementwise: an adaptive step applied to the parameters p in one map, as
    /// <c>torch.optim.Adam</c> does with <c>addcdiv_</c> (here into a new tensor).
    /// </summary>
    protected internal virtual Tensor AddRatioToRoot(Tensor p, Tensor a, Tensor b, double scale, double epsilon, double gamma, bool reuse = false) =>
        p + RatioToRoot(a, b, scale, epsilon, gamma);
}
