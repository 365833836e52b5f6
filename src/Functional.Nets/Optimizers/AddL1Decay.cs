namespace Functional.Nets;

/// <summary>
/// L1 weight decay: u = g + λ·sign(θ), the (sub)gradient of the penalty λ‖θ‖₁ with sign(0) taken as 0 (as
/// <see cref="Penalties.L1"/> differentiates and as <c>torch.sign</c> gives). Put it first in a chain to add the
/// penalty to the loss's gradient. PyTorch's optimizers have no L1 option; users add λ‖θ‖₁ to the loss.
/// Stateless.
/// </summary>
/// <remarks>
/// sign(θ) is built from the backend's primitives as θ / (|θ| + δ) with δ the smallest normal number, exactly
/// ±1 for |θ| ≥ 2⁵³δ (about 2·10⁻²⁹² in float64, 2·10⁻³¹ in float32) and 0 at θ = 0.
/// </remarks>
public sealed class AddL1Decay : Optimizer
{
    /// <summary>Creates the transformation with decay λ = <paramref name="weightDecay"/> ≥ 0.</summary>
    public AddL1Decay(double weightDecay)
    {
        if (!(weightDecay >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "AddL1Decay: λ must be non-negative");
        }

        WeightDecay = weightDecay;
    }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Empty;

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters) =>
        (Leafwise.Zip(gradients, parameters, (g, p) => g + p.Sign() * WeightDecay), TensorTree.Empty);

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"AddL1Decay(λ={WeightDecay:G})");
}
