namespace Functional.Nets;

/// <summary>
/// Convolution and its transpose, N-d over the trailing spatial axes (1-d and 2-d layers use them; the core accepts 1 to
/// 3 spatial axes). The core (<see cref="Tensor.Conv"/>, <see cref="Tensor.ConvTranspose"/>) checks every argument and
/// computes the result shape before it calls these, so a backend sees only valid input.
/// </summary>
public abstract partial class Backend
{
    /// <summary>
    /// The cross-correlation of PyTorch's <c>conv1d</c>/<c>conv2d</c>: input [N, C_in, *S], weight [C_out, C_in/groups, *K],
    /// optional bias [C_out], zero padding <paramref name="padBefore"/>[i] before and <paramref name="padAfter"/>[i]
    /// after spatial axis i (possibly asymmetric), <paramref name="stride"/>, <paramref name="dilation"/> and
    /// <paramref name="groups"/>: y[n, o, p] = b[o] + Σ_{c, k} w[o, c, k] · x_padded[n, g(o)·C_in/groups + c, p·s + k·d].
    /// </summary>
    public abstract Tensor Conv(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padBefore, int[] padAfter, int[] dilation, int groups, Shape resultShape);

    /// <summary>
    /// The transposed convolution of PyTorch's <c>conv_transpose1d</c>/<c>conv_transpose2d</c> (the adjoint of
    /// <see cref="Conv"/> in its input): input [N, C_in, *S], weight [C_in, C_out/groups, *K], optional bias [C_out];
    /// each input entry spreads w-weighted copies to y[n, o, q·s + k·d − padding], and the output has
    /// (S − 1)·s − 2·padding + d·(K − 1) + outputPadding + 1 entries along each spatial axis.
    /// </summary>
    public abstract Tensor ConvTranspose(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups, Shape resultShape);
}
