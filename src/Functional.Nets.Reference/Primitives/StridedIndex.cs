namespace Functional.Nets.Reference;

/// <summary>
/// Walks a shape's entries in row-major order and returns, for each, the offset Σ_d index_d·stride_d
/// under other strides: the index map behind broadcasting (stride 0 on a broadcast axis) and behind
/// reductions (stride 0 on a reduced axis).
/// </summary>
internal static class StridedIndex
{
    public static int[] Map(Shape shape, int[] strides)
    {
        var rank = shape.Rank;
        var map = new int[checked((int)shape.Size)];
        var index = new int[rank];
        var at = 0;
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = at;

            // Advance the multi-index like an odometer, keeping the offset in step.
            for (var d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                at += strides[d];
                if (index[d] < shape.Dims[d])
                {
                    break;
                }

                at -= strides[d] * index[d];
                index[d] = 0;
            }
        }

        return map;
    }
}
