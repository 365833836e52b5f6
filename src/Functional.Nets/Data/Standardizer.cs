namespace Functional.Nets;

/// <summary>
/// Standardization fitted on training inputs and applied unchanged to any other data:
/// y = (x − μ) / s per feature, where μ and σ are the mean and standard deviation of each feature
/// over the samples (axis 0) of the training data and s = σ, except s = 1 where σ &lt; <see cref="MinStd"/>.
/// </summary>
/// <remarks>
/// <para>
/// σ is the population standard deviation, σ² = Σᵢ (xᵢ − μ)² / N (as scikit-learn's StandardScaler and
/// batch norm use), so the training data transforms to mean 0 and standard deviation 1 exactly, up to rounding.
/// </para>
/// <para>
/// Why a feature with σ below the floor is only centered (s = 1) rather than divided by the floor: such a
/// feature is constant on the training data (the border pixels of MNIST digits are 0 in every training
/// image), so it carries no information there, and dividing other data's small deviations by a tiny floor
/// would blow them up (a test pixel of 0.1 divided by 10⁻⁸). scikit-learn does the same.
/// </para>
/// <para>
/// The statistics are computed in float64 on the host from the fitted tensor's values, whatever its backend;
/// the fitted value holds no tensors, so it can transform data on any backend.
/// </para>
/// </remarks>
public sealed class Standardizer
{
    /// <summary>The default <see cref="MinStd"/>: 10⁻⁸, far below any informative spread of data scaled to order 1.</summary>
    public const double DefaultMinStd = 1e-8;

    private readonly double[] mean;
    private readonly double[] std;
    private readonly double[] scale;

    private Standardizer(Shape featureShape, double[] mean, double[] std, double minStd)
    {
        FeatureShape = featureShape;
        this.mean = mean;
        this.std = std;
        MinStd = minStd;
        scale = std.Select(s => s < minStd ? 1.0 : s).ToArray();
    }

    /// <summary>The shape of one sample (the fitted tensor's shape without axis 0).</summary>
    public Shape FeatureShape { get; }

    /// <summary>μ, one entry per feature (row-major over <see cref="FeatureShape"/>).</summary>
    public IReadOnlyList<double> Mean => Array.AsReadOnly(mean);

    /// <summary>σ, the population standard deviation of each feature on the training data.</summary>
    public IReadOnlyList<double> Std => Array.AsReadOnly(std);

    /// <summary>s, the divisor used per feature: σ, or 1 where σ &lt; <see cref="MinStd"/>.</summary>
    public IReadOnlyList<double> Scale => Array.AsReadOnly(scale);

    /// <summary>The floor below which a feature counts as constant and is only centered.</summary>
    public double MinStd { get; }

    /// <summary>Fits μ and σ of each feature over the samples (axis 0) of <paramref name="trainingInputs"/> [N, ...].</summary>
    /// <param name="trainingInputs">The training inputs, N ≥ 1 samples.</param>
    /// <param name="minStd">Features with σ below this are only centered (default <see cref="DefaultMinStd"/>).</param>
    /// <exception cref="ShapeMismatchException">The tensor is a scalar or has no samples.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minStd"/> is negative or not finite.</exception>
    /// <exception cref="NonFiniteException">An input is NaN or infinite.</exception>
    public static Standardizer Fit(Tensor trainingInputs, double minStd = DefaultMinStd)
    {
        ArgumentNullException.ThrowIfNull(trainingInputs);
        if (!(minStd >= 0) || double.IsInfinity(minStd))
        {
            throw new ArgumentOutOfRangeException(nameof(minStd), minStd, "Standardizer.Fit: minStd must be finite and ≥ 0");
        }

        var (n, features, featureShape) = Layout("Standardizer.Fit", trainingInputs.Shape);
        var x = trainingInputs.ThrowIfNonFinite("Standardizer.Fit: the training inputs").ToArray();
        var mean = new double[features];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < features; j++)
            {
                mean[j] += x[i * features + j];
            }
        }

        for (var j = 0; j < features; j++)
        {
            mean[j] /= n;
        }

        // Two passes (mean first, then squared deviations) avoid the cancellation of E[x²] − E[x]².
        var variance = new double[features];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < features; j++)
            {
                var d = x[i * features + j] - mean[j];
                variance[j] += d * d;
            }
        }

        var std = variance.Select(v => Math.Sqrt(v / n)).ToArray();
        return new Standardizer(featureShape, mean, std, minStd);
    }

    /// <summary>y = (x − μ) / s with the fitted statistics, on <paramref name="inputs"/>' backend; the result is a new tensor.</summary>
    /// <param name="inputs">Data [M, ...] whose sample shape is <see cref="FeatureShape"/>.</param>
    /// <exception cref="ShapeMismatchException">The sample shape differs from the fitted one.</exception>
    public Tensor Transform(Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        CheckShape("Transform", inputs);
        var backend = inputs.Backend;
        using var mu = backend.FromArray(mean, FeatureShape);
        using var inverseScale = backend.FromArray(scale.Select(s => 1 / s).ToArray(), FeatureShape);
        using var centered = inputs - mu;
        return centered * inverseScale;
    }

    /// <summary>x = y·s + μ, undoing <see cref="Transform"/>.</summary>
    /// <param name="standardized">Data [M, ...] whose sample shape is <see cref="FeatureShape"/>.</param>
    /// <exception cref="ShapeMismatchException">The sample shape differs from the fitted one.</exception>
    public Tensor InverseTransform(Tensor standardized)
    {
        ArgumentNullException.ThrowIfNull(standardized);
        CheckShape("InverseTransform", standardized);
        var backend = standardized.Backend;
        using var mu = backend.FromArray(mean, FeatureShape);
        using var s = backend.FromArray(scale, FeatureShape);
        using var scaled = standardized * s;
        return scaled + mu;
    }

    /// <summary>Formats as <c>Standardizer([784], 67 constant features only centered)</c>.</summary>
    public override string ToString() =>
        $"Standardizer({FeatureShape}, {std.Count(s => s < MinStd)} constant features only centered)";

    /// <summary>N, the number of features F (product of the sample dimensions) and the sample shape of [N, ...].</summary>
    internal static (int N, int Features, Shape FeatureShape) Layout(string op, Shape shape)
    {
        if (shape.Rank == 0 || shape[0] == 0)
        {
            throw new ShapeMismatchException($"{op}: needs samples along axis 0 (shape [N, ...] with N ≥ 1), got {shape}");
        }

        var featureShape = new Shape(shape.Dims.Skip(1).ToArray());
        return (shape[0], checked((int)featureShape.Size), featureShape);
    }

    private void CheckShape(string op, Tensor inputs)
    {
        var featureShape = inputs.Shape.Rank == 0 ? (Shape?)null : new Shape(inputs.Shape.Dims.Skip(1).ToArray());
        if (featureShape != FeatureShape)
        {
            throw new ShapeMismatchException(
                $"Standardizer.{op}: fitted on samples of shape {FeatureShape}, so expected [*{string.Concat(FeatureShape.Dims.Select(d => $", {d}"))}], got {inputs.Shape}");
        }
    }
}
