namespace Functional.Nets.Reference;

/// <summary>
/// Pooling on [N, C, H, W] planes, forward beside VJP. Output entry (p, q) of a plane reads the window of rows
/// r = p·s_H − pad_H + i·d_H (i &lt; k_H) and columns c = q·s_W − pad_W + j·d_W (j &lt; k_W); positions outside the
/// plane are padding (−∞ for max, 0 for average).
/// <list type="bullet">
/// <item>Max: y = max over the window; the forward pass remembers the flat position of the first maximum (row-major
/// scan with a strict &gt;, so a later equal value never replaces it, as PyTorch's kernel), and the VJP is
/// x̄[argmax(o)] += ȳ[o]. NaN wins, as in PyTorch.</item>
/// <item>Average: y = Σ_window x / D with D = |window ∩ padded input| when padding counts, else |window ∩ input|
/// (PyTorch: the window end is clipped to L + pad before D is taken, then the start and end to the input); the VJP is
/// x̄[i] += ȳ[o]/D for every i of the window in the input.</item>
/// <item>Adaptive average: output row p covers rows ⌊p·H/outH⌋ ≤ r &lt; ⌈(p + 1)·H/outH⌉ (columns likewise) and
/// y is their mean; the VJP spreads ȳ[o]/|window| over them.</item>
/// </list>
/// </summary>
internal static class Pooling
{
    /// <summary>Max pooling: the output and, per output entry, the flat input position of its first maximum (−1 if the window holds only padding).</summary>
    public static (double[] Y, int[] ArgMax) MaxForward(double[] x, int planes, int h, int w, PoolWindow win, int oh, int ow)
    {
        var y = new double[planes * oh * ow];
        var arg = new int[y.Length];
        for (var n = 0; n < planes; n++)
        {
            for (var p = 0; p < oh; p++)
            {
                for (var q = 0; q < ow; q++)
                {
                    var best = double.NegativeInfinity;
                    var at = -1;
                    for (var i = 0; i < win.KernelH; i++)
                    {
                        var r = p * win.StrideH - win.PaddingH + i * win.DilationH;
                        if (r < 0 || r >= h)
                        {
                            continue;
                        }

                        for (var j = 0; j < win.KernelW; j++)
                        {
                            var c = q * win.StrideW - win.PaddingW + j * win.DilationW;
                            if (c < 0 || c >= w)
                            {
                                continue;
                            }

                            var k = (n * h + r) * w + c;
                            if (at < 0 || x[k] > best || (double.IsNaN(x[k]) && !double.IsNaN(best)))
                            {
                                best = x[k];
                                at = k;
                            }
                        }
                    }

                    var o = (n * oh + p) * ow + q;
                    y[o] = best;
                    arg[o] = at;
                }
            }
        }

        return (y, arg);
    }

    /// <summary>x̄[argmax(o)] += ȳ[o].</summary>
    public static double[] MaxVjp(double[] g, int[] arg, int inputSize)
    {
        var gx = new double[inputSize];
        for (var o = 0; o < g.Length; o++)
        {
            if (arg[o] >= 0)
            {
                gx[arg[o]] += g[o];
            }
        }

        return gx;
    }

    /// <summary>
    /// Average pooling forward (<paramref name="g"/> null) or VJP (<paramref name="g"/> = ȳ): both visit the same
    /// windows with the same divisor D, the forward pass summing x/D into y, the VJP adding ȳ/D to x̄.
    /// </summary>
    public static double[] Average(double[] x, double[]? g, int planes, int h, int w, PoolWindow win, int oh, int ow, bool countIncludePad)
    {
        var result = new double[g is null ? planes * oh * ow : x.Length];
        for (var n = 0; n < planes; n++)
        {
            for (var p = 0; p < oh; p++)
            {
                for (var q = 0; q < ow; q++)
                {
                    int r0 = p * win.StrideH - win.PaddingH, c0 = q * win.StrideW - win.PaddingW;
                    int r1 = Math.Min(r0 + win.KernelH, h + win.PaddingH), c1 = Math.Min(c0 + win.KernelW, w + win.PaddingW);
                    var padded = (r1 - r0) * (c1 - c0);
                    (r0, c0, r1, c1) = (Math.Max(r0, 0), Math.Max(c0, 0), Math.Min(r1, h), Math.Min(c1, w));
                    double divisor = countIncludePad ? padded : (r1 - r0) * (c1 - c0);
                    var o = (n * oh + p) * ow + q;
                    var sum = 0.0;
                    for (var r = r0; r < r1; r++)
                    {
                        for (var c = c0; c < c1; c++)
                        {
                            var k = (n * h + r) * w + c;
                            if (g is null)
                            {
                                sum += x[k];
                            }
                            else
                            {
                                result[k] += g[o] / divisor;
                            }
                        }
                    }

                    if (g is null)
                    {
                        result[o] = sum / divisor;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Adaptive average pooling forward (<paramref name="g"/> null) or VJP, over windows [⌊p·H/outH⌋, ⌈(p + 1)·H/outH⌉) × likewise.</summary>
    public static double[] Adaptive(double[] x, double[]? g, int planes, int h, int w, int oh, int ow)
    {
        var result = new double[g is null ? planes * oh * ow : x.Length];
        for (var n = 0; n < planes; n++)
        {
            for (var p = 0; p < oh; p++)
            {
                int r0 = Start(p, h, oh), r1 = End(p, h, oh);
                for (var q = 0; q < ow; q++)
                {
                    int c0 = Start(q, w, ow), c1 = End(q, w, ow);
                    double count = (r1 - r0) * (c1 - c0);
                    var o = (n * oh + p) * ow + q;
                    var sum = 0.0;
                    for (var r = r0; r < r1; r++)
                    {
                        for (var c = c0; c < c1; c++)
                        {
                            var k = (n * h + r) * w + c;
                            if (g is null)
                            {
                                sum += x[k];
                            }
                            else
                            {
                                result[k] += g[o] / count;
                            }
                        }
                    }

                    if (g is null)
                    {
                        result[o] = sum / count;
                    }
                }
            }
        }

        return result;
    }

    // PyTorch's start_index and end_index: ⌊o·L/out⌋ and ⌈(o + 1)·L/out⌉ in integer arithmetic.
    private static int Start(int o, int length, int output) => (int)((long)o * length / output);

    private static int End(int o, int length, int output) => (int)((((long)o + 1) * length + output - 1) / output);
}
