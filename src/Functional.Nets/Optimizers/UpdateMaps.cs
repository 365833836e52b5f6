namespace Functional.Nets;

/// <summary>
/// The optimizers' elementwise maps, written once: each runs the backend's fused kernel when it offers
/// <see cref="IFusedUpdates"/> (and does not decline these operands), else its composition of core operations, the
/// plain path that defines the map. Optimizers call these and never ask for the capability themselves.
/// </summary>
internal static class UpdateMaps
{
    /// <summary>y = α·a + β·b (see <see cref="IFusedUpdates.AddScaled"/>); the plain path never writes into <paramref name="a"/>.</summary>
    public static Tensor AddScaled(Tensor a, double alpha, Tensor b, double beta, bool reuse = false) =>
        Fused(a)?.AddScaled(a, alpha, b, beta, reuse)
        ?? (alpha == 1 ? a : a * alpha) + (beta == 1 ? b : b * beta);

    /// <summary>y = a + w·(b − a) (see <see cref="IFusedUpdates.Interpolate"/>).</summary>
    public static Tensor Interpolate(Tensor a, Tensor b, double weight, bool reuse = false) =>
        Fused(a)?.Interpolate(a, b, weight, reuse)
        ?? a + ((b - a) * weight);

    /// <summary>y = α·a + β·b² (see <see cref="IFusedUpdates.AddScaledSquare"/>).</summary>
    public static Tensor AddScaledSquare(Tensor a, double alpha, Tensor b, double beta, bool reuse = false) =>
        Fused(a)?.AddScaledSquare(a, alpha, b, beta, reuse)
        ?? (alpha == 1 ? a : a * alpha) + (beta == 1 ? b.Square() : b.Square() * beta);

    /// <summary>y = γ·a / (s·√b + ε) (see <see cref="IFusedUpdates.RatioToRoot"/>).</summary>
    public static Tensor RatioToRoot(Tensor a, Tensor b, double scale, double epsilon, double gamma) =>
        Fused(a)?.RatioToRoot(a, b, scale, epsilon, gamma)
        ?? PlainRatioToRoot(a, b, scale, epsilon, gamma);

    /// <summary>y = p + γ·a / (s·√b + ε) (see <see cref="IFusedUpdates.AddRatioToRoot"/>).</summary>
    public static Tensor AddRatioToRoot(Tensor p, Tensor a, Tensor b, double scale, double epsilon, double gamma, bool reuse = false) =>
        Fused(p)?.AddRatioToRoot(p, a, b, scale, epsilon, gamma, reuse)
        ?? p + PlainRatioToRoot(a, b, scale, epsilon, gamma);

    private static IFusedUpdates? Fused(Tensor a) => Capabilities.Of<IFusedUpdates>(a.Backend);

    private static Tensor PlainRatioToRoot(Tensor a, Tensor b, double scale, double epsilon, double gamma)
    {
        var ratio = a / b.Backend.Affine(b.Sqrt(), scale, epsilon);
        return gamma == 1 ? ratio : ratio * gamma;
    }
}
