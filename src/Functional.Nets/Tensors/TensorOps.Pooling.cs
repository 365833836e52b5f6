namespace Functional.Nets;

/// <summary>
/// Pooling over [N, C, H, W] (2-d) and [N, C, L] (1-d, computed as the 2-d case with H = 1), checked before dispatch so
/// that both backends refuse bad input with the same message. Output lengths follow <see cref="PoolWindow"/>.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// Max pooling of [N, C, H, W] (<c>torch.nn.functional.max_pool2d</c>); the gradient goes to the first maximum of
    /// each window (PyTorch's choice on ties, which are kinks).
    /// </summary>
    /// <exception cref="ShapeMismatchException">Not rank 4, or the (dilated) kernel exceeds the padded input, or no output.</exception>
    public Tensor MaxPool2d(PoolWindow window)
    {
        var w = CheckPool("max_pool2d", window, rank: 4, dilated: true);
        return Backend.MaxPool2d(this, w);
    }

    /// <summary>Max pooling of [N, C, L] (<c>torch.nn.functional.max_pool1d</c>) with a <see cref="PoolWindow.Line"/> window.</summary>
    /// <exception cref="ShapeMismatchException">Not rank 3, or the (dilated) kernel exceeds the padded input, or no output.</exception>
    public Tensor MaxPool1d(PoolWindow window)
    {
        var w = CheckPool("max_pool1d", window, rank: 3, dilated: true);
        var y = Backend.MaxPool2d(Reshape(Shape[0], Shape[1], 1, Shape[2]), w);
        return y.Reshape(Shape[0], Shape[1], y.Shape[3]);
    }

    /// <summary>
    /// Average pooling of [N, C, H, W] (<c>torch.nn.functional.avg_pool2d</c>): each window's mean, the divisor counting
    /// the zero padding when <paramref name="countIncludePad"/> (PyTorch's default) or only the real entries otherwise.
    /// </summary>
    /// <exception cref="ShapeMismatchException">Not rank 4, or the kernel exceeds the padded input, or no output.</exception>
    /// <exception cref="ArgumentException">The window has a dilation (average pooling has none).</exception>
    public Tensor AvgPool2d(PoolWindow window, bool countIncludePad = true)
    {
        var w = CheckPool("avg_pool2d", window, rank: 4, dilated: false);
        return Backend.AvgPool2d(this, w, countIncludePad);
    }

    /// <summary>Average pooling of [N, C, L] (<c>torch.nn.functional.avg_pool1d</c>) with a <see cref="PoolWindow.Line"/> window.</summary>
    /// <exception cref="ShapeMismatchException">Not rank 3, or the kernel exceeds the padded input, or no output.</exception>
    /// <exception cref="ArgumentException">The window has a dilation.</exception>
    public Tensor AvgPool1d(PoolWindow window, bool countIncludePad = true)
    {
        var w = CheckPool("avg_pool1d", window, rank: 3, dilated: false);
        var y = Backend.AvgPool2d(Reshape(Shape[0], Shape[1], 1, Shape[2]), w, countIncludePad);
        return y.Reshape(Shape[0], Shape[1], y.Shape[3]);
    }

    /// <summary>
    /// Adaptive average pooling of [N, C, H, W] to [N, C, outH, outW] (<c>adaptive_avg_pool2d</c>): output row p averages
    /// rows ⌊p·H/outH⌋ ≤ i &lt; ⌈(p + 1)·H/outH⌉, columns likewise; (1, 1) is global average pooling.
    /// </summary>
    /// <exception cref="ShapeMismatchException">Not rank 4, or an empty spatial axis.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
    public Tensor AdaptiveAvgPool2d(int outH, int outW)
    {
        CheckAdaptive("adaptive_avg_pool2d", rank: 4, outH, outW);
        return Backend.AdaptiveAvgPool2d(this, outH, outW);
    }

    /// <summary>Adaptive average pooling of [N, C, L] to [N, C, out] (<c>adaptive_avg_pool1d</c>).</summary>
    /// <exception cref="ShapeMismatchException">Not rank 3, or an empty length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
    public Tensor AdaptiveAvgPool1d(int output)
    {
        CheckAdaptive("adaptive_avg_pool1d", rank: 3, 1, output);
        return Backend.AdaptiveAvgPool2d(Reshape(Shape[0], Shape[1], 1, Shape[2]), 1, output).Reshape(Shape[0], Shape[1], output);
    }

    private PoolWindow CheckPool(string op, PoolWindow window, int rank, bool dilated)
    {
        RequireFloat(op, this);
        return PoolShape(op, Shape, window, rank, dilated).Window;
    }

    /// <summary>
    /// The checks of a pooling op on <paramref name="shape"/> (the layers' <c>OutputShape</c> makes the same ones) and
    /// the output shape: [N, C, outH, outW] for rank 4, [N, C, outL] for rank 3.
    /// </summary>
    internal static (PoolWindow Window, Shape Output) PoolShape(string op, Shape shape, PoolWindow window, int rank, bool dilated)
    {
        ArgumentNullException.ThrowIfNull(window);
        var w = window.Checked();
        var layout = rank == 4 ? "[N, C, H, W]" : "[N, C, L]";
        if (shape.Rank != rank)
        {
            throw new ShapeMismatchException($"{op}: expected an input {layout} of rank {rank}, got shape {shape}");
        }

        if (rank == 3 && (w.KernelH, w.StrideH, w.PaddingH, w.DilationH) != (1, 1, 0, 1))
        {
            throw new ArgumentException($"{op}: a 1-d pooling window has kernel, stride and dilation 1 and no padding along H (use PoolWindow.Line), got {w.Describe()}", nameof(window));
        }

        if (!dilated && (w.DilationH != 1 || w.DilationW != 1))
        {
            throw new ArgumentException($"{op}: average pooling has no dilation, expected dilation 1, got {w.Describe(rank == 3)}", nameof(window));
        }

        if (shape[0] == 0 || shape[1] == 0)
        {
            throw new ShapeMismatchException($"{op}: expected a non-empty batch and channel axis, got shape {shape}");
        }

        var h = rank == 4 ? shape[2] : 1;
        var width = shape[rank - 1];
        var spans = rank == 4
            ? new[] { ("H", h, w.KernelH, w.PaddingH, w.DilationH, w.OutputH(h)), ("W", width, w.KernelW, w.PaddingW, w.DilationW, w.OutputW(width)) }
            : new[] { ("L", width, w.KernelW, w.PaddingW, w.DilationW, w.OutputW(width)) };
        foreach (var (axis, length, kernel, padding, dilation, output) in spans)
        {
            var effective = dilation * (kernel - 1) + 1;
            if (effective > length + 2 * padding)
            {
                throw new ShapeMismatchException(
                    $"{op}: the {(dilation > 1 ? "dilated " : "")}kernel ({effective}) is larger than the padded input along {axis} " +
                    $"({length} + 2·{padding} = {length + 2 * padding}) of shape {shape}; expected a kernel of at most {length + 2 * padding}");
            }

            if (output < 1)
            {
                throw new ShapeMismatchException($"{op}: input {shape} with {w.Describe(rank == 3)} gives no output along {axis} (output length {output})");
            }
        }

        return (w, rank == 4 ? new Shape(shape[0], shape[1], w.OutputH(h), w.OutputW(width)) : new Shape(shape[0], shape[1], w.OutputW(width)));
    }

    private void CheckAdaptive(string op, int rank, int outH, int outW)
    {
        RequireFloat(op, this);
        AdaptiveShape(op, Shape, rank, outH, outW);
    }

    /// <summary>The checks of an adaptive pooling op on <paramref name="shape"/> and its output shape.</summary>
    internal static Shape AdaptiveShape(string op, Shape shape, int rank, int outH, int outW)
    {
        var layout = rank == 4 ? "[N, C, H, W]" : "[N, C, L]";
        if (shape.Rank != rank)
        {
            throw new ShapeMismatchException($"{op}: expected an input {layout} of rank {rank}, got shape {shape}");
        }

        if (outH < 1 || outW < 1)
        {
            throw new ArgumentOutOfRangeException("outputSize", rank == 4 ? $"({outH}, {outW})" : $"{outW}", $"{op}: the output size must be at least 1 per axis, got {(rank == 4 ? $"({outH}, {outW})" : outW)}");
        }

        if (shape.Size == 0)
        {
            throw new ShapeMismatchException($"{op}: expected a non-empty input, got shape {shape}");
        }

        return rank == 4 ? new Shape(shape[0], shape[1], outH, outW) : new Shape(shape[0], shape[1], outW);
    }
}
