using MathNet.Numerics.LinearAlgebra;

namespace Functional.Nets.Reference;

/// <summary>
/// The Fréchet distance between two Gaussians (Dowson and Landau 1982), the squared 2-Wasserstein distance
/// d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½), and the same between Gaussians fitted to two sets of feature vectors
/// (Heusel et al. 2017's FID when the features are an Inception network's; here any network's, e.g. a digit classifier's
/// penultimate layer). Computed in float64 with MathNet.Numerics.
/// </summary>
/// <remarks>
/// Σ₁Σ₂ is not symmetric, so its square root is not taken directly. With S = Σ₁^½ (from the eigendecomposition of the
/// symmetric Σ₁), Σ₁Σ₂ = S·(SΣ₂) and S·Σ₂·S = (SΣ₂)·S have the same eigenvalues (AB and BA always do), and SΣ₂S is
/// symmetric positive semi-definite; so tr (Σ₁Σ₂)^½ = Σᵢ √λᵢ(SΣ₂S), two symmetric eigendecompositions. Eigenvalues
/// that rounding leaves slightly below 0 (a rank-deficient covariance) count as 0.
/// </remarks>
public static class FrechetDistance
{
    /// <summary>d² between N(<paramref name="mean1"/>, <paramref name="covariance1"/>) and N(<paramref name="mean2"/>, <paramref name="covariance2"/>).</summary>
    /// <param name="mean1">μ₁, length d.</param>
    /// <param name="covariance1">Σ₁, d × d, symmetric positive semi-definite.</param>
    /// <param name="mean2">μ₂, length d.</param>
    /// <param name="covariance2">Σ₂, d × d, symmetric positive semi-definite.</param>
    /// <exception cref="ArgumentException">The sizes disagree, a covariance is not symmetric, or an entry is not finite; the message gives both.</exception>
    public static double BetweenGaussians(double[] mean1, double[,] covariance1, double[] mean2, double[,] covariance2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(covariance1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(covariance2);
        var d = mean1.Length;
        if (d == 0 || mean2.Length != d)
        {
            throw new ArgumentException($"FrechetDistance: the means must have one length ≥ 1, got {mean1.Length} and {mean2.Length}", nameof(mean2));
        }

        var s1 = Covariance(covariance1, d, nameof(covariance1));
        var s2 = Covariance(covariance2, d, nameof(covariance2));
        if (mean1.Concat(mean2).Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("FrechetDistance: a mean has a NaN or infinite entry", nameof(mean1));
        }

        var squaredMeans = 0.0;
        for (var i = 0; i < d; i++)
        {
            squaredMeans += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]);
        }

        return squaredMeans + s1.Trace() + s2.Trace() - 2 * TraceOfSquareRootOfProduct(s1, s2);
    }

    /// <summary>
    /// d² between the Gaussians fitted to the rows of <paramref name="features1"/> and of <paramref name="features2"/>
    /// (means and unbiased covariances, <see cref="Moments"/>).
    /// </summary>
    /// <param name="features1">[n₁, d], n₁ ≥ 2, on any backend.</param>
    /// <param name="features2">[n₂, d], n₂ ≥ 2, on any backend.</param>
    /// <exception cref="ArgumentException">Not rank 2, fewer than 2 rows, or different feature widths; the message gives both shapes.</exception>
    public static double BetweenSamples(Tensor features1, Tensor features2)
    {
        ArgumentNullException.ThrowIfNull(features1);
        ArgumentNullException.ThrowIfNull(features2);
        if (features1.Shape.Rank != 2 || features2.Shape.Rank != 2 || features1.Shape[1] != features2.Shape[1])
        {
            throw new ArgumentException($"FrechetDistance: expected two feature sets [n, d] of one width d, got {features1.Shape} and {features2.Shape}", nameof(features2));
        }

        var (m1, c1) = Moments(features1);
        var (m2, c2) = Moments(features2);
        return BetweenGaussians(m1, c1, m2, c2);
    }

    /// <summary>The mean and the unbiased covariance Σ = Σₖ (xₖ − x̄)(xₖ − x̄)ᵀ / (n − 1) of the rows of <paramref name="features"/> [n, d].</summary>
    /// <exception cref="ArgumentException">Not rank 2, or fewer than 2 rows; the message gives the shape.</exception>
    public static (double[] Mean, double[,] Covariance) Moments(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Shape.Rank != 2 || features.Shape[0] < 2 || features.Shape[1] < 1)
        {
            throw new ArgumentException($"FrechetDistance: expected features [n, d] with n ≥ 2 rows, got {features.Shape}", nameof(features));
        }

        var (n, d) = (features.Shape[0], features.Shape[1]);
        var x = Matrix<double>.Build.Dense(d, n, features.ToArray()); // column-major d × n: column k is row k of the features
        var mean = x.RowSums() / n;
        var centred = x - Matrix<double>.Build.Dense(d, n, (i, _) => mean[i]);
        var covariance = centred.TransposeAndMultiply(centred) / (n - 1);
        return (mean.ToArray(), covariance.ToArray());
    }

    /// <summary>tr (Σ₁Σ₂)^½ = Σᵢ √λᵢ(Σ₁^½ Σ₂ Σ₁^½), see the class remarks.</summary>
    private static double TraceOfSquareRootOfProduct(Matrix<double> s1, Matrix<double> s2)
    {
        var root1 = SymmetricSquareRoot(s1);
        var inner = root1 * s2 * root1;
        inner = (inner + inner.Transpose()) / 2; // symmetric in exact arithmetic; rounding is made symmetric too
        return inner.Evd(Symmetricity.Symmetric).EigenValues.Sum(l => Math.Sqrt(Math.Max(l.Real, 0)));
    }

    /// <summary>A^½ = V diag(√max(λ, 0)) Vᵀ from A = V diag(λ) Vᵀ.</summary>
    private static Matrix<double> SymmetricSquareRoot(Matrix<double> a)
    {
        var evd = a.Evd(Symmetricity.Symmetric);
        var roots = Matrix<double>.Build.DiagonalOfDiagonalVector(evd.EigenValues.Map(l => Math.Sqrt(Math.Max(l.Real, 0))));
        return evd.EigenVectors * roots * evd.EigenVectors.Transpose();
    }

    private static Matrix<double> Covariance(double[,] c, int d, string name)
    {
        if (c.GetLength(0) != d || c.GetLength(1) != d)
        {
            throw new ArgumentException($"FrechetDistance: {name} must be {d} × {d} (the means' length), got {c.GetLength(0)} × {c.GetLength(1)}", name);
        }

        var m = Matrix<double>.Build.DenseOfArray(c);
        var scale = Math.Max(m.Enumerate().Select(Math.Abs).Max(), double.Epsilon);
        if (m.Enumerate().Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"FrechetDistance: {name} has a NaN or infinite entry", name);
        }

        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < i; j++)
            {
                // A covariance is symmetric; anything beyond rounding is a caller's mistake (a transposed product, a wrong matrix).
                if (Math.Abs(c[i, j] - c[j, i]) > 1e-9 * scale)
                {
                    throw new ArgumentException($"FrechetDistance: {name} is not symmetric: entry [{i}, {j}] = {c[i, j]}, entry [{j}, {i}] = {c[j, i]}", name);
                }
            }
        }

        return m;
    }
}
