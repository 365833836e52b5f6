namespace Functional.Nets.Reference;

/// <summary>Row-major strides and the (outer, n, inner) split of a shape around one axis, shared by the layout and indexing primitives.</summary>
internal static class Strides
{
    /// <summary>The row-major strides of <paramref name="shape"/>: stride[d] = Π_{e &gt; d} dims[e].</summary>
    public static int[] Of(Shape shape)
    {
        var strides = new int[shape.Rank];
        var stride = 1;
        for (var d = shape.Rank - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride = checked(stride * shape.Dims[d]);
        }

        return strides;
    }

    /// <summary>The shape as (entries before <paramref name="axis"/>, its size, entries after it).</summary>
    public static (int Outer, int N, int Inner) Around(Shape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (var d = 0; d < axis; d++)
        {
            outer = checked(outer * shape.Dims[d]);
        }

        for (var d = axis + 1; d < shape.Rank; d++)
        {
            inner = checked(inner * shape.Dims[d]);
        }

        return (outer, shape.Dims[axis], inner);
    }

    /// <summary>The shape with the reduced <paramref name="axes"/> removed, or kept as size 1.</summary>
    public static Shape Reduced(Shape shape, int[] axes, bool keepDims) =>
        new(keepDims
            ? shape.Dims.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray()
            : shape.Dims.Where((_, i) => !axes.Contains(i)).ToArray());
}
