using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Augmentation as a layer: in training mode each sample is rotated by up to ±<see cref="MaxDegrees"/>, scaled by
/// 1 ± <see cref="MaxScale"/> and moved by up to ±<see cref="MaxShift"/> pixels, bilinear, zero outside the frame
/// (<see cref="ImageAffine"/>), every draw from the context's key; in evaluation mode it is the identity. Put it first
/// in a model that reads images [N, C, rows, columns] (or flat [N, C·rows·columns]). No parameters; nothing flows back
/// through it to trainable leaves (it only ever sees the data).
/// </summary>
/// <example><code>
/// var model = new Sequential(new RandomAffine(12, 0.1, 2), new Conv2d(1, 32, 3, padding: Padding.Half), …);
/// </code></example>
public sealed class RandomAffine : Layer
{
    /// <summary>A random affine distortion of <paramref name="rows"/> × <paramref name="columns"/> images.</summary>
    /// <param name="maxDegrees">The largest rotation either way, in degrees, in [0, 180].</param>
    /// <param name="maxScale">The largest relative change of size, in [0, 1): scales are uniform on 1 ± maxScale.</param>
    /// <param name="maxShift">The largest translation either way, in pixels (continuous), ≥ 0.</param>
    /// <param name="rows">Image height.</param>
    /// <param name="columns">Image width.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is out of its range, or the image is smaller than 1×1.</exception>
    public RandomAffine(double maxDegrees, double maxScale, double maxShift, int rows = 28, int columns = 28)
    {
        ImageAffine.CheckBounds(maxDegrees, maxScale, maxShift, "RandomAffine");
        if (rows < 1 || columns < 1)
        {
            throw new ArgumentOutOfRangeException(rows < 1 ? nameof(rows) : nameof(columns), (rows, columns), $"RandomAffine: the image must be at least 1×1, got rows={rows}, columns={columns}");
        }

        MaxDegrees = maxDegrees;
        MaxScale = maxScale;
        MaxShift = maxShift;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The largest rotation either way, in degrees.</summary>
    public double MaxDegrees { get; }

    /// <summary>The largest relative change of size.</summary>
    public double MaxScale { get; }

    /// <summary>The largest translation either way, in pixels.</summary>
    public double MaxShift { get; }

    /// <summary>Image height.</summary>
    public int Rows { get; }

    /// <summary>Image width.</summary>
    public int Columns { get; }

    /// <inheritdoc />
    public override bool IsStochastic => MaxDegrees > 0 || MaxScale > 0 || MaxShift > 0;

    /// <inheritdoc />
    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"RandomAffine(±{MaxDegrees:G}°, scale ±{MaxScale:G}, ±{MaxShift:G} px, {Rows}×{Columns})");

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">The input does not hold whole planes of rows × columns per sample.</exception>
    public override Shape OutputShape(Shape input)
    {
        ImageAugmentation.PlanesPerSample(input, Rows, Columns, Describe());
        return input;
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Training mode without a key.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        OutputShape(input.Shape);
        if (context.Mode == Mode.Eval || !IsStochastic)
        {
            return (input, state);
        }

        var key = context.Key ?? throw new InvalidOperationException(
            $"{Describe()}: training mode needs a key for the distortions; pass Context.Train(key), or Context.Eval to evaluate");
        return (ImageAffine.Random(input, key, MaxDegrees, MaxScale, MaxShift, Rows, Columns), state);
    }
}
