namespace Functional.Nets.Reference;

/// <summary>
/// Primitives that only move values. Transpose of [r, c]: yⱼᵢ = xᵢⱼ, VJP x̄ = ȳᵀ.
/// Reshape: the same row-major values, VJP x̄ = ȳ (reshaped back).
/// </summary>
internal static class Layout
{
    public static double[] Transpose(double[] x, int rows, int cols)
    {
        var y = new double[x.Length];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                y[j * rows + i] = x[i * cols + j];
            }
        }

        return y;
    }
}
