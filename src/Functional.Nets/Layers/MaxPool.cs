namespace Functional.Nets;

/// <summary>
/// 2-d max pooling of [N, C, H, W], as <c>nn.MaxPool2d</c>: each output entry is the maximum of its window (the padding
/// is −∞). Output size per axis: <c>out = ⌊(L + 2p − d(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1</c>, less one in ceil
/// mode when the last window would start in the right padding (<see cref="PoolWindow"/>). The gradient goes to the
/// first maximum of each window (PyTorch's choice on ties; a tie is a kink). No parameters.
/// </summary>
/// <param name="window">Kernel, stride (default: the kernel), padding (at most half the kernel), dilation, ceil mode.</param>
public sealed class MaxPool2d(PoolWindow window) : Layer
{
    /// <summary>A square window: <c>new MaxPool2d(2)</c> halves H and W.</summary>
    public MaxPool2d(int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this(PoolingShapes.Window("MaxPool2d", () => PoolWindow.Square(kernel, stride, padding, dilation, ceilMode)))
    {
    }

    /// <summary>The window.</summary>
    public PoolWindow Window { get; } = (window ?? throw new ArgumentNullException(nameof(window))).Checked();

    /// <inheritdoc />
    public override string Describe() => $"MaxPool2d({Window.Describe()})";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">Not [N, C, H, W], or the window does not fit.</exception>
    public override Shape OutputShape(Shape input) => PoolingShapes.Checked(this, input, "[N, C, H, W]", () => Tensor.PoolShape("max_pool2d", input, Window, 4, dilated: true).Output);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = OutputShape(input.Shape);
        return (input.MaxPool2d(Window), state);
    }
}

/// <summary>
/// 1-d max pooling of [N, C, L], as <c>nn.MaxPool1d</c>: out = ⌊(L + 2p − d(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1
/// (see <see cref="PoolWindow"/>); the gradient goes to the first maximum of each window. No parameters.
/// </summary>
/// <param name="kernel">k ≥ 1.</param>
/// <param name="stride">s ≥ 1 (default: k).</param>
/// <param name="padding">0 ≤ p ≤ k/2, −∞ on both sides.</param>
/// <param name="dilation">d ≥ 1.</param>
/// <param name="ceilMode">Round the output length up.</param>
public sealed class MaxPool1d(int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) : Layer
{
    /// <summary>The window (<see cref="PoolWindow.Line"/>).</summary>
    public PoolWindow Window { get; } = PoolingShapes.Window("MaxPool1d", () => PoolWindow.Line(kernel, stride, padding, dilation, ceilMode));

    /// <inheritdoc />
    public override string Describe() => $"MaxPool1d({Window.Describe(oneD: true)})";

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">Not [N, C, L], or the window does not fit.</exception>
    public override Shape OutputShape(Shape input) => PoolingShapes.Checked(this, input, "[N, C, L]", () => Tensor.PoolShape("max_pool1d", input, Window, 3, dilated: true).Output);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = OutputShape(input.Shape);
        return (input.MaxPool1d(Window), state);
    }
}
