namespace Functional.Nets;

/// <summary>
/// Pooling over the spatial axes of [N, C, H, W] tensors (1-d pooling is the H = 1 case: the core reshapes [N, C, L] to
/// [N, C, 1, L]). The core (<c>TensorOps.Pooling</c>) checks window and shape before it calls these, so a backend sees a
/// rank-4 float tensor and a window with at least one output along each axis. Declarations: <see cref="Primitive.MaxPool"/>,
/// <see cref="Primitive.AvgPool"/>, <see cref="Primitive.AdaptiveAvgPool"/>.
/// </summary>
public abstract partial class Backend
{
    /// <summary>
    /// Max pooling, as <c>torch.nn.functional.max_pool2d</c>: y[n, c, p, q] = max over the window of rows
    /// p·s_H − pad_H + i·d_H (i &lt; k_H) and columns q·s_W − pad_W + j·d_W (j &lt; k_W) inside the input (the padding is
    /// −∞). The gradient goes to the window's first maximum (row-major order), as PyTorch's kernel chooses on ties.
    /// </summary>
    public abstract Tensor MaxPool2d(Tensor a, PoolWindow window);

    /// <summary>
    /// Average pooling, as <c>torch.nn.functional.avg_pool2d</c> (no dilation): the window's sum divided by its size
    /// clipped to the padded input (<paramref name="countIncludePad"/>) or to the input itself; x̄ spreads ȳ evenly.
    /// </summary>
    public abstract Tensor AvgPool2d(Tensor a, PoolWindow window, bool countIncludePad);

    /// <summary>
    /// Adaptive average pooling to [N, C, <paramref name="outH"/>, <paramref name="outW"/>], as
    /// <c>torch.nn.functional.adaptive_avg_pool2d</c>: output row p averages input rows ⌊p·H/outH⌋ ≤ i &lt; ⌈(p + 1)·H/outH⌉
    /// (columns likewise).
    /// </summary>
    public abstract Tensor AdaptiveAvgPool2d(Tensor a, int outH, int outW);
}
