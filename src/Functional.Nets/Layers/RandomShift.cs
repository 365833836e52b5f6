namespace Functional.Nets;

/// <summary>
/// Data augmentation as a layer: in training, every image of the batch is moved by its own (dy, dx) whole pixels,
/// each drawn uniformly from {−s, …, s} with the context's key, and optionally mirrored left–right with
/// probability ½; pixels moved in from outside the frame are 0 (a random crop of the image zero-padded by s).
/// At evaluation it is the identity, so it goes first in the model and the trained network needs nothing removed.
/// </summary>
/// <remarks>
/// A shifted digit is still the same digit, so the network sees the training images in (2s + 1)² positions
/// instead of one. The draws come from the core <see cref="Key"/> (the step's key, folded with the layer's
/// position by <see cref="Sequential"/>) by <see cref="ImageAugmentation.Draw"/>, and the pixels are moved on
/// the backend's device by <see cref="ImageAugmentation.Shift"/> (exact selection products), so every backend
/// produces the same images for the same key. Flips are off by default: a mirrored digit is not a digit.
/// </remarks>
public sealed class RandomShift : Layer
{
    /// <summary>Creates the layer for images of <paramref name="rows"/> × <paramref name="columns"/> pixels.</summary>
    /// <param name="maxShift">s: the largest shift in either direction, in pixels (≥ 0; 0 and no flips turn the layer off).</param>
    /// <param name="rows">Image height.</param>
    /// <param name="columns">Image width.</param>
    /// <param name="horizontalFlip">Also mirror each image left–right with probability ½.</param>
    public RandomShift(int maxShift, int rows = 28, int columns = 28, bool horizontalFlip = false)
    {
        if (maxShift < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, $"RandomShift: the largest shift must be ≥ 0, got {maxShift}");
        }

        if (rows < 1 || columns < 1)
        {
            throw new ArgumentOutOfRangeException(rows < 1 ? nameof(rows) : nameof(columns), (rows, columns), $"RandomShift: the image must be at least 1×1, got rows={rows}, columns={columns}");
        }
        MaxShift = maxShift;
        Rows = rows;
        Columns = columns;
        HorizontalFlip = horizontalFlip;
    }

    /// <summary>The largest shift s in pixels.</summary>
    public int MaxShift { get; }

    /// <summary>Image height.</summary>
    public int Rows { get; }

    /// <summary>Image width.</summary>
    public int Columns { get; }

    /// <summary>Whether images are also mirrored left–right at random.</summary>
    public bool HorizontalFlip { get; }

    /// <inheritdoc />
    public override bool IsStochastic => MaxShift > 0 || HorizontalFlip;

    /// <inheritdoc />
    public override string Describe() => $"RandomShift(±{MaxShift} px, {Rows}×{Columns}{(HorizontalFlip ? ", flips" : "")})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        // [N, C·rows·columns] (flat) or [N, C, rows, columns] (images): whole planes of rows × columns per sample.
        ImageAugmentation.PlanesPerSample(input, Rows, Columns, Describe());
        return input;
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        OutputShape(input.Shape);
        if (context.Mode == Mode.Eval || !IsStochastic)
        {
            return (input, state);
        }

        var key = context.Key ?? throw new InvalidOperationException(
            $"{Describe()}: training mode needs a key for the shifts; pass Context.Train(key), or Context.Eval to evaluate");
        return (ImageAugmentation.RandomShift(input, key, MaxShift, Rows, Columns, HorizontalFlip), state);
    }
}
