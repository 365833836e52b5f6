namespace Functional.Nets;

/// <summary>
/// Flattening axes <see cref="StartAxis"/>…last into one, as <c>nn.Flatten</c> (start axis 1 by default, so the batch axis
/// stays): [N, C, H, W] → [N, C·H·W]. A reshape, so the gradient is reshaped back. No parameters.
/// </summary>
public sealed class Flatten : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="startAxis">The first flattened axis, ≥ 0 (default 1, as <c>nn.Flatten</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startAxis"/> is negative.</exception>
    public Flatten(int startAxis = 1)
    {
        StartAxis = startAxis >= 0 ? startAxis : throw new ArgumentOutOfRangeException(nameof(startAxis), startAxis, $"Flatten: the start axis must be ≥ 0, got {startAxis}");
    }

    /// <summary>The first flattened axis.</summary>
    public int StartAxis { get; }

    /// <inheritdoc />
    public override string Describe() => $"Flatten(start={StartAxis})";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">The input has rank ≤ the start axis.</exception>
    public override Shape OutputShape(Shape input)
    {
        if (input.Rank <= StartAxis)
        {
            throw new ShapeMismatchException($"Flatten: expected an input of rank > {StartAxis} (the start axis), got shape {input}");
        }

        var dims = input.Dims;
        var rest = 1;
        for (var d = StartAxis; d < dims.Length; d++)
        {
            rest = checked(rest * dims[d]);
        }

        return new Shape([.. dims.Take(StartAxis), rest]);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        return (input.Reshape([.. OutputShape(input.Shape).Dims]), state);
    }
}
