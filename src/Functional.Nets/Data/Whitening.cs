namespace Functional.Nets;

/// <summary>Which whitening matrix <see cref="Whitening"/> fits.</summary>
public enum WhiteningKind
{
    /// <summary>W = (Λ + ε)^(−1/2)·Uᵀ: rotate onto the principal axes, then scale each to unit variance (optionally keeping only the leading components).</summary>
    Pca,

    /// <summary>W = U·(Λ + ε)^(−1/2)·Uᵀ: PCA whitening rotated back, the whitening closest to the original data (symmetric W).</summary>
    Zca,
}

/// <summary>
/// PCA or ZCA whitening fitted on training inputs and applied unchanged to any other data:
/// y = (x − μ)·Wᵀ, so that the training data's covariance becomes the identity (exactly, up to rounding,
/// when ε = 0 and the covariance has full rank).
/// </summary>
/// <remarks>
/// <para>
/// Fit: μ = mean of the rows of X [N, D] (samples of any rank are flattened to D features), Xc = X − μ,
/// Σ = XcᵀXc / N (population covariance), Σ = U·Λ·Uᵀ by <see cref="Tensor.SymmetricEigen"/> on the fitting
/// backend. With S = (Λ + ε)^(−1/2): PCA W = S·Uᵀ, rows ordered by decreasing eigenvalue, [k, D] for k kept
/// components; ZCA W = U·S·Uᵀ, [D, D]. The covariance of the whitened training data is then W·Σ·Wᵀ =
/// Λ/(Λ + ε) on the kept axes: ε (in the units of the variance) keeps tiny or zero eigenvalues (constant pixels)
/// from blowing up noise, at the price of shrinking those axes' variance below 1.
/// </para>
/// <para>
/// Eigenvector signs are arbitrary; each is flipped so that its entry of largest magnitude is positive (as
/// scikit-learn's svd_flip does), so PCA outputs agree between backends up to rounding when the eigenvalues
/// are distinct. ZCA does not depend on the signs. The ZCA matrix is symmetrized, W ← (W + Wᵀ)/2, so it is
/// exactly symmetric.
/// </para>
/// <para>
/// The fitted value holds its statistics as float64 arrays, not tensors, so it can transform data on any backend.
/// Fitting needs λ + ε above the eigenvalues' rounding level ε_mach·λmax of the fitting backend's dtype, else
/// it refuses: about 1.2·10⁻¹⁵ on MNIST in float64 and 6.4·10⁻⁷ in float32, so ε = 0 fails on MNIST's constant
/// border pixels and the default ε works on both. Eigenvalues computed in float32 are only accurate to that level,
/// so a float32 fit is a float32-accurate whitening; for a better one, fit on a float64 backend (the data moved
/// with <see cref="Tensor.ToBackend"/>) and transform the float32 data with it.
/// </para>
/// </remarks>
public sealed class Whitening
{
    /// <summary>The default ε: 10⁻⁵, small against the variance of data scaled to order 1 (pixels in [0, 1]).</summary>
    public const double DefaultEpsilon = 1e-5;

    private readonly double[] mean;
    private readonly double[] matrix;
    private readonly double[] eigenvalues;

    private Whitening(WhiteningKind kind, Shape featureShape, double[] mean, double[] matrix, int components, double[] eigenvalues, double epsilon)
    {
        Kind = kind;
        FeatureShape = featureShape;
        this.mean = mean;
        this.matrix = matrix;
        Components = components;
        this.eigenvalues = eigenvalues;
        Epsilon = epsilon;
    }

    /// <summary>PCA or ZCA.</summary>
    public WhiteningKind Kind { get; }

    /// <summary>The shape of one sample (the fitted tensor's shape without axis 0).</summary>
    public Shape FeatureShape { get; }

    /// <summary>D, the number of input features (the product of <see cref="FeatureShape"/>).</summary>
    public int Features => mean.Length;

    /// <summary>k, the number of output features: the kept principal components for PCA, D for ZCA.</summary>
    public int Components { get; }

    /// <summary>ε added to every eigenvalue before the inverse square root.</summary>
    public double Epsilon { get; }

    /// <summary>μ, the mean of each input feature over the training samples.</summary>
    public IReadOnlyList<double> Mean => Array.AsReadOnly(mean);

    /// <summary>All D eigenvalues of the training covariance Σ, in decreasing order (the variances along the principal axes).</summary>
    public IReadOnlyList<double> Eigenvalues => Array.AsReadOnly(eigenvalues);

    /// <summary>W, row-major [k, D] (PCA) or [D, D] (ZCA), as a fresh array.</summary>
    public double[] Matrix => (double[])matrix.Clone();

    /// <summary>Fits PCA whitening on <paramref name="trainingInputs"/> [N, ...], keeping the leading <paramref name="components"/> principal axes (all D by default).</summary>
    /// <param name="trainingInputs">The training inputs, N ≥ 1 samples.</param>
    /// <param name="epsilon">ε ≥ 0 added to each eigenvalue (default <see cref="DefaultEpsilon"/>).</param>
    /// <param name="components">k ∈ [1, D], or null for D.</param>
    /// <exception cref="ShapeMismatchException">The tensor is a scalar or has no samples.</exception>
    /// <exception cref="ArgumentOutOfRangeException">ε is negative or not finite, or k is outside [1, D].</exception>
    /// <exception cref="ArgumentException">A kept eigenvalue plus ε is not above the eigenvalues' rounding level ε_mach·λmax (the covariance is singular there): raise ε or keep fewer components.</exception>
    public static Whitening FitPca(Tensor trainingInputs, double epsilon = DefaultEpsilon, int? components = null) =>
        Fit(WhiteningKind.Pca, trainingInputs, epsilon, components);

    /// <summary>Fits ZCA whitening on <paramref name="trainingInputs"/> [N, ...].</summary>
    /// <param name="trainingInputs">The training inputs, N ≥ 1 samples.</param>
    /// <param name="epsilon">ε ≥ 0 added to each eigenvalue (default <see cref="DefaultEpsilon"/>).</param>
    /// <exception cref="ShapeMismatchException">The tensor is a scalar or has no samples.</exception>
    /// <exception cref="ArgumentOutOfRangeException">ε is negative or not finite.</exception>
    /// <exception cref="ArgumentException">An eigenvalue plus ε is not above the eigenvalues' rounding level ε_mach·λmax (the covariance is singular): raise ε.</exception>
    public static Whitening FitZca(Tensor trainingInputs, double epsilon = DefaultEpsilon) =>
        Fit(WhiteningKind.Zca, trainingInputs, epsilon, null);

    /// <summary>
    /// y = (x − μ)·Wᵀ on <paramref name="inputs"/>' backend: [M, k] for PCA; for ZCA, the input's shape
    /// (samples of higher rank are flattened, whitened and reshaped back).
    /// </summary>
    /// <param name="inputs">Data [M, ...] whose sample shape is <see cref="FeatureShape"/>.</param>
    /// <exception cref="ShapeMismatchException">The sample shape differs from the fitted one.</exception>
    public Tensor Transform(Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var featureShape = inputs.Shape.Rank == 0 ? (Shape?)null : new Shape(inputs.Shape.Dims.Skip(1).ToArray());
        if (featureShape != FeatureShape)
        {
            throw new ShapeMismatchException(
                $"Whitening.Transform: fitted on samples of shape {FeatureShape}, so expected [*{string.Concat(FeatureShape.Dims.Select(d => $", {d}"))}], got {inputs.Shape}");
        }

        var backend = inputs.Backend;
        var m = inputs.Shape[0];
        using var mu = backend.FromArray(mean, new Shape(Features));
        using var wt = backend.FromArray(Transposed(matrix, Components, Features), new Shape(Features, Components));
        Tensor y;
        using (var centered = Flat(inputs, Features, flat => flat - mu))
        {
            y = centered.MatMul(wt);
        }

        if (Kind == WhiteningKind.Pca || inputs.Shape.Rank == 2)
        {
            return y;
        }

        using (y)
        {
            return y.Reshape(inputs.Shape.ToArray());
        }
    }

    /// <summary>Formats as <c>Whitening(ZCA, 784 → 784, ε = 1e-05)</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"Whitening({(Kind == WhiteningKind.Pca ? "PCA" : "ZCA")}, {Features} → {Components}, ε = {Epsilon:G3})");

    private static Whitening Fit(WhiteningKind kind, Tensor trainingInputs, double epsilon, int? components)
    {
        ArgumentNullException.ThrowIfNull(trainingInputs);
        var op = kind == WhiteningKind.Pca ? "Whitening.FitPca" : "Whitening.FitZca";
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{op}: ε must be finite and ≥ 0");
        }

        var (n, d, featureShape) = Standardizer.Layout(op, trainingInputs.Shape);
        var k = components ?? d;
        if (k < 1 || k > d)
        {
            throw new ArgumentOutOfRangeException(nameof(components), components, $"{op}: the number of components must lie in [1, {d}] for {d} features");
        }

        trainingInputs.ThrowIfNonFinite($"{op}: the training inputs");
        var (mean, lambda, u) = Eigen(trainingInputs, n, d);

        // Kept axes: the k largest eigenvalues, in decreasing order (λ comes ascending: axis j is column d − 1 − j).
        // A computed eigenvalue is only accurate to about ε_mach·‖Σ‖₂ = 2u·λmax in absolute terms (LAPACK Users' Guide,
        // §4.7, its approximate bound; u is the unit roundoff of the fitting backend's dtype), so λ + ε at or below that
        // is numerically zero: the covariance is singular along that axis and 1/√(λ + ε) would amplify rounding noise.
        var floor = Math.Max(lambda[d - 1], 0) * 2 * trainingInputs.DType.UnitRoundoff();
        var scale = new double[k];
        for (var j = 0; j < k; j++)
        {
            var value = lambda[d - 1 - j] + epsilon;
            if (!(value > floor))
            {
                throw new ArgumentException(
                    FormattableString.Invariant(
                        $"{op}: eigenvalue {j + 1} of {d} of the training covariance is {lambda[d - 1 - j]:G6}, so λ + ε = {value:G6} is not above the rounding level {floor:G3} of the eigenvalues (the covariance is singular there: constant or linearly dependent features); raise ε well above {floor:G3}{(kind == WhiteningKind.Pca ? " or keep fewer components" : "")}"),
                    nameof(epsilon));
            }

            scale[j] = 1 / Math.Sqrt(value);
        }

        var descending = Enumerable.Range(0, d).Select(j => lambda[d - 1 - j]).ToArray();
        var w = kind == WhiteningKind.Pca ? PcaMatrix(u, scale, d, k) : ZcaMatrix(trainingInputs.Backend, u, scale, d);
        return new Whitening(kind, featureShape, mean, w, kind == WhiteningKind.Pca ? k : d, descending, epsilon);
    }

    /// <summary>μ, and the eigenvalues (ascending) and eigenvectors (columns, sign-normalized, row-major) of Σ = XcᵀXc / N, computed on the inputs' backend.</summary>
    private static (double[] Mean, double[] Lambda, double[] U) Eigen(Tensor x, int n, int d) => Flat(x, d, flat => EigenOfRows(flat, n, d));

    private static (double[] Mean, double[] Lambda, double[] U) EigenOfRows(Tensor flat, int n, int d)
    {
        using var mu = flat.Mean([0]);
        using var centered = flat - mu;
        using var centeredT = centered.T;
        using var gram = centeredT.MatMul(centered);
        using var covariance = gram * (1.0 / n);
        var (values, vectors) = covariance.SymmetricEigen();
        using (values)
        using (vectors)
        {
            var u = vectors.ToArray();
            for (var c = 0; c < d; c++)
            {
                // Flip the column so that its entry of largest magnitude (the first such) is positive.
                var largest = 0;
                for (var r = 1; r < d; r++)
                {
                    if (Math.Abs(u[r * d + c]) > Math.Abs(u[largest * d + c]))
                    {
                        largest = r;
                    }
                }

                if (u[largest * d + c] < 0)
                {
                    for (var r = 0; r < d; r++)
                    {
                        u[r * d + c] = -u[r * d + c];
                    }
                }
            }

            return (mu.ToArray(), values.ToArray(), u);
        }
    }

    /// <summary>W [k, D]: row j is the eigenvector of the j-th largest eigenvalue times sⱼ.</summary>
    private static double[] PcaMatrix(double[] u, double[] scale, int d, int k)
    {
        var w = new double[k * d];
        for (var j = 0; j < k; j++)
        {
            var column = d - 1 - j;
            for (var i = 0; i < d; i++)
            {
                w[j * d + i] = scale[j] * u[i * d + column];
            }
        }

        return w;
    }

    /// <summary>W = U·S·Uᵀ [D, D] (Wᵢₗ = Σⱼ Uᵢⱼ·sⱼ·Uₗⱼ) by a matrix product on <paramref name="backend"/>, then symmetrized: W ← (W + Wᵀ)/2.</summary>
    private static double[] ZcaMatrix(Backend backend, double[] u, double[] scale, int d)
    {
        // scale[j] belongs to the j-th largest eigenvalue, which is column d − 1 − j of U.
        var us = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var c = 0; c < d; c++)
            {
                us[i * d + c] = u[i * d + c] * scale[d - 1 - c];
            }
        }

        double[] product;
        using (var left = backend.FromArray(us, new Shape(d, d)))
        using (var right = backend.FromArray(Transposed(u, d, d), new Shape(d, d)))
        using (var w = left.MatMul(right))
        {
            product = w.ToArray();
        }

        for (var i = 0; i < d; i++)
        {
            for (var l = i + 1; l < d; l++)
            {
                product[i * d + l] = product[l * d + i] = 0.5 * (product[i * d + l] + product[l * d + i]);
            }
        }

        return product;
    }

    /// <summary>
    /// Calls <paramref name="f"/> with <paramref name="x"/> viewed as [N, <paramref name="features"/>], releasing the reshaped tensor afterwards
    /// only if it is a new one (Reshape returns <paramref name="x"/> itself when the shape already fits, and that is the caller's).
    /// </summary>
    private static T Flat<T>(Tensor x, int features, Func<Tensor, T> f)
    {
        var flat = x.Reshape(x.Shape[0], features);
        try
        {
            return f(flat);
        }
        finally
        {
            if (!ReferenceEquals(flat, x))
            {
                flat.Dispose();
            }
        }
    }

    private static double[] Transposed(double[] a, int rows, int cols)
    {
        var t = new double[a.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                t[c * rows + r] = a[r * cols + c];
            }
        }

        return t;
    }
}
