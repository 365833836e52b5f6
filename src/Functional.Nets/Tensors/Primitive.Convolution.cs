namespace Functional.Nets;

/// <summary>The declarations of convolution and its transpose (for traces and tape labels).</summary>
public sealed partial record Primitive
{
    /// <summary>Cross-correlation with padding, stride, dilation and groups (PyTorch's conv1d/conv2d).</summary>
    public static readonly Primitive Convolution = new(
        "Convolution",
        "y[n, o, p] = b[o] + Σ_{c,k} w[o, c, k] · x[n, c, p·s + k·d − pad]",
        "linear in x, w and b; as products: Y = W · im2col(X)",
        ["x̄ = col2im(Wᵀ Ȳ): the full convolution of ȳ with the flipped kernel", "w̄ = Ȳ · im2col(X)ᵀ: the correlation of x and ȳ", "b̄ = Σ_{n,p} ȳ"]);

    /// <summary>The transposed convolution (PyTorch's conv_transpose1d/conv_transpose2d).</summary>
    public static readonly Primitive ConvolutionTranspose = new(
        "ConvolutionTranspose",
        "y[n, o, q·s + k·d − pad] += w[c, o, k] · x[n, c, q], plus b[o]",
        "linear in x, w and b; as products: Y = col2im(Wᵀ X)",
        ["x̄ = W · im2col(Ȳ): a convolution of ȳ", "w̄ = X · im2col(Ȳ)ᵀ", "b̄ = Σ_{n,q} ȳ"]);
}
