namespace Functional.Nets.Reference;

/// <summary>
/// NumPy broadcasting as index maps: for each entry i of the result, the entry of the operand it
/// reads. The VJP of broadcasting is the transpose of that map: a sum of the result's gradient over
/// every entry that read the same operand entry.
/// </summary>
internal static class Broadcast
{
    /// <summary>For each result entry, the operand entry it reads; null when the shapes are equal (identity).</summary>
    public static int[]? IndexMap(Shape operand, Shape result)
    {
        if (operand == result)
        {
            return null;
        }

        var rank = result.Rank;
        var offset = rank - operand.Rank;
        var strides = new int[rank];
        var stride = 1;
        for (var d = rank - 1; d >= offset; d--)
        {
            var size = operand.Dims[d - offset];
            strides[d] = size == 1 ? 0 : stride;
            stride *= size;
        }

        return StridedIndex.Map(result, strides);
    }

    /// <summary>Σ over result entries that read the same operand entry: the adjoint of the index map.</summary>
    public static double[] SumBack(double[] resultGrad, int[]? map, int operandSize)
    {
        if (map is null)
        {
            return resultGrad;
        }

        var g = new double[operandSize];
        for (var i = 0; i < map.Length; i++)
        {
            g[map[i]] += resultGrad[i];
        }

        return g;
    }
}
