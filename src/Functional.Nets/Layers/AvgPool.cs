namespace Functional.Nets;

/// <summary>
/// 2-d average pooling of [N, C, H, W], as <c>nn.AvgPool2d</c>: each output entry is its window's sum over the divisor D,
/// the window's size within the zero-padded input (<see cref="CountIncludePad"/>, PyTorch's default) or within the input
/// itself. Output size per axis: <c>out = ⌊(L + 2p − k + (ceil ? s − 1 : 0)) / s⌋ + 1</c>, less one in ceil mode when the
/// last window would start in the right padding. The gradient spreads ȳ/D over each window. No parameters.
/// </summary>
public sealed class AvgPool2d : Layer
{
    /// <summary>Creates the layer from a window without dilation.</summary>
    /// <param name="window">Kernel, stride (default: the kernel), padding (at most half the kernel), ceil mode.</param>
    /// <param name="countIncludePad">Whether the divisor counts the padding.</param>
    /// <exception cref="ArgumentException">The window has a dilation.</exception>
    public AvgPool2d(PoolWindow window, bool countIncludePad = true)
    {
        Window = (window ?? throw new ArgumentNullException(nameof(window))).Checked();
        if (Window.DilationH != 1 || Window.DilationW != 1)
        {
            throw new ArgumentException($"AvgPool2d: average pooling has no dilation, expected dilation 1, got {Window.Describe()}", nameof(window));
        }

        CountIncludePad = countIncludePad;
    }

    /// <summary>A square window: <c>new AvgPool2d(2)</c> halves H and W.</summary>
    public AvgPool2d(int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : this(PoolingShapes.Window("AvgPool2d", () => PoolWindow.Square(kernel, stride, padding, 1, ceilMode)), countIncludePad)
    {
    }

    /// <summary>The window.</summary>
    public PoolWindow Window { get; }

    /// <summary>Whether the divisor counts the zero padding.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc />
    public override string Describe() => $"AvgPool2d({Window.Describe()}{(CountIncludePad ? "" : ", count_include_pad=false")})";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">Not [N, C, H, W], or the window does not fit.</exception>
    public override Shape OutputShape(Shape input) => PoolingShapes.Checked(this, input, "[N, C, H, W]", () => Tensor.PoolShape("avg_pool2d", input, Window, 4, dilated: false).Output);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = OutputShape(input.Shape);
        return (input.AvgPool2d(Window, CountIncludePad), state);
    }
}

/// <summary>
/// 1-d average pooling of [N, C, L], as <c>nn.AvgPool1d</c>: out = ⌊(L + 2p − k + (ceil ? s − 1 : 0)) / s⌋ + 1 (less one
/// in ceil mode when the last window would start in the right padding); the divisor as <see cref="AvgPool2d"/>.
/// </summary>
/// <param name="kernel">k ≥ 1.</param>
/// <param name="stride">s ≥ 1 (default: k).</param>
/// <param name="padding">0 ≤ p ≤ k/2, zeros on both sides.</param>
/// <param name="ceilMode">Round the output length up.</param>
/// <param name="countIncludePad">Whether the divisor counts the padding.</param>
public sealed class AvgPool1d(int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) : Layer
{
    /// <summary>The window (<see cref="PoolWindow.Line"/>).</summary>
    public PoolWindow Window { get; } = PoolingShapes.Window("AvgPool1d", () => PoolWindow.Line(kernel, stride, padding, 1, ceilMode));

    /// <summary>Whether the divisor counts the zero padding.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc />
    public override string Describe() => $"AvgPool1d({Window.Describe(oneD: true)}{(CountIncludePad ? "" : ", count_include_pad=false")})";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">Not [N, C, L], or the window does not fit.</exception>
    public override Shape OutputShape(Shape input) => PoolingShapes.Checked(this, input, "[N, C, L]", () => Tensor.PoolShape("avg_pool1d", input, Window, 3, dilated: false).Output);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = OutputShape(input.Shape);
        return (input.AvgPool1d(Window, CountIncludePad), state);
    }
}
