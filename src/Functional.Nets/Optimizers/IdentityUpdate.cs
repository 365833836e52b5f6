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
}
