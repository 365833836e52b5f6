namespace Functional.Nets;

/// <summary>
/// The lecture's convolution arithmetic, one spatial axis at a time, in checked arithmetic (an overflow throws rather
/// than wrapping). Layers and the core both size their outputs here, so a layer's <c>OutputShape</c> and the
/// primitive's result cannot disagree.
/// </summary>
public static class ConvolutionArithmetic
{
    /// <summary>
    /// The output size of a convolution along one axis: ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1, or a value
    /// ≤ 0 when the dilated kernel d·(k − 1) + 1 is larger than the padded input (no output).
    /// </summary>
    public static long OutputSize(int input, int kernel, int stride, int padBefore, int padAfter, int dilation)
    {
        var padded = checked((long)input + padBefore + padAfter);
        var span = DilatedKernel(kernel, dilation);
        return padded < span ? 0 : checked(((padded - span) / stride) + 1);
    }

    /// <summary>The output size of a transposed convolution along one axis: (n − 1)·s − 2·p + d·(k − 1) + output_padding + 1.</summary>
    public static long TransposeOutputSize(int input, int kernel, int stride, int padding, int outputPadding, int dilation) =>
        checked(((long)input - 1) * stride - 2L * padding + DilatedKernel(kernel, dilation) + outputPadding);

    /// <summary>The extent of a dilated kernel, d·(k − 1) + 1.</summary>
    public static long DilatedKernel(int kernel, int dilation) => checked(((long)dilation * (kernel - 1)) + 1);
}
