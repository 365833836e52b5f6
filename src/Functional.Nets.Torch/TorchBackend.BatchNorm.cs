using System.Runtime.InteropServices;
using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>Batch normalization as libtorch's fused kernel, differentiated by libtorch autograd.</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// libtorch's fused <c>batch_norm</c> kernel in training mode, y = (x − μ)/√(σ² + ε)·γ + β with μ and σ² (biased)
    /// over every axis but 1, differentiated by libtorch's own backward formula for it: a gradient path written by
    /// PyTorch's authors, independent of the Reference backend's hand-derived VJP (DESIGN.md, "Why two independent
    /// gradient paths"). The batch's μ and σ² come back detached, read from the kernel's
    /// own statistics (the layer updates its running statistics from them, functionally). Measured on bench (h)'s CNN step: the composed form's eight
    /// elementwise ops over [128, 32, 28, 28] took 3–4× the fused kernel's time, forward alone.
    /// </remarks>
    public override (Tensor Output, Tensor Mean, Tensor Variance) BatchNormTrain(Tensor x, Tensor gamma, Tensor beta, double epsilon)
    {
        var input = Native(x, "batch_norm");
        var g = Native(gamma, "batch_norm");
        var b = Native(beta, "batch_norm");
        var channels = x.Shape[1];
        try
        {
            using var scope = torch.NewDisposeScope();
            // Fresh [C] buffers with momentum 1: the kernel writes the batch's μ and its unbiased σ²·M/(M − 1)
            // into them while it normalizes, so the statistics cost no second pass over x. These buffers are ours
            // alone; nothing the caller holds changes.
            var count = checked(x.Shape.Size / channels);
            var meanOut = torch.zeros(channels, input.dtype, input.device);
            var unbiased = torch.zeros(channels, input.dtype, input.device);
            var y = torch.nn.functional.batch_norm(input, meanOut, unbiased, g, b, training: true, momentum: 1.0, eps: epsilon);
            using Scalar biasedScale = (double)(count - 1) / count;
            var varianceOut = unbiased.mul(biasedScale);
            scope.MoveToOuter(y, meanOut, varianceOut);
            return (Make(y, x.Shape), Make(meanOut, new Shape(channels)), Make(varianceOut, new Shape(channels)));
        }
        catch (ExternalException e)
        {
            throw Failure("batch_norm", e, x.Shape, gamma.Shape, beta.Shape);
        }
    }
}
