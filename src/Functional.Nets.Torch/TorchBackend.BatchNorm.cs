using System.Runtime.InteropServices;
using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>Batch normalization composed of libtorch ops, so that libtorch autograd differentiates it.</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Deliberately not libtorch's fused <c>batch_norm</c> kernel and not the Reference backend's VJP: the
    /// forward pass is written from elementary ops, μ = mean(x), σ² = var(x, unbiased: false),
    /// y = (x − μ)/√(σ² + ε)·γ + β, over every axis but 1, and autograd derives the backward pass from them.
    /// That keeps this gradient path independent of the Reference backend's hand-derived one (DESIGN.md, "Why
    /// two independent gradient paths"). μ and σ² are returned detached. Intermediates are released before
    /// returning; the graph keeps what backward needs.
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
            using Scalar eps = epsilon;
            using Scalar one = 1.0; // explicit α for add, kept alive during the native call (see Binary)

            // Reduce over every axis but the channel axis; γ and β broadcast as [1, C, 1, ...].
            var axes = Enumerable.Range(0, x.Shape.Rank).Where(d => d != 1).Select(d => (long)d).ToArray();
            var view = Enumerable.Range(0, x.Shape.Rank).Select(d => d == 1 ? (long)channels : 1L).ToArray();
            var mean = input.mean(axes, keepdim: true);
            var variance = input.var(axes, unbiased: false, keepdim: true);
            var normalized = input.sub(mean).div(variance.add(eps, one).sqrt());
            var y = normalized.mul(g.reshape(view)).add(b.reshape(view), one);
            var meanOut = mean.detach().reshape(channels);
            var varianceOut = variance.detach().reshape(channels);
            scope.MoveToOuter(y, meanOut, varianceOut);
            return (Make(y, x.Shape), Make(meanOut, new Shape(channels)), Make(varianceOut, new Shape(channels)));
        }
        catch (ExternalException e)
        {
            throw Failure("batch_norm", e, x.Shape, gamma.Shape, beta.Shape);
        }
    }
}
