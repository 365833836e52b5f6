namespace Functional.Nets;

/// <summary>
/// Nesterov's accelerated gradient in the lecture's form, v ← γv + η(t)∇L(W − γv), W ← W − v (v₀ = 0), carried
/// out on the look-ahead point Ŵ = W − γv, which is what the training loop holds as "the parameters".
/// State: <c>step</c> and <c>&lt;leaf&gt;.velocity</c> (v). Chain no <see cref="ScaleBySchedule"/> after it.
/// </summary>
/// <remarks>
/// <para><b>Why the reparametrization.</b> A gradient transformation only sees ∇L at the parameters it is given,
/// while the lecture evaluates the gradient at W − γv. Hold Ŵ = W − γv instead of W (Sutskever et al. 2013;
/// Bengio et al. 2013): then the gradient the loop computes, ∇L(Ŵ), is exactly the lecture's ∇L(W − γv), and
/// <code>
/// v′ = γv + η∇L(Ŵ)
/// Ŵ′ = W′ − γv′ = (W − v′) − γv′ = Ŵ + γv − v′ − γv′ = Ŵ − η∇L(Ŵ) − γv′     (since γv − v′ = −η∇L(Ŵ))
/// </code>
/// so the update is u = −(γv′ + η∇L(Ŵ)). Because v₀ = 0, Ŵ₀ = W₀: start from the same initial parameters.
/// At any step the lecture's weights are W = Ŵ + γv (<see cref="LectureWeights"/>); both sequences converge to the
/// same point, since v → 0 there.</para>
/// <para><b>Relation to PyTorch.</b> <c>torch.optim.SGD(nesterov=True)</c> computes b ← μb + g, θ ← θ − α(g + μb):
/// with a constant rate, v = α·b and this is the same update on the same Ŵ (γ = μ, η = α), rounded differently;
/// use <see cref="Momentum"/> with <c>nesterov: true</c> for PyTorch's exact arithmetic.</para>
/// </remarks>
public sealed class LectureNesterov : Optimizer
{
    /// <summary>The state name for v.</summary>
    public const string Slot = "velocity";

    /// <summary>Creates the optimizer with rate η(t) = <paramref name="learningRate"/> and momentum γ ∈ [0, 1).</summary>
    public LectureNesterov(Schedule learningRate, double gamma)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        if (!(gamma >= 0 && gamma < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "LectureNesterov: γ must lie in [0, 1)");
        }

        LearningRate = learningRate;
        Gamma = gamma;
    }

    /// <summary>η(t).</summary>
    public Schedule LearningRate { get; }

    /// <summary>γ.</summary>
    public double Gamma { get; }

    /// <summary>
    /// The lecture's weights W = Ŵ + γv from the parameters Ŵ this optimizer moves and its own state
    /// (for a chain, pass the part's state, <c>state.Child("i")</c>).
    /// </summary>
    public TensorTree LectureWeights(TensorTree parameters, TensorTree state) =>
        parameters.Map((name, p) => p + state[LeafState.Name(name, Slot)] * Gamma);

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
            var step = x[0] * eta;
            var v = x[1] * Gamma + step;
            return [-(v * Gamma + step), v];
        });

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), TensorTree.Of([StepCount.Next(state, t), .. Leafwise.Named(gradients, r[1], Slot)]));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"LectureNesterov(η(0)={LearningRate(0):G}, γ={Gamma:G})");
}
