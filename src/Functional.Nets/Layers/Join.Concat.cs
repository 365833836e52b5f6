using System.Globalization;

namespace Functional.Nets;

public abstract partial class Join
{
    /// <summary>The inputs side by side along <paramref name="axis"/> (negative counts from the end; −1, the features, by default).</summary>
    public static Join Concat(int axis = -1) => new ConcatJoin(axis);
}

/// <summary>
/// Concatenation along <see cref="Axis"/>: inputs of one rank whose shapes agree on every other axis give
/// the shape whose <see cref="Axis"/> is the sum of theirs (PyTorch's <c>torch.cat</c>).
/// </summary>
public sealed class ConcatJoin : Join
{
    internal ConcatJoin(int axis) => Axis = axis;

    /// <summary>The axis, as given (negative counts from the end).</summary>
    public int Axis { get; }

    /// <inheritdoc />
    public override JoinKind Kind => JoinKind.Concat;

    /// <inheritdoc />
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"concat(axis {Axis})");

    internal override string? Problem(IReadOnlyList<Shape> inputs)
    {
        var rank = inputs[0].Rank;
        if (inputs.Any(s => s.Rank != rank) || rank == 0 || Axis < -rank || Axis >= rank)
        {
            return $"needs inputs of one rank that has axis {Axis}, got {string.Join(", ", inputs)}";
        }

        var axis = Normalized(rank);
        for (var d = 0; d < rank; d++)
        {
            if (d != axis && inputs.Any(s => s[d] != inputs[0][d]))
            {
                return $"needs inputs that agree on every axis but {axis}, got {string.Join(", ", inputs)}";
            }
        }

        return null;
    }

    private protected override Shape Joined(IReadOnlyList<Shape> inputs)
    {
        var dims = inputs[0].ToArray();
        var axis = Normalized(dims.Length);
        dims[axis] = inputs.Sum(s => s[axis]);
        return new Shape(dims);
    }

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) =>
        inputs.Count == 1 ? inputs[0] : Tensor.Concat(inputs, Normalized(inputs[0].Shape.Rank));

    private int Normalized(int rank) => Axis < 0 ? Axis + rank : Axis;
}
