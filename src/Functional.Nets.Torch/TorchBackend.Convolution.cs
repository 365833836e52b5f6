using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// Convolution and its transpose on libtorch: <c>torch.nn.functional.conv1d/2d/3d</c> and
/// <c>conv_transpose1d/2d/3d</c>, differentiated by autograd. libtorch pads symmetrically only, so an asymmetric
/// padding is applied first with <c>F.pad</c> (zeros) and the convolution then runs unpadded.
/// </summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    public override Tensor Conv(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padBefore, int[] padAfter, int[] dilation, int groups, Shape resultShape)
    {
        var op = $"conv{stride.Length}d";
        return Run(op, bias is null ? [input.Shape, weight.Shape] : [input.Shape, weight.Shape, bias.Shape], () =>
        {
            var x = Native(input, op);
            var w = Native(weight, op);
            var b = bias is null ? null : Native(bias, op);
            var symmetric = padBefore.SequenceEqual(padAfter);
            TorchTensor? padded = null;
            if (!symmetric)
            {
                // F.pad's list runs from the last axis to the first: (before, after) of the last axis, then the one before it.
                var pads = new long[2 * padBefore.Length];
                for (var d = 0; d < padBefore.Length; d++)
                {
                    pads[2 * d] = padBefore[padBefore.Length - 1 - d];
                    pads[2 * d + 1] = padAfter[padBefore.Length - 1 - d];
                }

                padded = torch.nn.functional.pad(x, pads, PaddingModes.Constant, 0.0);
            }

            try
            {
                var source = padded ?? x;
                var s = Longs(stride);
                var p = symmetric ? Longs(padBefore) : new long[stride.Length];
                var d = Longs(dilation);
                if (stride.Length == 1)
                {
                    // conv1d as conv2d over [N, C, 1, L]: TorchSharp's conv1d takes stride, padding and dilation as
                    // three longs in a row, which the compiler cannot tell apart; the 2-d call's arrays can.
                    using var x2 = source.unsqueeze(2);
                    using var w2 = w.unsqueeze(2);
                    using var y2 = torch.nn.functional.conv2d(x2, w2, b, [1, s[0]], [0, p[0]], [1, d[0]], groups);
                    return Make(y2.squeeze(2), resultShape);
                }

                if (stride.Length == 2)
                {
                    // NCHW kernels, not channels-last ones. Until 2026-12-04 a float32 CPU convolution took its kernel
                    // in channels-last layout (a permuted copy) so that oneDNN, batch norm and pooling ran channels-last
                    // (bench (h)'s CNN step 1.11× as fast), but with libtorch 2.10 that path corrupted the native heap
                    // for some generated CNNs: the property suite's test host died in about one run in six of the
                    // convolution tests (glibc "corrupted size vs. prev_size", or a segfault in libtorch_cpu at a
                    // later free). Limiting it to ungrouped, undilated convolutions still crashed; with every kernel
                    // NCHW the generated CNNs, repeated beside a thread forcing collections, ran clean.
                    return Make(torch.nn.functional.conv2d(source, w, b, s, p, d, groups), resultShape);
                }

                return Make(torch.nn.functional.conv3d(source, w, b, s, p, d, groups), resultShape);
            }
            finally
            {
                padded?.Dispose();
            }
        });
    }

    /// <inheritdoc />
    public override Tensor ConvTranspose(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] outputPadding, int[] dilation, int groups, Shape resultShape)
    {
        var op = $"conv_transpose{stride.Length}d";
        return Run(op, bias is null ? [input.Shape, weight.Shape] : [input.Shape, weight.Shape, bias.Shape], () =>
        {
            var x = Native(input, op);
            var w = Native(weight, op);
            var b = bias is null ? null : Native(bias, op);
            var s = Longs(stride);
            var p = Longs(padding);
            var q = Longs(outputPadding);
            var d = Longs(dilation);
            if (stride.Length == 1)
            {
                // As conv_transpose2d over [N, C, 1, L], for the same reason as conv1d above.
                using var x2 = x.unsqueeze(2);
                using var w2 = w.unsqueeze(2);
                using var y2 = torch.nn.functional.conv_transpose2d(x2, w2, b, [1, s[0]], [0, p[0]], [0, q[0]], [1, d[0]], groups);
                return Make(y2.squeeze(2), resultShape);
            }

            var y = stride.Length == 2
                ? torch.nn.functional.conv_transpose2d(x, w, b, s, p, q, d, groups)
                : torch.nn.functional.conv_transpose3d(x, w, b, s, p, q, d, groups);
            return Make(y, resultShape);
        });
    }

    private static long[] Longs(int[] values) => values.Select(v => (long)v).ToArray();
}
