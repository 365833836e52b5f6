namespace Functional.Nets;

/// <summary>
/// Decoupled weight decay (Loshchilov and Hutter 2019) for any optimizer: u′ = u − α(t)·λ·θ, so that
/// θ ← θ + u′ = θ(1 − α(t)λ) + u. Put it <em>last</em> in a chain, after the link that makes the step (so
/// <c>u</c> is already a step, −α·d): the decay then bypasses every rescaling (momentum, Adam's denominator).
/// <c>Chain(Adam(α), DecoupledWeightDecay(λ, α))</c> is <c>torch.optim.AdamW</c>; after SGD it is "SGDW"; after the
/// lecture forms it decays their weights too. State: <c>step</c>, for the schedule.
/// </summary>
/// <remarks>
/// Compared with <see cref="AddDecayedWeights"/> first in a chain (the L2 penalty's gradient λθ, which the
/// adaptive methods rescale like any gradient), the decay here is the same fraction α(t)λ of every weight.
/// <see cref="Optim.AdamW(double, double, double, double, double, bool)"/> places <see cref="AddDecayedWeights"/>
/// between Adam's direction and the rate instead, which is the same update with one schedule.
/// </remarks>
public sealed class DecoupledWeightDecay : Optimizer
{
    /// <summary>Creates the transformation with decay λ ≥ 0 per unit of rate, and rate α(t) (the optimizer's own schedule).</summary>
    public DecoupledWeightDecay(double weightDecay, Schedule learningRate)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        if (!(weightDecay >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "DecoupledWeightDecay: λ must be non-negative");
        }

        WeightDecay = weightDecay;
        LearningRate = learningRate;
    }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <summary>α(t).</summary>
    public Schedule LearningRate { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Of(StepCount.Zero(parameters));

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state);
        var shrink = -LearningRate(t) * WeightDecay;
        return (Leafwise.Zip(gradients, parameters, (u, p) => UpdateMaps.AddScaled(u, 1, p, shrink)), TensorTree.Of(StepCount.Next(state, t)));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"DecoupledWeightDecay(λ={WeightDecay:G}, α(0)={LearningRate(0):G})");
}
