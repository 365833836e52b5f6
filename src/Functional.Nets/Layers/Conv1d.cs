namespace Functional.Nets;

/// <summary>
/// A 1-d convolution as PyTorch's <c>nn.Conv1d</c>: input [N, C_in, L] gives [N, C_out, L_out] with
/// L_out = ⌊(L + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1; parameters <c>weight</c> [C_out, C_in/groups, k] and
/// <c>bias</c> [C_out].
/// </summary>
public sealed class Conv1d : ConvolutionLayer
{
    /// <summary>Creates the layer; by default weight and bias are drawn from U(±1/√fan_in), fan_in = C_in/groups · k, as PyTorch does.</summary>
    /// <param name="inChannels">Input channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="kernel">Kernel size k.</param>
    /// <param name="stride">Stride s.</param>
    /// <param name="padding">Zero padding (default <see cref="Padding.None"/>).</param>
    /// <param name="dilation">Dilation d.</param>
    /// <param name="groups">Channel groups (C_in for a depthwise convolution).</param>
    /// <param name="bias">Whether to add a bias.</param>
    /// <param name="weightInit">Initializer for the weight (default: PyTorch's).</param>
    /// <param name="biasInit">Initializer for the bias (default: PyTorch's).</param>
    public Conv1d(int inChannels, int outChannels, int kernel, int stride = 1, Padding? padding = null, int dilation = 1, int groups = 1, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
        : base("Conv1d", inChannels, outChannels, [kernel], [stride], padding ?? Padding.None, [dilation], groups, bias, weightInit, biasInit)
    {
    }
}
