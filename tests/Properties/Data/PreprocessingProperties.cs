using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Data;

/// <summary>A generated whitening case: N samples of D correlated, anisotropic features.</summary>
/// <param name="Seed">Seed of the data.</param>
/// <param name="Samples">N (D + 10 to 300).</param>
/// <param name="Features">D (1–16).</param>
public sealed record WhiteningCase(long Seed, int Samples, int Features)
{
    /// <summary>The arbitrary (shrinks toward fewer features; N stays above D + 10).</summary>
    public static Arbitrary<WhiteningCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from d in Gen.Choose(1, 16)
        from n in Gen.Choose(d + 10, 300)
        select new WhiteningCase(seed, n, d),
        c => new[] { c with { Features = c.Features / 2 }, c with { Samples = (c.Samples + c.Features) / 2 } }
            .Where(s => s.Features >= 1 && s.Samples >= s.Features + 10 && s != c));

    /// <summary>
    /// X = Z·S·Q + b with Z standard normal [N, D], S = diag(10^uⱼ), uⱼ ∈ [−1, 1], Q a random orthogonal matrix
    /// (Gram–Schmidt of a normal one) and b a random offset of size up to 5: correlated features whose population
    /// covariance QᵀS²Q has a condition number up to 10⁴ (the sample covariance's is near it for N ≫ D).
    /// The conditioning is bounded on purpose: whitening with ε = 0 amplifies rounding by about cond(Σ).
    /// </summary>
    public double[] Values()
    {
        var key = Key.FromSeed(Seed);
        var z = key.Fold(0).Normal(Samples * Features);
        var a = Orthogonal(key.Fold(1).Normal(Features * Features), Features);
        var scale = key.Fold(2).Uniform(Features, -1, 1).Select(u => Math.Pow(10, u)).ToArray();
        var b = key.Fold(3).Uniform(Features, -5, 5);
        var x = new double[Samples * Features];
        for (var i = 0; i < Samples; i++)
        {
            for (var j = 0; j < Features; j++)
            {
                var s = b[j];
                for (var k = 0; k < Features; k++)
                {
                    s += z[i * Features + k] * scale[k] * a[k * Features + j];
                }

                x[i * Features + j] = s;
            }
        }

        return x;
    }

    /// <summary>The rows of <paramref name="m"/> [d, d] orthonormalized by modified Gram–Schmidt (twice, for orthogonality to rounding).</summary>
    private static double[] Orthogonal(double[] m, int d)
    {
        var q = (double[])m.Clone();
        for (var pass = 0; pass < 2; pass++)
        {
            for (var r = 0; r < d; r++)
            {
                for (var p = 0; p < r; p++)
                {
                    double dot = 0;
                    for (var j = 0; j < d; j++)
                    {
                        dot += q[r * d + j] * q[p * d + j];
                    }

                    for (var j = 0; j < d; j++)
                    {
                        q[r * d + j] -= dot * q[p * d + j];
                    }
                }

                var norm = Math.Sqrt(Enumerable.Range(0, d).Sum(j => q[r * d + j] * q[r * d + j]));
                for (var j = 0; j < d; j++)
                {
                    q[r * d + j] /= norm;
                }
            }
        }

        return q;
    }
}

/// <summary>
/// Issue 4, test (e), second half, and the preprocessing laws: standardization gives every feature mean 0
/// and standard deviation 1 on the training data; PCA and ZCA whitening give the training data identity
/// covariance within 1e-8 (Reference and Torch float64); ZCA's matrix is symmetric; the symmetric
/// eigendecomposition behind them satisfies A·U = U·diag(λ), UᵀU = I with ascending λ on every backend.
/// The worst covariance errors are printed to the test output.
/// </summary>
public sealed class PreprocessingProperties(ITestOutputHelper output) : IDisposable
{
    /// <summary>The whitening tolerance of the issue: max |Cov(Y) − I| entry-wise.</summary>
    public const double CovarianceTolerance = 1e-8;

    private readonly Dictionary<string, WorstSeen> measured = [];

    /// <summary>Whitened training data (ε = 0) has identity covariance within 1e-8, for PCA and ZCA.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Whitening_gives_identity_covariance_on_training_data(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var pcaWorst = Measure($"PCA whitening, max |Cov − I| on {combination}");
        var zcaWorst = Measure($"ZCA whitening, max |Cov − I| on {combination}");
        Law.Check(WhiteningCase.Arbitrary, c =>
        {
            using var x = backend.FromArray(c.Values(), new Shape(c.Samples, c.Features));
            foreach (var (whitening, worst) in new[] { (Whitening.FitPca(x, epsilon: 0), pcaWorst), (Whitening.FitZca(x, epsilon: 0), zcaWorst) })
            {
                using var y = whitening.Transform(x);
                var (error, where) = CovarianceError(y.ToArray(), c.Samples, whitening.Components, j => 1.0);
                worst.Record(error, () => $"{c}, {where}");
                if (!(error <= CovarianceTolerance))
                {
                    throw new LawViolation($"{whitening} on {combination}: max |Cov − I| = {error:G3} at {where}, {c}");
                }
            }
        }, cases: 100);
    }

    /// <summary>ZCA's matrix is exactly symmetric, and PCA with k components gives identity covariance on k axes in decreasing-variance order.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Zca_is_symmetric_and_pca_keeps_leading_components(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(WhiteningCase.Arbitrary, c =>
        {
            using var x = backend.FromArray(c.Values(), new Shape(c.Samples, c.Features));
            var zca = Whitening.FitZca(x);
            var w = zca.Matrix;
            var d = c.Features;
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (w[i * d + j] != w[j * d + i])
                    {
                        throw new LawViolation($"ZCA on {combination}: W[{i},{j}] = {w[i * d + j]:R} but W[{j},{i}] = {w[j * d + i]:R}, {c}");
                    }
                }
            }

            if (!zca.Eigenvalues.Zip(zca.Eigenvalues.Skip(1)).All(p => p.First >= p.Second))
            {
                throw new LawViolation($"eigenvalues not in decreasing order: [{string.Join(", ", zca.Eigenvalues)}], {c}");
            }

            var k = (d + 1) / 2;
            var pca = Whitening.FitPca(x, epsilon: 0, components: k);
            using var y = pca.Transform(x);
            Assert.Equal(new Shape(c.Samples, k), y.Shape);
            var (error, where) = CovarianceError(y.ToArray(), c.Samples, k, j => 1.0);
            if (!(error <= CovarianceTolerance))
            {
                throw new LawViolation($"PCA with {k} of {d} components on {combination}: max |Cov − I| = {error:G3} at {where}, {c}");
            }
        }, cases: 50);
    }

    /// <summary>With ε &gt; 0, PCA's whitened covariance is diag(λ/(λ + ε)), as the formula says.</summary>
    [Fact]
    public void Epsilon_shrinks_the_covariance_to_lambda_over_lambda_plus_epsilon()
    {
        var c = new WhiteningCase(11, 200, 6);
        var x = ReferenceBackend.Instance.FromArray(c.Values(), new Shape(c.Samples, c.Features));
        const double epsilon = 0.5;
        var pca = Whitening.FitPca(x, epsilon);
        var y = pca.Transform(x);
        var (error, where) = CovarianceError(y.ToArray(), c.Samples, c.Features, j => pca.Eigenvalues[j] / (pca.Eigenvalues[j] + epsilon));
        Assert.True(error <= 1e-12, $"max |Cov − diag(λ/(λ+ε))| = {error:G3} at {where}");
    }

    /// <summary>Reference and Torch float64 fit the same whitening: ZCA matrices, and PCA matrices once signs are normalized.</summary>
    [Fact]
    public void Reference_and_torch_fit_the_same_whitening()
    {
        var c = new WhiteningCase(5, 300, 12);
        var values = c.Values();
        var reference = ReferenceBackend.Instance.FromArray(values, new Shape(c.Samples, c.Features));
        using var torch = TorchBackend.CpuFloat64.FromArray(values, new Shape(c.Samples, c.Features));
        var worst = Measure("Reference vs Torch float64 whitening matrices (relative error per matrix)");
        foreach (var (name, fit) in new (string, Func<Tensor, Whitening>)[] { ("ZCA", t => Whitening.FitZca(t, 0)), ("PCA", t => Whitening.FitPca(t, 0)) })
        {
            var e = RelativeError.Of(fit(reference).Matrix, fit(torch).Matrix);
            worst.Record(e.Value, () => $"{name}: {e}");
            Assert.True(e.Value <= 1e-9, $"{name}: Reference vs Torch {e}");
        }
    }

    /// <summary>Whitening data with a constant feature and ε = 0 fails, explaining the singular covariance; ε &gt; 0 works.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Singular_covariance_needs_epsilon(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var values = Key.FromSeed(3).Normal(50 * 3);
        for (var i = 0; i < 50; i++)
        {
            values[i * 3 + 1] = 0.25;
        }

        using var x = backend.FromArray(values, new Shape(50, 3));
        var e = Assert.Throws<ArgumentException>(() => Whitening.FitZca(x, epsilon: 0));
        Assert.Contains("singular", e.Message);
        Assert.Contains("raise ε well above", e.Message);
        using var y = Whitening.FitZca(x, epsilon: 1e-5).Transform(x);
        Assert.All(y.ToArray(), v => Assert.True(double.IsFinite(v)));
    }

    /// <summary>Images [N, C, H, W] are whitened as N rows of C·H·W features; ZCA keeps the shape.</summary>
    [Fact]
    public void Whitening_flattens_higher_rank_samples()
    {
        var c = new WhiteningCase(8, 100, 12);
        var x = ReferenceBackend.Instance.FromArray(c.Values(), new Shape(c.Samples, 3, 2, 2));
        var zca = Whitening.FitZca(x, 0);
        var y = zca.Transform(x);
        Assert.Equal(x.Shape, y.Shape);
        var (error, where) = CovarianceError(y.ToArray(), c.Samples, 12, j => 1.0);
        Assert.True(error <= CovarianceTolerance, $"max |Cov − I| = {error:G3} at {where}");
        var bad = ReferenceBackend.Instance.FromArray(new double[12], new Shape(1, 12));
        var m = Assert.Throws<ShapeMismatchException>(() => zca.Transform(bad));
        Assert.Equal("Whitening.Transform: fitted on samples of shape [3, 2, 2], so expected [*, 3, 2, 2], got [1, 12]", m.Message);
    }

    /// <summary>Standardized training data has mean 0 and standard deviation 1 per feature (float64: 1e-12; float32: 1e-5).</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Standardization_gives_mean_zero_and_unit_std_on_training_data(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var tolerance = backend.DType == DType.Float64 ? 1e-12 : 1e-5;
        var worst = Measure($"standardization, max |mean| and max |std − 1| on {combination}");
        Law.Check(WhiteningCase.Arbitrary, c =>
        {
            using var x = backend.FromArray(c.Values(), new Shape(c.Samples, c.Features));
            var s = Standardizer.Fit(x);
            using var y = s.Transform(x);
            var v = y.ToArray();
            for (var j = 0; j < c.Features; j++)
            {
                var column = Enumerable.Range(0, c.Samples).Select(i => v[i * c.Features + j]).ToArray();
                var mean = column.Average();
                var std = Math.Sqrt(column.Select(t => (t - mean) * (t - mean)).Average());
                var error = Math.Max(Math.Abs(mean), Math.Abs(std - 1));
                worst.Record(error, () => $"feature {j}, {c}");
                if (!(error <= tolerance))
                {
                    throw new LawViolation($"standardized feature {j} on {combination} has mean {mean:G3} and std {std:R}, {c}");
                }
            }
        }, cases: backend.DType == DType.Float64 ? 100 : 30);
    }

    /// <summary>
    /// Other data is transformed with the training statistics, (x − μ)/σ; a constant training feature is only
    /// centered (scale 1), so it stays finite on other data; the inverse undoes the transform.
    /// </summary>
    [Fact]
    public void Standardizer_applies_training_statistics_and_centers_constant_features()
    {
        var backend = ReferenceBackend.Instance;
        var train = backend.FromArray([1, 5, 3, 5, 5, 5, 7, 5], new Shape(4, 2));
        var s = Standardizer.Fit(train);
        Assert.Equal([4.0, 5.0], s.Mean);
        Assert.Equal([Math.Sqrt(5), 0.0], s.Std);
        Assert.Equal([Math.Sqrt(5), 1.0], s.Scale);
        var other = backend.FromArray([4 + Math.Sqrt(5), 5.25], new Shape(1, 2));
        var y = s.Transform(other).ToArray();
        Assert.Equal(1.0, y[0], 15);
        Assert.Equal(0.25, y[1]);
        var back = s.InverseTransform(s.Transform(other)).ToArray();
        Assert.True(RelativeError.Of(other.ToArray(), back).Value <= 1e-15, $"InverseTransform(Transform(x)) = [{string.Join(", ", back)}]");
        var e = Assert.Throws<ShapeMismatchException>(() => s.Transform(backend.FromArray(new double[3], new Shape(1, 3))));
        Assert.Equal("Standardizer.Transform: fitted on samples of shape [2], so expected [*, 2], got [1, 3]", e.Message);
    }

    /// <summary>SymmetricEigen: ascending λ, A·U = U·diag(λ) and UᵀU = I (relative to ‖A‖), on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Symmetric_eigen_decomposes(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var tolerance = backend.DType == DType.Float64 ? 1e-12 : 1e-5;
        var worst = Measure($"SymmetricEigen residuals max(|AU − UΛ|/max|A|, |UᵀU − I|) on {combination}");
        Law.Check(Arb.From(Gen.Choose(1, 24).SelectMany(n => Gen.Choose(0, int.MaxValue).Select(seed => (n, (long)seed)))), t =>
        {
            var (n, seed) = t;
            var b = Key.FromSeed(seed).Normal(n * n);
            var a = new double[n * n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    a[i * n + j] = b[i * n + j] + b[j * n + i];
                }
            }

            using var matrix = backend.FromArray(a, new Shape(n, n));
            var (values, vectors) = matrix.SymmetricEigen();
            using (values)
            using (vectors)
            {
                Assert.Equal(new Shape(n), values.Shape);
                Assert.Equal(new Shape(n, n), vectors.Shape);
                var lambda = values.ToArray();
                var u = vectors.ToArray();
                var scale = a.Max(Math.Abs);
                double residual = 0, orthogonality = 0;
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        double au = 0, utu = 0;
                        for (var k = 0; k < n; k++)
                        {
                            au += a[i * n + k] * u[k * n + j];
                            utu += u[k * n + i] * u[k * n + j];
                        }

                        residual = Math.Max(residual, Math.Abs(au - u[i * n + j] * lambda[j]) / scale);
                        orthogonality = Math.Max(orthogonality, Math.Abs(utu - (i == j ? 1 : 0)));
                    }
                }

                var error = Math.Max(residual, orthogonality);
                worst.Record(error, () => $"n = {n}, seed {seed}");
                if (!(error <= tolerance * n) || !lambda.Zip(lambda.Skip(1)).All(p => p.First <= p.Second))
                {
                    throw new LawViolation($"SymmetricEigen on {combination}, n = {n}, seed {seed}: residual {residual:G3}, orthogonality {orthogonality:G3}, λ = [{string.Join(", ", lambda)}]");
                }
            }
        }, cases: 50);
    }

    /// <summary>A non-square matrix is refused in the core, with the same message on every backend.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Symmetric_eigen_needs_a_square_matrix(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var x = backend.FromArray(new double[6], new Shape(2, 3));
        var e = Assert.Throws<ShapeMismatchException>(() => x.SymmetricEigen());
        Assert.Equal("symmetric_eigen: expected a square matrix [n, n] with n ≥ 1, got shape [2, 3]", e.Message);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var w in measured.Values)
        {
            output.WriteLine(w.ToString());
        }
    }

    /// <summary>
    /// max |C − diag(expected)| entry-wise, where C = YcᵀYc/N is the covariance of the rows of y [N, k]
    /// (computed in float64 on the host, around y's own mean), and where it happened.
    /// </summary>
    private static (double Error, string Where) CovarianceError(double[] y, int n, int k, Func<int, double> expected)
    {
        var mean = new double[k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                mean[j] += y[i * k + j] / n;
            }
        }

        var worst = (Error: 0.0, Where: "nowhere");
        for (var p = 0; p < k; p++)
        {
            for (var q = 0; q <= p; q++)
            {
                double s = 0;
                for (var i = 0; i < n; i++)
                {
                    s += (y[i * k + p] - mean[p]) * (y[i * k + q] - mean[q]);
                }

                var target = p == q ? expected(p) : 0;
                var error = Math.Abs(s / n - target);
                if (error > worst.Error || double.IsNaN(error))
                {
                    worst = (error, FormattableString.Invariant($"Cov[{p},{q}] = {s / n:R}, expected {target:R}"));
                }
            }
        }

        return worst;
    }

    private WorstSeen Measure(string what)
    {
        lock (measured)
        {
            if (!measured.TryGetValue(what, out var w))
            {
                measured[what] = w = new WorstSeen(what);
            }

            return w;
        }
    }
}
