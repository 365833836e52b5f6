namespace Functional.Nets;

/// <summary>
/// L2 weight decay: u = g + λθ. Where it sits in a chain decides which decay it is.
/// <list type="bullet">
/// <item><description>First (before any rescaling): the gradient of the penalty ½λ‖θ‖² added to the loss, which the
/// adaptive methods then rescale with everything else. This is the <c>weight_decay</c> of <c>torch.optim.SGD</c>,
/// <c>Adagrad</c>, <c>RMSprop</c>, <c>Adadelta</c> and <c>Adam</c> (each computes <c>grad.add(param, alpha=weight_decay)</c> first).</description></item>
/// <item><description>After a direction such as <see cref="ScaleByAdam"/> and before <see cref="ScaleBySchedule"/>:
/// decoupled decay (Loshchilov and Hutter 2019), θ ← θ − α(t)(d + λθ) = θ(1 − α(t)λ) − α(t)d, which is
/// <c>torch.optim.AdamW</c> (PyTorch multiplies θ by 1 − αλ first and then adds −α·d; the same update, rounded in another order).</description></item>
/// </list>
/// For decoupled decay after any optimizer, including those whose rate sits inside (the lecture forms), see
/// <see cref="DecoupledWeightDecay"/>. Stateless. λ = 0 returns g + 0·θ, which is g for finite θ.
/// </summary>
public sealed class AddDecayedWeights : Optimizer
{
    /// <summary>Creates the transformation with decay λ = <paramref name="weightDecay"/> ≥ 0.</summary>
    public AddDecayedWeights(double weightDecay)
    {
        if (!(weightDecay >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "AddDecayedWeights: λ must be non-negative");
        }

        WeightDecay = weightDecay;
    }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Empty;

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters) =>
        (Leafwise.Zip(gradients, parameters, (g, p) => UpdateMaps.AddScaled(g, 1, p, WeightDecay)), TensorTree.Empty);

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"AddDecayedWeights(λ={WeightDecay:G})");
}
