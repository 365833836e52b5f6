namespace Functional.Nets.Reference;

/// <summary>Convolution and its transpose on the Reference backend: im2col onto MathNet products (<see cref="Convolution"/>).</summary>
public sealed partial class ReferenceBackend
{
    /// <summary>y = W · im2col(x) + b; VJP x̄ = col2im(Wᵀ Ȳ), w̄ = Ȳ · im2col(x)ᵀ, b̄ = Σ ȳ (derivation in <see cref="Convolution"/>).</summary>
    public override Tensor Conv(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padBefore, int[] padAfter, int[] dilation, int groups, Shape resultShape)
    {
        var x = Data(input).Values;
        var w = Data(weight).Values;
        var b = bias is null ? null : Data(bias).Values;
        var y = Reference.Convolution.Forward(x, w, b, input.Shape, weight.Shape, resultShape, stride, padBefore, dilation, groups);
        Tensor[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        return Record(resultShape, y, inputs, g =>
        {
            var grads = Reference.Convolution.Vjp(g, x, w, bias is not null, input.Shape, weight.Shape, resultShape, stride, padBefore, dilation, groups);
            return bias is null ? grads[..2] : grads;
        }, Primitive.Convolution.Name);
    }

    /// <summary>y = col2im(Wᵀ x) + b; VJP x̄ = W · im2col(Ȳ), w̄ = x · im2col(Ȳ)ᵀ, b̄ = Σ ȳ.</summary>
    public override Tensor ConvTranspose(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups, Shape resultShape)
    {
        var x = Data(input).Values;
        var w = Data(weight).Values;
        var b = bias is null ? null : Data(bias).Values;
        var y = Reference.Convolution.TransposeForward(x, w, b, input.Shape, weight.Shape, resultShape, stride, padding, dilation, groups);
        Tensor[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        return Record(resultShape, y, inputs, g =>
        {
            var grads = Reference.Convolution.TransposeVjp(g, x, w, bias is not null, input.Shape, weight.Shape, resultShape, stride, padding, dilation, groups);
            return bias is null ? grads[..2] : grads;
        }, Primitive.ConvolutionTranspose.Name);
    }
}
