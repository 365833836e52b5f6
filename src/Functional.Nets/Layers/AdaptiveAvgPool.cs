namespace Functional.Nets;

/// <summary>
/// Adaptive average pooling of [N, C, H, W] to [N, C, outH, outW], as <c>nn.AdaptiveAvgPool2d</c>: output row p averages
/// input rows ⌊p·H/outH⌋ ≤ r &lt; ⌈(p + 1)·H/outH⌉ (columns likewise), so any input size gives the same output size.
/// <see cref="Global"/> (1 × 1) is global average pooling. No parameters.
/// </summary>
public sealed class AdaptiveAvgPool2d : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="outH">Output height ≥ 1.</param>
    /// <param name="outW">Output width ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">An output size below 1.</exception>
    public AdaptiveAvgPool2d(int outH, int outW)
    {
        if (outH < 1 || outW < 1)
        {
            throw new ArgumentOutOfRangeException(outH < 1 ? nameof(outH) : nameof(outW), $"({outH}, {outW})", $"AdaptiveAvgPool2d: the output size must be at least 1 per axis, got ({outH}, {outW})");
        }

        (OutH, OutW) = (outH, outW);
    }

    /// <summary>Global average pooling: [N, C, H, W] → [N, C, 1, 1], the mean of each channel's plane.</summary>
    public static AdaptiveAvgPool2d Global => new(1, 1);

    /// <summary>Output height.</summary>
    public int OutH { get; }

    /// <summary>Output width.</summary>
    public int OutW { get; }

    /// <inheritdoc />
    public override string Describe() => $"AdaptiveAvgPool2d(({OutH}, {OutW}))";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">Not a non-empty [N, C, H, W].</exception>
    public override Shape OutputShape(Shape input) => PoolingShapes.Checked(this, input, "[N, C, H, W]", () => Tensor.AdaptiveShape("adaptive_avg_pool2d", input, 4, OutH, OutW));

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = OutputShape(input.Shape);
        return (input.AdaptiveAvgPool2d(OutH, OutW), state);
    }
}

/// <summary>
/// Adaptive average pooling of [N, C, L] to [N, C, out], as <c>nn.AdaptiveAvgPool1d</c>: output entry o averages input
/// positions ⌊o·L/out⌋ ≤ i &lt; ⌈(o + 1)·L/out⌉. No parameters.
/// </summary>
public sealed class AdaptiveAvgPool1d : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="output">Output length ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">An output length below 1.</exception>
    public AdaptiveAvgPool1d(int output)
    {
        Output = output >= 1 ? output : throw new ArgumentOutOfRangeException(nameof(output), output, $"AdaptiveAvgPool1d: the output size must be at least 1, got {output}");
    }

    /// <summary>Output length.</summary>
    public int Output { get; }

    /// <inheritdoc />
    public override string Describe() => $"AdaptiveAvgPool1d({Output})";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">Not a non-empty [N, C, L].</exception>
    public override Shape OutputShape(Shape input) => PoolingShapes.Checked(this, input, "[N, C, L]", () => Tensor.AdaptiveShape("adaptive_avg_pool1d", input, 3, 1, Output));

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = OutputShape(input.Shape);
        return (input.AdaptiveAvgPool1d(Output), state);
    }
}
