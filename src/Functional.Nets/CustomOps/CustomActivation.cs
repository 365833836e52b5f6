namespace Functional.Nets;

/// <summary>
/// A parameter-free layer that applies a one-input, shape-preserving <see cref="CustomOp"/>, so a user-defined
/// activation (with its hand-written VJP on the Reference backend) sits in a <see cref="Sequential"/> like a built-in one.
/// </summary>
public sealed class CustomActivation : Activation
{
    /// <summary>Wraps <paramref name="op"/>, which must take one input.</summary>
    /// <exception cref="ArgumentException">The op takes more than one input.</exception>
    public CustomActivation(CustomOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.Arity != 1)
        {
            throw new ArgumentException($"CustomActivation: custom op '{op.Name}' takes {op.Arity} inputs; an activation takes one", nameof(op));
        }

        Op = op;
    }

    /// <summary>The op applied.</summary>
    public CustomOp Op { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => Op.Apply(x);

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => Op.OutputShape([input]);

    /// <inheritdoc />
    public override string Describe() => Op.Name;
}
