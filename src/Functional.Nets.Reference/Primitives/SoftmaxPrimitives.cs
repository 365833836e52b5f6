namespace Functional.Nets.Reference;

/// <summary>
/// softmax and log-softmax along one axis, each row shifted by its maximum m so no exponent overflows.
/// softmax: yᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m); VJP x̄ᵢ = yᵢ (ȳᵢ − Σⱼ ȳⱼ yⱼ) (Jacobian diag(y) − y yᵀ).
/// log-softmax: yᵢ = xᵢ − m − ln Σⱼ e^(xⱼ−m); VJP x̄ᵢ = ȳᵢ − softmax(x)ᵢ Σⱼ ȳⱼ (Jacobian I − 1 softmaxᵀ).
/// </summary>
internal static class SoftmaxPrimitives
{
    /// <summary>Splits a shape around <paramref name="axis"/>: entry (o, j, r) sits at (o·n + j)·inner + r.</summary>
    public static (int Outer, int N, int Inner) Split(Shape shape, int axis)
    {
        var outer = 1;
        var inner = 1;
        for (var d = 0; d < axis; d++)
        {
            outer *= shape.Dims[d];
        }

        for (var d = axis + 1; d < shape.Rank; d++)
        {
            inner *= shape.Dims[d];
        }

        return (outer, shape.Dims[axis], inner);
    }

    public static double[] Softmax(double[] x, int outer, int n, int inner, bool log)
    {
        var y = new double[x.Length];
        for (var o = 0; o < outer; o++)
        {
            for (var r = 0; r < inner; r++)
            {
                var baseIndex = o * n * inner + r;
                var m = double.NegativeInfinity;
                for (var j = 0; j < n; j++)
                {
                    m = Math.Max(m, x[baseIndex + j * inner]);
                }

                var sum = 0.0;
                for (var j = 0; j < n; j++)
                {
                    sum += Math.Exp(x[baseIndex + j * inner] - m);
                }

                var logSum = Math.Log(sum);
                for (var j = 0; j < n; j++)
                {
                    var at = baseIndex + j * inner;
                    y[at] = log ? x[at] - m - logSum : Math.Exp(x[at] - m) / sum;
                }
            }
        }

        return y;
    }

    public static double[] SoftmaxVjp(double[] g, double[] y, int outer, int n, int inner)
    {
        var gx = new double[g.Length];
        for (var o = 0; o < outer; o++)
        {
            for (var r = 0; r < inner; r++)
            {
                var baseIndex = o * n * inner + r;
                var dot = 0.0;
                for (var j = 0; j < n; j++)
                {
                    dot += g[baseIndex + j * inner] * y[baseIndex + j * inner];
                }

                for (var j = 0; j < n; j++)
                {
                    var at = baseIndex + j * inner;
                    gx[at] = y[at] * (g[at] - dot);
                }
            }
        }

        return gx;
    }

    /// <summary>The log-softmax VJP from its output y: softmax = e^y.</summary>
    public static double[] LogSoftmaxVjp(double[] g, double[] y, int outer, int n, int inner)
    {
        var gx = new double[g.Length];
        for (var o = 0; o < outer; o++)
        {
            for (var r = 0; r < inner; r++)
            {
                var baseIndex = o * n * inner + r;
                var total = 0.0;
                for (var j = 0; j < n; j++)
                {
                    total += g[baseIndex + j * inner];
                }

                for (var j = 0; j < n; j++)
                {
                    var at = baseIndex + j * inner;
                    gx[at] = g[at] - Math.Exp(y[at]) * total;
                }
            }
        }

        return gx;
    }
}
