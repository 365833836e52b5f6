namespace Functional.Nets.Reference;

/// <summary>
/// Matrix product C = A·B with A [m, k], B [k, n]. VJP: Ā = C̄·Bᵀ, B̄ = Aᵀ·C̄
/// (from dC = dA·B + A·dB and ⟨C̄, dC⟩ = ⟨C̄Bᵀ, dA⟩ + ⟨AᵀC̄, dB⟩).
/// </summary>
/// <remarks>
/// Our arrays are row-major and MathNet's are column-major, so each array is handed to MathNet as
/// the transpose of the matrix it holds: a row-major X [r, c] is a column-major Xᵀ [c, r], with no
/// copy. Every product below is the transposed identity, e.g. Cᵀ = Bᵀ·Aᵀ.
/// </remarks>
internal static class MatMul
{
    public static double[] Forward(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        Products.Multiply(b, n, k, false, a, k, m, false, c); // Cᵀ = Bᵀ·Aᵀ (b is Bᵀ [n, k], a is Aᵀ [k, m])
        return c;
    }

    public static double[]?[] Vjp(double[] g, double[] a, double[] b, int m, int k, int n)
    {
        var ga = new double[m * k];
        var gb = new double[k * n];
        Products.Multiply(b, n, k, true, g, n, m, false, ga); // Āᵀ = B·C̄ᵀ (g is C̄ᵀ [n, m])
        Products.Multiply(g, n, m, false, a, k, m, true, gb);  // B̄ᵀ = C̄ᵀ·A
        return [ga, gb];
    }
}
