namespace Functional.Nets;

/// <summary>
/// An exponential moving average of the parameters kept beside any optimizer (Polyak averaging in its exponential
/// form, as GAN generators and many image models are evaluated): the parameters step exactly as <see cref="Inner"/>
/// steps them, and after every step the average follows them, θ̄′ = β·θ̄ + (1 − β)·θ′ (θ̄₀ = θ₀). The average is
/// optimizer state, so checkpoints save it and a resumed run continues it bit for bit; read it with
/// <see cref="Average"/> and evaluate the model with it in place of the parameters.
/// </summary>
/// <remarks>
/// State: the inner optimizer's state under <c>inner.</c> and the average under <c>average.</c>, one leaf per
/// parameter leaf with its name (<c>average.0.weight</c>). The average never feeds back into training: the
/// parameters and the inner state are bit-identical to those of <see cref="Inner"/> alone.
/// </remarks>
public sealed class ParameterAverage : Optimizer
{
    private const string InnerName = "inner";
    private const string AverageName = "average";

    /// <summary>Wraps <paramref name="inner"/>, averaging with decay 0 ≤ β &lt; 1 per step.</summary>
    public ParameterAverage(Optimizer inner, double decay)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(decay >= 0 && decay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "ParameterAverage: the decay β must lie in [0, 1) (0.999 averages over about 1,000 steps)");
        }

        Inner = inner;
        Decay = decay;
    }

    /// <summary>The optimizer that steps the parameters.</summary>
    public Optimizer Inner { get; }

    /// <summary>β: the weight the average keeps per step.</summary>
    public double Decay { get; }

    /// <summary>
    /// The averaged parameters θ̄ held in <paramref name="state"/>, a state of a <see cref="ParameterAverage"/>
    /// (a part's optimizer state), named like the parameters; throws if the state holds no average.
    /// </summary>
    public static TensorTree Average(TensorTree state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var average = state.Child(AverageName);
        if (average.Count == 0)
        {
            throw new ArgumentException($"ParameterAverage.Average: the optimizer state holds no '{AverageName}.' leaves; leaves: {state.Describe()}", nameof(state));
        }

        return average;
    }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Nest([(InnerName, Inner.Init(parameters)), (AverageName, Leafwise.Apply(parameters, p => p.Backend.Affine(p, 1, 0)))]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var (updates, inner) = Inner.Update(gradients, state.Child(InnerName), parameters);
        var stepped = Leafwise.Zip(parameters, updates, (p, u) => p + u);
        return (updates, Next(state, inner, stepped, donated: false));
    }

    /// <inheritdoc />
    /// <remarks>The parameters step through the inner optimizer's own fused path; the average then follows the stepped values.</remarks>
    internal override (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false)
    {
        var (stepped, inner) = Inner.UpdateAndApply(gradients, state.Child(InnerName), parameters, scale, donated);
        return (stepped, Next(state, inner, stepped, donated));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ParameterAverage({Inner.Describe()}, β={Decay:G})");

    private TensorTree Next(TensorTree state, TensorTree inner, TensorTree stepped, bool donated)
    {
        var average = Average(state);
        average.RequireSameStructure(stepped, "ParameterAverage: average vs parameters");

        // θ̄′ = θ̄ + (1 − β)(θ′ − θ̄), one interpolation (PyTorch's lerp); only the average's own buffer may be reused.
        var next = Leafwise.Zip(average, stepped, (a, p, reuse) => UpdateMaps.Interpolate(a, p, 1 - Decay, reuse), donated);
        return TensorTree.Nest([(InnerName, inner), (AverageName, next)]);
    }
}
