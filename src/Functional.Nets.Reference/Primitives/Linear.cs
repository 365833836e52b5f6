namespace Functional.Nets.Reference;

/// <summary>
/// The affine map of a dense layer, Y = X·Wᵀ + b with X [m, k], W [n, k], b [n] (added to every row).
/// VJP (from dY = dX·Wᵀ + X·dWᵀ + 1·dbᵀ and ⟨Ȳ, dY⟩): X̄ = Ȳ·W, W̄ = Ȳᵀ·X, b̄ⱼ = Σᵢ Ȳᵢⱼ — the same three
/// products as MatMul, Transpose and Add composed, in one node.
/// </summary>
/// <remarks>
/// Row-major arrays are handed to MathNet (column-major) as their transposes with no copy, as in <see cref="MatMul"/>:
/// X is Xᵀ [k, m], W is Wᵀ [k, n], Y is Yᵀ [n, m]; so Yᵀ = W·Xᵀ, X̄ᵀ = Wᵀ·Ȳᵀ and W̄ᵀ = Xᵀ·Ȳ.
/// </remarks>
internal static class Linear
{
    public static double[] Forward(double[] x, double[] w, double[]? b, int m, int k, int n)
    {
        var y = new double[m * n];
        Products.Multiply(w, k, n, true, x, k, m, false, y); // Yᵀ = (Wᵀ)ᵀ·Xᵀ
        if (b is not null)
        {
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    y[i * n + j] += b[j];
                }
            }
        }

        return y;
    }

    public static double[]?[] Vjp(double[] g, double[] x, double[] w, bool bias, int m, int k, int n)
    {
        var gx = new double[m * k];
        var gw = new double[n * k];
        Products.Multiply(w, k, n, false, g, n, m, false, gx); // X̄ᵀ = Wᵀ·Ȳᵀ (g is Ȳᵀ [n, m])
        Products.Multiply(x, k, m, false, g, n, m, true, gw);  // W̄ᵀ = Xᵀ·(Ȳᵀ)ᵀ
        if (!bias)
        {
            return [gx, gw];
        }

        var gb = new double[n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                gb[j] += g[i * n + j];
            }
        }

        return [gx, gw, gb];
    }
}
