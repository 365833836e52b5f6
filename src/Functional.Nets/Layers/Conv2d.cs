namespace Functional.Nets;

/// <summary>
/// A 2-d convolution as PyTorch's <c>nn.Conv2d</c>: input [N, C_in, H, W] gives [N, C_out, H_out, W_out] with, per
/// spatial axis, n_out = ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1; parameters <c>weight</c>
/// [C_out, C_in/groups, k_h, k_w] and <c>bias</c> [C_out]. The lecture's cases: <see cref="Padding.None"/> (n − k + 1 at
/// stride 1), <see cref="Padding.Half"/> (n at stride 1, odd k), <see cref="Padding.Full"/> (n + k − 1 at stride 1),
/// each with or without a stride.
/// </summary>
public sealed class Conv2d : ConvolutionLayer
{
    /// <summary>Creates the layer with a square kernel and the same stride and dilation on both axes.</summary>
    /// <param name="inChannels">Input channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="kernel">Kernel size k (k × k).</param>
    /// <param name="stride">Stride s on both axes.</param>
    /// <param name="padding">Zero padding (default <see cref="Padding.None"/>).</param>
    /// <param name="dilation">Dilation d on both axes.</param>
    /// <param name="groups">Channel groups (C_in for a depthwise convolution).</param>
    /// <param name="bias">Whether to add a bias.</param>
    /// <param name="weightInit">Initializer for the weight (default: PyTorch's U(±1/√fan_in), fan_in = C_in/groups · k_h · k_w).</param>
    /// <param name="biasInit">Initializer for the bias (default: PyTorch's).</param>
    public Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, Padding? padding = null, int dilation = 1, int groups = 1, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), padding, (dilation, dilation), groups, bias, weightInit, biasInit)
    {
    }

    /// <summary>Creates the layer with a kernel, stride and dilation per axis (height, width).</summary>
    /// <param name="inChannels">Input channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="kernel">Kernel size (k_h, k_w).</param>
    /// <param name="stride">Stride (s_h, s_w).</param>
    /// <param name="padding">Zero padding (default <see cref="Padding.None"/>).</param>
    /// <param name="dilation">Dilation (d_h, d_w).</param>
    /// <param name="groups">Channel groups (C_in for a depthwise convolution).</param>
    /// <param name="bias">Whether to add a bias.</param>
    /// <param name="weightInit">Initializer for the weight (default: PyTorch's).</param>
    /// <param name="biasInit">Initializer for the bias (default: PyTorch's).</param>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernel, (int H, int W) stride, Padding? padding, (int H, int W) dilation, int groups = 1, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : base("Conv2d", inChannels, outChannels, [kernel.H, kernel.W], [stride.H, stride.W], padding ?? Padding.None, [dilation.H, dilation.W], groups, bias, weightInit, biasInit)
    {
    }
}
