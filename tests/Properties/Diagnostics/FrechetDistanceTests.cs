using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Diagnostics;

/// <summary>
/// <see cref="FrechetDistance"/> against closed forms: one dimension, (μ₁ − μ₂)² + (σ₁ − σ₂)²; commuting (diagonal or
/// equally rotated) covariances, Σᵢ (√aᵢ − √bᵢ)²; two non-commuting 2 × 2 covariances, where the eigenvalues λ₁, λ₂ of
/// Σ₁Σ₂ give tr (Σ₁Σ₂)^½ = √λ₁ + √λ₂ = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)) without any matrix square root; a Gaussian
/// against itself, 0. The sample form against moments computed by hand, and shifting one set by c adds ‖c‖².
/// </summary>
/// <remarks>
/// Tolerance: float64 with two symmetric eigendecompositions of matrices of size ≤ 4; each result is a few dozen
/// roundings of numbers of order 1–10, so 1e-12 absolute is a few hundred ulps of room, far below any real mistake
/// (a missing factor 2 or a transposed product changes the answers here by ≥ 0.1).
/// </remarks>
public sealed class FrechetDistanceTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void One_dimension_is_the_squared_mean_and_deviation_differences()
    {
        var d = FrechetDistance.BetweenGaussians([1.5], new double[,] { { 4 } }, [-0.5], new double[,] { { 0.25 } });
        Assert.Equal(2.0 * 2.0 + (2.0 - 0.5) * (2.0 - 0.5), d, Tolerance);
    }

    [Fact]
    public void Commuting_covariances_give_the_sum_of_squared_root_differences()
    {
        // Σ₁ = R diag(4, 9) Rᵀ and Σ₂ = R diag(1, 16) Rᵀ with R a rotation by 0.3: not diagonal, but commuting.
        var (c, s) = (Math.Cos(0.3), Math.Sin(0.3));
        double[,] Rotated(double a, double b) => new double[,]
        {
            { (c * c * a) + (s * s * b), c * s * (a - b) },
            { c * s * (a - b), (s * s * a) + (c * c * b) },
        };

        var d = FrechetDistance.BetweenGaussians([0, 0], Rotated(4, 9), [1, 2], Rotated(1, 16));
        Assert.Equal(1 + 4 + ((2 - 1) * (2 - 1)) + ((3 - 4) * (3 - 4)), d, Tolerance);
    }

    [Fact]
    public void Non_commuting_covariances_match_the_two_by_two_closed_form()
    {
        var s1 = new double[,] { { 2.0, 0.8 }, { 0.8, 1.0 } };
        var s2 = new double[,] { { 0.5, -0.3 }, { -0.3, 3.0 } };

        // tr(Σ₁Σ₂) and the determinants, by hand.
        var traceOfProduct = (s1[0, 0] * s2[0, 0]) + (s1[0, 1] * s2[1, 0]) + (s1[1, 0] * s2[0, 1]) + (s1[1, 1] * s2[1, 1]);
        var det1 = (s1[0, 0] * s1[1, 1]) - (s1[0, 1] * s1[1, 0]);
        var det2 = (s2[0, 0] * s2[1, 1]) - (s2[0, 1] * s2[1, 0]);
        var traceOfRoot = Math.Sqrt(traceOfProduct + (2 * Math.Sqrt(det1 * det2)));
        var expected = (0.3 * 0.3) + (0.4 * 0.4) + 2.0 + 1.0 + 0.5 + 3.0 - (2 * traceOfRoot);

        // Σ₁Σ₂ is not symmetric here: the closed form is the only check that the square root is of the product.
        Assert.NotEqual((s1[0, 0] * s2[0, 1]) + (s1[0, 1] * s2[1, 1]), (s1[1, 0] * s2[0, 0]) + (s1[1, 1] * s2[1, 0]));
        Assert.Equal(expected, FrechetDistance.BetweenGaussians([0.3, 0.4], s1, [0, 0], s2), Tolerance);
        Assert.Equal(expected, FrechetDistance.BetweenGaussians([0, 0], s2, [0.3, 0.4], s1), Tolerance);
    }

    [Fact]
    public void A_Gaussian_is_at_distance_zero_from_itself()
    {
        var sigma = new double[,] { { 3, 1, 0.5 }, { 1, 2, -0.4 }, { 0.5, -0.4, 1 } };
        Assert.Equal(0, FrechetDistance.BetweenGaussians([1, 2, 3], sigma, [1, 2, 3], sigma), Tolerance);
    }

    [Fact]
    public void Sample_moments_are_the_mean_and_the_unbiased_covariance()
    {
        var backend = ReferenceBackend.Instance;
        using var x = backend.FromArray([1, 2, 3, 0, 5, 4, -1, 2], 4, 2);
        var (mean, covariance) = FrechetDistance.Moments(x);
        Assert.Equal([2.0, 2.0], mean);

        // Centred rows (−1, 0), (1, −2), (3, 2), (−3, 0): Σ = [[20, 4], [4, 8]] / 3.
        Assert.Equal(20.0 / 3, covariance[0, 0], Tolerance);
        Assert.Equal(4.0 / 3, covariance[0, 1], Tolerance);
        Assert.Equal(4.0 / 3, covariance[1, 0], Tolerance);
        Assert.Equal(8.0 / 3, covariance[1, 1], Tolerance);
    }

    [Fact]
    public void Shifting_one_sample_set_adds_the_squared_shift()
    {
        var backend = ReferenceBackend.Instance;
        var values = Key.FromSeed(3).Normal(50 * 3);
        using var a = backend.FromArray(values, 50, 3);
        using var b = backend.FromArray(values.Select((v, i) => v + new[] { 1.0, -2.0, 0.5 }[i % 3]).ToArray(), 50, 3);
        Assert.Equal(0, FrechetDistance.BetweenSamples(a, a), 1e-10);
        Assert.Equal(1 + 4 + 0.25, FrechetDistance.BetweenSamples(a, b), 1e-10);
    }

    [Fact]
    public void Bad_input_names_the_sizes()
    {
        var backend = ReferenceBackend.Instance;
        using var a = backend.FromArray(new double[6], 3, 2);
        using var b = backend.FromArray(new double[9], 3, 3);
        var wide = Assert.Throws<ArgumentException>(() => FrechetDistance.BetweenSamples(a, b));
        Assert.Contains("[3, 2] and [3, 3]", wide.Message, StringComparison.Ordinal);

        using var one = backend.FromArray(new double[2], 1, 2);
        Assert.Contains("n ≥ 2", Assert.Throws<ArgumentException>(() => FrechetDistance.Moments(one)).Message, StringComparison.Ordinal);

        var skew = Assert.Throws<ArgumentException>(() => FrechetDistance.BetweenGaussians([0, 0], new double[,] { { 1, 0.5 }, { 0, 1 } }, [0, 0], new double[,] { { 1, 0 }, { 0, 1 } }));
        Assert.Contains("not symmetric", skew.Message, StringComparison.Ordinal);
        var size = Assert.Throws<ArgumentException>(() => FrechetDistance.BetweenGaussians([0, 0], new double[,] { { 1 } }, [0, 0], new double[,] { { 1, 0 }, { 0, 1 } }));
        Assert.Contains("2 × 2", size.Message, StringComparison.Ordinal);
    }
}
