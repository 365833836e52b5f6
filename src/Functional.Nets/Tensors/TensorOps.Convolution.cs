namespace Functional.Nets;

/// <summary>
/// Convolution and transposed convolution, checked before dispatch: every bad argument is refused here, in the core,
/// with a message naming the operation (<c>conv1d</c>, <c>conv2d</c>, <c>conv_transpose2d</c>, …), the expected and
/// the actual, so every backend gives the same message word for word.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// The cross-correlation of PyTorch's <c>conv1d</c>/<c>conv2d</c> on this input [N, C_in, *S] with
    /// <paramref name="weight"/> [C_out, C_in/groups, *K] and an optional <paramref name="bias"/> [C_out]. Along each
    /// spatial axis the output has ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1 entries
    /// (<see cref="ConvolutionArithmetic.OutputSize"/>).
    /// </summary>
    /// <param name="weight">The kernels, [C_out, C_in/groups, *K] (1 to 3 spatial axes).</param>
    /// <param name="bias">An optional bias [C_out].</param>
    /// <param name="stride">The step per spatial axis (≥ 1; default 1).</param>
    /// <param name="padding">Zeros (before, after) per spatial axis, may be asymmetric (≥ 0; default none).</param>
    /// <param name="dilation">The spacing of kernel taps per spatial axis (≥ 1; default 1).</param>
    /// <param name="groups">Channel groups (C_in and C_out divide by it; C_in groups is depthwise).</param>
    /// <exception cref="ShapeMismatchException">Shapes disagree, or the dilated kernel is larger than the padded input.</exception>
    /// <exception cref="ArgumentException">A stride, padding, dilation or group count is out of range.</exception>
    public Tensor Conv(Tensor weight, Tensor? bias = null, int[]? stride = null, IReadOnlyList<(int Before, int After)>? padding = null, int[]? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var (op, r, s, d) = ConvCommon("conv", weight, bias, stride, dilation, groups);
        var cIn = Shape[1];
        var cOut = weight.Shape[0];
        var pads = padding ?? Enumerable.Repeat((0, 0), r).ToArray();
        if (pads.Count != r || pads.Any(p => p.Before < 0 || p.After < 0))
        {
            throw new ArgumentException($"{op}: expected {r} non-negative (before, after) padding pairs, got [{string.Join(", ", pads)}]", nameof(padding));
        }

        if (cIn % groups != 0 || cOut % groups != 0)
        {
            throw new ShapeMismatchException(
                $"{op}: channels must divide into {groups} groups, but input {Shape} has {cIn} input channels and weight {weight.Shape} has {cOut} output channels");
        }

        if (weight.Shape[1] != cIn / groups)
        {
            throw new ShapeMismatchException(
                $"{op}: weight {weight.Shape} expects {checked((long)weight.Shape[1] * groups)} input channels ({weight.Shape[1]} per group × {groups} groups), input {Shape} has {cIn}");
        }

        RequireBias(op, bias, cOut, weight);
        var dims = new int[r + 2];
        dims[0] = Shape[0];
        dims[1] = cOut;
        for (var i = 0; i < r; i++)
        {
            var n = Shape[i + 2];
            var k = weight.Shape[i + 2];
            var size = ConvolutionArithmetic.OutputSize(n, k, s[i], pads[i].Before, pads[i].After, d[i]);
            if (size <= 0)
            {
                throw new ShapeMismatchException(
                    $"{op}: along spatial axis {i} the kernel ({k} taps, dilation {d[i]}, extent {ConvolutionArithmetic.DilatedKernel(k, d[i])}) is larger than the padded input ({n} + {pads[i].Before} + {pads[i].After} = {(long)n + pads[i].Before + pads[i].After}), which leaves no output; input {Shape}, weight {weight.Shape}");
            }

            dims[i + 2] = checked((int)size);
        }

        var shape = new Shape(dims);
        _ = checked((int)shape.Size);
        return Backend.Conv(this, weight, bias, s, pads.Select(p => p.Before).ToArray(), pads.Select(p => p.After).ToArray(), d, groups, shape);
    }

    /// <summary>
    /// The transposed convolution of PyTorch's <c>conv_transpose1d</c>/<c>conv_transpose2d</c> on this input
    /// [N, C_in, *S] with <paramref name="weight"/> [C_in, C_out/groups, *K] and an optional <paramref name="bias"/>
    /// [C_out]: the adjoint of <see cref="Conv"/> in its input. Along each spatial axis the output has
    /// (n − 1)·s − 2·p + d·(k − 1) + output_padding + 1 entries (<see cref="ConvolutionArithmetic.TransposeOutputSize"/>).
    /// </summary>
    /// <param name="weight">The kernels, [C_in, C_out/groups, *K] (1 to 3 spatial axes).</param>
    /// <param name="bias">An optional bias [C_out].</param>
    /// <param name="stride">The step per spatial axis (≥ 1; default 1).</param>
    /// <param name="padding">Entries cropped from both ends of each spatial axis (≥ 0; default 0).</param>
    /// <param name="outputPadding">Extra entries at the end of each spatial axis (0 ≤ output_padding &lt; max(stride, dilation); default 0).</param>
    /// <param name="dilation">The spacing of kernel taps per spatial axis (≥ 1; default 1).</param>
    /// <param name="groups">Channel groups (C_in divides by it).</param>
    /// <exception cref="ShapeMismatchException">Shapes disagree, or the padding leaves no output.</exception>
    /// <exception cref="ArgumentException">A stride, padding, output padding, dilation or group count is out of range.</exception>
    public Tensor ConvTranspose(Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? outputPadding = null, int[]? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var (op, r, s, d) = ConvCommon("conv_transpose", weight, bias, stride, dilation, groups);
        var p = PerAxis(op, "padding", padding, r, 0, 0);
        var q = PerAxis(op, "output padding", outputPadding, r, 0, 0);
        for (var i = 0; i < r; i++)
        {
            if (q[i] >= Math.Max(s[i], d[i]))
            {
                throw new ArgumentException(
                    $"{op}: output padding {q[i]} along spatial axis {i} must be smaller than the stride ({s[i]}) or the dilation ({d[i]})", nameof(outputPadding));
            }
        }

        var cIn = Shape[1];
        if (weight.Shape[0] != cIn)
        {
            throw new ShapeMismatchException($"{op}: weight {weight.Shape} expects {weight.Shape[0]} input channels (its axis 0), input {Shape} has {cIn}");
        }

        if (cIn % groups != 0)
        {
            throw new ShapeMismatchException($"{op}: channels must divide into {groups} groups, but input {Shape} has {cIn} input channels");
        }

        var cOut = checked(weight.Shape[1] * groups);
        RequireBias(op, bias, cOut, weight);
        var dims = new int[r + 2];
        dims[0] = Shape[0];
        dims[1] = cOut;
        for (var i = 0; i < r; i++)
        {
            var size = ConvolutionArithmetic.TransposeOutputSize(Shape[i + 2], weight.Shape[i + 2], s[i], p[i], q[i], d[i]);
            if (size <= 0)
            {
                throw new ShapeMismatchException(
                    $"{op}: along spatial axis {i} padding {p[i]} leaves no output ((n − 1)·s − 2·p + d·(k − 1) + output_padding + 1 = {size}); input {Shape}, weight {weight.Shape}");
            }

            dims[i + 2] = checked((int)size);
        }

        var shape = new Shape(dims);
        _ = checked((int)shape.Size);
        return Backend.ConvTranspose(this, weight, bias, s, p, q, d, groups, shape);
    }

    // The checks both operations share; returns the operation's name with its dimension (conv2d), the number of
    // spatial axes and the stride and dilation per axis.
    private (string Op, int Rank, int[] Stride, int[] Dilation) ConvCommon(string name, Tensor weight, Tensor? bias, int[]? stride, int[]? dilation, int groups)
    {
        var r = weight.Shape.Rank - 2;
        var op = r is >= 1 and <= 3 ? $"{name}{r}d" : name;
        RequireSameBackend(op, this, weight);
        RequireFloat(op, this);
        RequireFloat(op, weight);
        if (bias is not null)
        {
            RequireSameBackend(op, this, bias);
            RequireFloat(op, bias);
        }

        if (r is < 1 or > 3)
        {
            throw new ShapeMismatchException($"{op}: weight must have 1 to 3 spatial axes ([C_out, C_in/groups, *K], rank 3 to 5), got shape {weight.Shape}");
        }

        if (Shape.Rank != r + 2)
        {
            var axes = r switch { 1 => "L", 2 => "H, W", _ => "D, H, W" };
            throw new ShapeMismatchException($"{op}: input must be [N, C, {axes}] (rank {r + 2}) for weight {weight.Shape}, got shape {Shape}");
        }

        if (groups < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"{op}: groups must be at least 1, got {groups}");
        }

        return (op, r, PerAxis(op, "stride", stride, r, 1, 1), PerAxis(op, "dilation", dilation, r, 1, 1));
    }

    private static int[] PerAxis(string op, string what, int[]? values, int r, int fallback, int least)
    {
        var v = values ?? Enumerable.Repeat(fallback, r).ToArray();
        if (v.Length != r || v.Any(x => x < least))
        {
            throw new ArgumentException($"{op}: expected {r} {what} value(s) of at least {least}, got [{string.Join(", ", v)}]", what);
        }

        return v;
    }

    private static void RequireBias(string op, Tensor? bias, int cOut, Tensor weight)
    {
        if (bias is not null && (bias.Shape.Rank != 1 || bias.Shape[0] != cOut))
        {
            throw new ShapeMismatchException($"{op}: bias must be [{cOut}] for weight {weight.Shape}, got shape {bias.Shape}");
        }
    }
}
