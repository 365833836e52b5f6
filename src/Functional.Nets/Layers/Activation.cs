namespace Functional.Nets;

/// <summary>
/// A parameter-free, shape-preserving layer that applies a function elementwise (or along the last
/// axis, for softmax). Each subclass is a one-line forward; derivatives live in the backends.
/// </summary>
public abstract class Activation : Layer
{
    /// <summary>The function itself.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => input;

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        OutputShape(input.Shape);
        return (Forward(input), state);
    }
}

/// <summary>y = x.</summary>
public sealed class Identity : Activation
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x;

    /// <inheritdoc />
    public override string Describe() => "Identity";
}

/// <summary>y = 1 / (1 + e^(−x)).</summary>
public sealed class Sigmoid : Activation
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.Sigmoid();

    /// <inheritdoc />
    public override string Describe() => "Sigmoid";
}

/// <summary>y = tanh x.</summary>
public sealed class Tanh : Activation
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.Tanh();

    /// <inheritdoc />
    public override string Describe() => "Tanh";
}

/// <summary>y = max(x, 0).</summary>
public sealed class ReLU : Activation
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.Relu();

    /// <inheritdoc />
    public override string Describe() => "ReLU";
}

/// <summary>y = x for x &gt; 0, αx otherwise, with 0 ≤ α &lt; 1 (PyTorch's default α = 0.01).</summary>
public sealed class LeakyReLU : Activation
{
    /// <summary>Creates the layer; α must lie in [0, 1).</summary>
    public LeakyReLU(double alpha = 0.01)
    {
        if (!(alpha >= 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"LeakyReLU: α must lie in [0, 1), got {alpha}");
        }

        Alpha = alpha;
    }

    /// <summary>The slope for negative inputs.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.LeakyRelu(Alpha);

    /// <inheritdoc />
    public override string Describe() => $"LeakyReLU({Alpha:G})";
}

/// <summary>y = x for x &gt; 0, α(eˣ − 1) otherwise, with α &gt; 0 (Clevert et al. 2015; default α = 1).</summary>
public sealed class ELU : Activation
{
    /// <summary>Creates the layer; α must be positive and finite.</summary>
    public ELU(double alpha = 1.0)
    {
        if (!(alpha > 0 && double.IsFinite(alpha)))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"ELU: α must be positive and finite, got {alpha}");
        }

        Alpha = alpha;
    }

    /// <summary>The saturation value for large negative inputs is −α.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.Elu(Alpha);

    /// <inheritdoc />
    public override string Describe() => $"ELU({Alpha:G})";
}

/// <summary>softmax along the last axis: yᵢ = e^(xᵢ) / Σⱼ e^(xⱼ).</summary>
public sealed class Softmax : Activation
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.Softmax(-1);

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) =>
        input.Rank >= 1 ? input : throw new LayerShapeException(Describe(), "", "[*, classes]", input);

    /// <inheritdoc />
    public override string Describe() => "Softmax";
}

/// <summary>log-softmax along the last axis: yᵢ = xᵢ − ln Σⱼ e^(xⱼ), computed with the max shift.</summary>
public sealed class LogSoftmax : Activation
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => x.LogSoftmax(-1);

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) =>
        input.Rank >= 1 ? input : throw new LayerShapeException(Describe(), "", "[*, classes]", input);

    /// <inheritdoc />
    public override string Describe() => "LogSoftmax";
}
