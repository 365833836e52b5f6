using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>Pooling as libtorch's <c>max_pool2d</c>, <c>avg_pool2d</c> and <c>adaptive_avg_pool2d</c>, differentiated by autograd.</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    public override Tensor MaxPool2d(Tensor a, PoolWindow window) =>
        Run("max_pool2d", [a.Shape], () =>
        {
            var y = torch.nn.functional.max_pool2d(
                Native(a, "max_pool2d"), [window.KernelH, window.KernelW], [window.StrideH, window.StrideW], [window.PaddingH, window.PaddingW],
                [window.DilationH, window.DilationW], window.CeilMode);
            return Make(y, new Shape(a.Shape[0], a.Shape[1], window.OutputH(a.Shape[2]), window.OutputW(a.Shape[3])));
        });

    /// <inheritdoc />
    public override Tensor AvgPool2d(Tensor a, PoolWindow window, bool countIncludePad) =>
        Run("avg_pool2d", [a.Shape], () =>
        {
            var y = torch.nn.functional.avg_pool2d(
                Native(a, "avg_pool2d"), [window.KernelH, window.KernelW], [window.StrideH, window.StrideW], [window.PaddingH, window.PaddingW],
                window.CeilMode, countIncludePad);
            return Make(y, new Shape(a.Shape[0], a.Shape[1], window.OutputH(a.Shape[2]), window.OutputW(a.Shape[3])));
        });

    /// <inheritdoc />
    public override Tensor AdaptiveAvgPool2d(Tensor a, int outH, int outW) =>
        Run("adaptive_avg_pool2d", [a.Shape], () =>
            Make(torch.nn.functional.adaptive_avg_pool2d(Native(a, "adaptive_avg_pool2d"), [outH, outW]), new Shape(a.Shape[0], a.Shape[1], outH, outW)));
}
