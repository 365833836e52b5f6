namespace Functional.Nets;

/// <summary>
/// u = g: the transformation that changes nothing and keeps no state (optax's <c>identity</c>).
/// The neutral element of <see cref="Chain"/>: <c>Chain(IdentityUpdate, X)</c> moves the parameters exactly as X does.
/// </summary>
public sealed class IdentityUpdate : Optimizer
{
    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Empty;

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters) =>
        (gradients, TensorTree.Empty);

    /// <inheritdoc />
    public override string Describe() => "Identity";

    /// <inheritdoc />
    /// <remarks>u = 1·g: a scaling by 1, so a <see cref="Chain"/> folds it away and Chain(identity, X) steps exactly as X.</remarks>
    internal override bool TryScale(TensorTree state, out double factor, out TensorTree next)
    {
        factor = 1;
        next = TensorTree.Empty;
        return true;
    }
}
