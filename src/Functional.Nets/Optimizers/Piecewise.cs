namespace Functional.Nets;

/// <summary>
/// sign, min and max built from the backend's primitives (there is no comparison primitive yet), exact
/// wherever it matters: for every entry whose magnitude (or distance to the bound) is at least
/// 2⁵³·(smallest normal) ≈ 2·10⁻²⁹² in float64, ≈ 2·10⁻³¹ in float32. Below that the result is a
/// convex combination of the two exact answers. NaN propagates; ±∞ arguments are not supported.
/// </summary>
/// <remarks>
/// sign(x) = x / (|x| + δ) with δ the dtype's smallest normal number: for |x| ≥ 2⁵³δ the sum |x| + δ
/// rounds to |x|, so the quotient is exactly ±1, and sign(0) = 0/δ = 0. Using a normal δ (not a
/// subnormal) keeps this right on hardware that flushes subnormals to zero. min and max blend with a
/// mask m ∈ {0, ½, 1}: x(1 − m) + c·m is exactly x or c (and at a tie x = c it is ½x + ½c = c).
/// </remarks>
internal static class Piecewise
{
    /// <summary>2⁻¹⁰²², the smallest normal float64.</summary>
    private const double Float64MinNormal = 2.2250738585072014e-308;

    /// <summary>2⁻¹²⁶, the smallest normal float32.</summary>
    private const double Float32MinNormal = 1.1754943508222875e-38;

    /// <summary>sign(x) elementwise: −1, 0 or 1.</summary>
    public static Tensor Sign(Tensor x)
    {
        var delta = x.DType == DType.Float32 ? Float32MinNormal : Float64MinNormal;
        return x / (x.Abs() + delta);
    }

    /// <summary>min(x, c) elementwise.</summary>
    public static Tensor Minimum(Tensor x, double c) => Blend(x, c, Step(x - c));

    /// <summary>max(x, c) elementwise.</summary>
    public static Tensor Maximum(Tensor x, double c) => Blend(x, c, Step(c - x));

    /// <summary>max(a, b) elementwise: a where b − a &lt; 0, b where b − a &gt; 0, ½(a + b) = a at a tie.</summary>
    public static Tensor Maximum(Tensor a, Tensor b)
    {
        var m = Step(b - a);
        return a * (1 - m) + b * m;
    }

    /// <summary>min(max(x, low), high) elementwise, as <c>torch.clamp(x, low, high)</c> for low ≤ high.</summary>
    public static Tensor Clamp(Tensor x, double low, double high) => Minimum(Maximum(x, low), high);

    /// <summary>The Heaviside step with H(0) = ½: 0 for y &lt; 0, ½ at 0, 1 for y &gt; 0.</summary>
    private static Tensor Step(Tensor y) => (Sign(y) + 1) * 0.5;

    /// <summary>x where m = 0, c where m = 1 (and ½(x + c) where m = ½, which only happens at x = c).</summary>
    private static Tensor Blend(Tensor x, double c, Tensor m) => x * (1 - m) + m * c;
}
