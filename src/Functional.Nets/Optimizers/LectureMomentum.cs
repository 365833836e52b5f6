namespace Functional.Nets;

/// <summary>
/// Momentum in the lecture's form: v ← γv + η(t)∇L, W ← W − v (v₀ = 0), so u = −v.
/// The rate η sits inside the velocity, so this is a whole optimizer: chain no <see cref="ScaleBySchedule"/> after it.
/// State: <c>step</c> and <c>&lt;leaf&gt;.velocity</c> (v).
/// </summary>
/// <remarks>
/// Relation to PyTorch's form (<see cref="Momentum"/>: b ← μb + g, θ ← θ − α·b): with a constant rate, v = α·b and
/// the two are the same method (γ = μ, η = α), rounded differently. With a schedule they differ: here a new η
/// scales only the new gradient, while PyTorch's new α scales the whole accumulated buffer.
/// </remarks>
public sealed class LectureMomentum : Optimizer
{
    /// <summary>The state name for v.</summary>
    public const string Slot = "velocity";

    /// <summary>Creates the optimizer with rate η(t) = <paramref name="learningRate"/> and momentum γ ∈ [0, 1).</summary>
    public LectureMomentum(Schedule learningRate, double gamma)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        if (!(gamma >= 0 && gamma < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "LectureMomentum: γ must lie in [0, 1)");
        }

        LearningRate = learningRate;
        Gamma = gamma;
    }

    /// <summary>η(t).</summary>
    public Schedule LearningRate { get; }

    /// <summary>γ.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([StepCount.Zero(parameters), .. LeafState.Filled(parameters, Slot)]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state);
        var eta = LearningRate(t);
        var r = Leafwise.Map([Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, Slot)], 2, x =>
        {
            var v = UpdateMaps.AddScaled(x[1], Gamma, x[0], eta);
            return [-v, v];
        });

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), TensorTree.Of([StepCount.Next(state, t), .. Leafwise.Named(gradients, r[1], Slot)]));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"LectureMomentum(η(0)={LearningRate(0):G}, γ={Gamma:G})");
}
