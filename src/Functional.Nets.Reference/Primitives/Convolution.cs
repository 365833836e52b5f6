namespace Functional.Nets.Reference;

/// <summary>
/// Convolution and its transpose by im2col onto MathNet products, with hand-written VJPs.
/// </summary>
/// <remarks>
/// <para>
/// <b>Forward.</b> For one sample and one group, im2col lays the input patches out as columns: cols[(c, k), p] =
/// x[c, p·s + k·d − pad] (zero outside the input), one row per input channel c and kernel tap k, one column per output
/// position p. The convolution is then one matrix product, Y = W · cols, with W the group's kernels as rows
/// [C_out/groups, C_in/groups · ΠK], and y[o, p] = b[o] + Σ_{c,k} w[o, c, k] · x[c, p·s + k·d − pad].
/// </para>
/// <para>
/// <b>Backward.</b> y is linear in x, w and b, so each VJP follows from ⟨Ȳ, dY⟩ = ⟨Ȳ, dW · cols⟩ + ⟨Ȳ, W · dcols⟩ + ⟨Ȳ, db⟩:
/// </para>
/// <list type="bullet">
/// <item><b>Kernel:</b> ⟨Ȳ, dW · cols⟩ = ⟨Ȳ colsᵀ, dW⟩, so W̄ = Ȳ · colsᵀ, i.e. w̄[o, c, k] = Σ_p ȳ[o, p] · x[c, p·s + k·d − pad]:
/// the correlation of the input with the output gradient, summed over the batch.</item>
/// <item><b>Input:</b> ⟨Ȳ, W · dcols⟩ = ⟨Wᵀ Ȳ, dcols⟩, so cols̄ = Wᵀ · Ȳ, and since each column entry is a copy of one
/// input entry, x̄ is col2im(cols̄), the adjoint of im2col: every cols̄[(c, k), p] is added back to
/// x̄[c, p·s + k·d − pad]. Written out, x̄[c, i] = Σ_{o, k, p : p·s + k·d − pad = i} w[o, c, k] · ȳ[o, p]: the
/// <i>full</i> convolution of the output gradient (dilated by the stride) with the <i>flipped</i> kernel.</item>
/// <item><b>Bias:</b> b̄[o] = Σ_{n, p} ȳ[n, o, p].</item>
/// </list>
/// <para>
/// <b>Transpose.</b> The transposed convolution is the input-VJP map above used as a forward pass: Y = col2im(Wᵀ · X),
/// with W [C_in/groups, C_out/groups · ΠK] and the output as the "image" (pad = the cropped padding). Its VJPs are then
/// the convolution's forward products: X̄ = W · im2col(Ȳ) (a convolution of ȳ) and W̄ = X · im2col(Ȳ)ᵀ.
/// </para>
/// <para>
/// Arrays are row-major and MathNet's column-major, so each row-major A [r, c] is handed to MathNet, without a copy, as
/// the column-major Aᵀ [c, r] (as <see cref="MatMul"/> does); every product is computed as its transpose.
/// </para>
/// </remarks>
internal static class Convolution
{
    /// <summary>y = conv(x, w) + b (padding before each axis given; the padding after only sizes the output).</summary>
    public static double[] Forward(double[] x, double[] w, double[]? b, Shape input, Shape weight, Shape output, int[] stride, int[] padBefore, int[] dilation, int groups)
    {
        var g = Sizes.Of(input, weight, output, groups);
        var taps = Taps(Spatial(input), Spatial(weight), Spatial(output), stride, padBefore, dilation);
        var y = new double[output.Size];
        for (var n = 0; n < g.Batch; n++)
        {
            for (var j = 0; j < groups; j++)
            {
                var cols = Im2Col(x, ((n * g.ImageChannels) + (j * g.ImageGroup)) * g.Image, g.ImageGroup, g.Image, taps);
                var wg = Part(w, j * g.ColsGroup * g.Rows, g.ColsGroup * g.Rows);
                var yg = MatMul.Forward(wg, cols, g.ColsGroup, g.Rows, g.Positions); // Y = W · cols
                Array.Copy(yg, 0, y, ((n * g.ColsChannels) + (j * g.ColsGroup)) * g.Positions, yg.Length);
            }
        }

        AddBias(y, b, g.Batch, g.ColsChannels, g.Positions);
        return y;
    }

    /// <summary>x̄ = col2im(Wᵀ Ȳ), w̄ = Σ_n Ȳ colsᵀ, b̄ = Σ ȳ (see the remarks).</summary>
    public static double[]?[] Vjp(double[] gy, double[] x, double[] w, bool bias, Shape input, Shape weight, Shape output, int[] stride, int[] padBefore, int[] dilation, int groups)
    {
        var g = Sizes.Of(input, weight, output, groups);
        var taps = Taps(Spatial(input), Spatial(weight), Spatial(output), stride, padBefore, dilation);
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        for (var n = 0; n < g.Batch; n++)
        {
            for (var j = 0; j < groups; j++)
            {
                var imageAt = ((n * g.ImageChannels) + (j * g.ImageGroup)) * g.Image;
                var cols = Im2Col(x, imageAt, g.ImageGroup, g.Image, taps);
                var wg = Part(w, j * g.ColsGroup * g.Rows, g.ColsGroup * g.Rows);
                var gyg = Part(gy, ((n * g.ColsChannels) + (j * g.ColsGroup)) * g.Positions, g.ColsGroup * g.Positions);
                Col2Im(TransposedTimes(wg, gyg, g.ColsGroup, g.Rows, g.Positions), gx, imageAt, g.ImageGroup, g.Image, taps); // x̄ = col2im(Wᵀ Ȳ)
                Accumulate(gw, j * g.ColsGroup * g.Rows, TimesTransposed(gyg, cols, g.ColsGroup, g.Positions, g.Rows));        // W̄ += Ȳ colsᵀ
            }
        }

        return [gx, gw, bias ? BiasGradient(gy, g.Batch, g.ColsChannels, g.Positions) : null];
    }

    /// <summary>y = col2im(Wᵀ X) + b: the output is the image, the input the columns' positions.</summary>
    public static double[] TransposeForward(double[] x, double[] w, double[]? b, Shape input, Shape weight, Shape output, int[] stride, int[] padding, int[] dilation, int groups)
    {
        var g = Sizes.Of(output, weight, input, groups);
        var taps = Taps(Spatial(output), Spatial(weight), Spatial(input), stride, padding, dilation);
        var y = new double[output.Size];
        for (var n = 0; n < g.Batch; n++)
        {
            for (var j = 0; j < groups; j++)
            {
                var wg = Part(w, j * g.ColsGroup * g.Rows, g.ColsGroup * g.Rows);
                var xg = Part(x, ((n * g.ColsChannels) + (j * g.ColsGroup)) * g.Positions, g.ColsGroup * g.Positions);
                Col2Im(TransposedTimes(wg, xg, g.ColsGroup, g.Rows, g.Positions), y, ((n * g.ImageChannels) + (j * g.ImageGroup)) * g.Image, g.ImageGroup, g.Image, taps);
            }
        }

        AddBias(y, b, g.Batch, g.ImageChannels, g.Image);
        return y;
    }

    /// <summary>x̄ = W · im2col(Ȳ), w̄ = Σ_n X · im2col(Ȳ)ᵀ, b̄ = Σ ȳ.</summary>
    public static double[]?[] TransposeVjp(double[] gy, double[] x, double[] w, bool bias, Shape input, Shape weight, Shape output, int[] stride, int[] padding, int[] dilation, int groups)
    {
        var g = Sizes.Of(output, weight, input, groups);
        var taps = Taps(Spatial(output), Spatial(weight), Spatial(input), stride, padding, dilation);
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        for (var n = 0; n < g.Batch; n++)
        {
            for (var j = 0; j < groups; j++)
            {
                var cols = Im2Col(gy, ((n * g.ImageChannels) + (j * g.ImageGroup)) * g.Image, g.ImageGroup, g.Image, taps);
                var wg = Part(w, j * g.ColsGroup * g.Rows, g.ColsGroup * g.Rows);
                var xAt = ((n * g.ColsChannels) + (j * g.ColsGroup)) * g.Positions;
                var xg = Part(x, xAt, g.ColsGroup * g.Positions);
                Accumulate(gx, xAt, MatMul.Forward(wg, cols, g.ColsGroup, g.Rows, g.Positions));                       // X̄ = W · im2col(Ȳ)
                Accumulate(gw, j * g.ColsGroup * g.Rows, TimesTransposed(xg, cols, g.ColsGroup, g.Positions, g.Rows)); // W̄ += X · im2col(Ȳ)ᵀ
            }
        }

        return [gx, gw, bias ? BiasGradient(gy, g.Batch, g.ImageChannels, g.Image) : null];
    }

    /// <summary>
    /// For kernel tap kk (row-major over K) and column position p (row-major over the columns' spatial shape), the flat
    /// spatial index in the image of p·s + k·d − pad, or −1 where that falls in the padding: taps[kk·P + p].
    /// </summary>
    private static int[] Taps(int[] image, int[] kernel, int[] positions, int[] stride, int[] padBefore, int[] dilation)
    {
        var r = image.Length;
        var kSize = kernel.Aggregate(1, (a, b) => checked(a * b));
        var pSize = positions.Aggregate(1, (a, b) => checked(a * b));
        var taps = new int[checked(kSize * pSize)];
        var k = new int[r];
        for (var kk = 0; kk < kSize; kk++)
        {
            Unravel(kk, kernel, k);
            var p = new int[r];
            for (var pp = 0; pp < pSize; pp++)
            {
                Unravel(pp, positions, p);
                var flat = 0;
                for (var i = 0; i < r && flat >= 0; i++)
                {
                    var at = (p[i] * stride[i]) + (k[i] * dilation[i]) - padBefore[i];
                    flat = at < 0 || at >= image[i] ? -1 : (flat * image[i]) + at;
                }

                taps[(kk * pSize) + pp] = flat;
            }
        }

        return taps;
    }

    /// <summary>cols[(c·ΠK + kk), p] = image[at + c·ΠS + taps[kk·P + p]] (0 in the padding).</summary>
    private static double[] Im2Col(double[] source, int at, int channels, int imageSize, int[] taps)
    {
        var cols = new double[channels * taps.Length];
        for (var c = 0; c < channels; c++)
        {
            var from = at + (c * imageSize);
            var row = c * taps.Length;
            for (var t = 0; t < taps.Length; t++)
            {
                cols[row + t] = taps[t] < 0 ? 0 : source[from + taps[t]];
            }
        }

        return cols;
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: image[at + c·ΠS + taps[t]] += cols[c·ΠK·P + t].</summary>
    private static void Col2Im(double[] cols, double[] target, int at, int channels, int imageSize, int[] taps)
    {
        for (var c = 0; c < channels; c++)
        {
            var to = at + (c * imageSize);
            var row = c * taps.Length;
            for (var t = 0; t < taps.Length; t++)
            {
                if (taps[t] >= 0)
                {
                    target[to + taps[t]] += cols[row + t];
                }
            }
        }
    }

    /// <summary>Aᵀ·B for row-major A [k, m] and B [k, n]: (AᵀB)ᵀ = Bᵀ·A, i.e. MathNet's Bᵀ.TransposeAndMultiply(Aᵀ).</summary>
    private static double[] TransposedTimes(double[] a, double[] b, int k, int m, int n)
    {
        var c = new double[m * n];
        Products.Multiply(b, n, k, false, a, m, k, true, c);
        return c;
    }

    /// <summary>A·Bᵀ for row-major A [m, k] and B [n, k]: (ABᵀ)ᵀ = B·Aᵀ, i.e. MathNet's (Bᵀ)ᵀ·Aᵀ.</summary>
    private static double[] TimesTransposed(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        Products.Multiply(b, k, n, true, a, k, m, false, c);
        return c;
    }

    private static void AddBias(double[] y, double[]? b, int batch, int channels, int positions)
    {
        if (b is null)
        {
            return;
        }

        for (var n = 0; n < batch; n++)
        {
            for (var o = 0; o < channels; o++)
            {
                var at = ((n * channels) + o) * positions;
                for (var p = 0; p < positions; p++)
                {
                    y[at + p] += b[o];
                }
            }
        }
    }

    private static double[] BiasGradient(double[] gy, int batch, int channels, int positions)
    {
        var gb = new double[channels];
        for (var n = 0; n < batch; n++)
        {
            for (var o = 0; o < channels; o++)
            {
                var at = ((n * channels) + o) * positions;
                for (var p = 0; p < positions; p++)
                {
                    gb[o] += gy[at + p];
                }
            }
        }

        return gb;
    }

    private static double[] Part(double[] source, int at, int length) => source.AsSpan(at, length).ToArray();

    private static void Accumulate(double[] target, int at, double[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            target[at + i] += values[i];
        }
    }

    private static void Unravel(int flat, int[] dims, int[] index)
    {
        for (var i = dims.Length - 1; i >= 0; i--)
        {
            index[i] = flat % dims[i];
            flat /= dims[i];
        }
    }

    private static int[] Spatial(Shape s) => s.Dims.Skip(2).ToArray();

    /// <summary>
    /// The sizes of one product. The image is the side im2col reads (the convolution's input, the transpose's output), the
    /// columns' side has one column per position (the convolution's output, the transpose's input); Rows = image
    /// channels per group · ΠK is the product's inner length (the dot-product length of one output entry).
    /// </summary>
    private readonly record struct Sizes(int Batch, int ImageChannels, int ImageGroup, int Image, int ColsChannels, int ColsGroup, int Positions, int Rows)
    {
        public static Sizes Of(Shape image, Shape weight, Shape cols, int groups)
        {
            var kernel = Product(weight.Dims.Skip(2));
            var imageChannels = image.Dims[1];
            var colsChannels = cols.Dims[1];
            var imageGroup = imageChannels / groups;
            return new Sizes(
                image.Dims[0], imageChannels, imageGroup, Product(image.Dims.Skip(2)),
                colsChannels, colsChannels / groups, Product(cols.Dims.Skip(2)), checked(imageGroup * kernel));
        }

        private static int Product(IEnumerable<int> dims) => dims.Aggregate(1, (a, b) => checked(a * b));
    }
}
