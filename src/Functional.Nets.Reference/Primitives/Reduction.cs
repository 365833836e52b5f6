namespace Functional.Nets.Reference;

/// <summary>
/// Sum over axes: yⱼ = Σ_{i ↦ j} xᵢ, where i ↦ j drops the reduced axes of i's multi-index.
/// VJP: x̄ᵢ = ȳⱼ for i ↦ j (the gradient is broadcast back over the reduced axes).
/// </summary>
internal static class Reduction
{
    /// <summary>For each input entry, the output entry it adds into.</summary>
    public static int[] SumMap(Shape input, int[] axes)
    {
        var rank = input.Rank;
        var reduced = new bool[rank];
        foreach (var a in axes)
        {
            reduced[a] = true;
        }

        var strides = new int[rank];
        var stride = 1;
        for (var d = rank - 1; d >= 0; d--)
        {
            strides[d] = reduced[d] ? 0 : stride;
            stride *= reduced[d] ? 1 : input.Dims[d];
        }

        return StridedIndex.Map(input, strides);
    }

    public static double[] Sum(double[] x, int[] map, int outputSize)
    {
        var y = new double[outputSize];
        for (var i = 0; i < x.Length; i++)
        {
            y[map[i]] += x[i];
        }

        return y;
    }

    public static double[] SumVjp(double[] g, int[] map)
    {
        var gx = new double[map.Length];
        for (var i = 0; i < map.Length; i++)
        {
            gx[i] = g[map[i]];
        }

        return gx;
    }
}
