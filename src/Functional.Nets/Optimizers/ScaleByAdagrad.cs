namespace Functional.Nets;

/// <summary>
/// AdaGrad's direction (Duchi, Hazan and Singer 2011) as <c>torch.optim.Adagrad</c> computes it:
/// sₜ = sₜ₋₁ + g², u = g / (√sₜ + ε), with s₀ = <c>initial_accumulator_value</c>.
/// Chain with <see cref="ScaleBySchedule"/> for θ ← θ − α(t)·u; PyTorch's <c>lr_decay</c> is the rate
/// α/(1 + t·lr_decay) (see <see cref="Optim.Adagrad(double, double, double, double, double)"/>).
/// State: <c>&lt;leaf&gt;.sum</c> (s).
/// </summary>
/// <remarks>ε is added to √s, outside the root, as PyTorch does (some texts put it inside).</remarks>
public sealed class ScaleByAdagrad : Optimizer
{
    /// <summary>PyTorch's state name for s.</summary>
    public const string Slot = "sum";

    /// <summary>Creates the transformation (PyTorch's defaults: ε = 10⁻¹⁰, s₀ = 0).</summary>
    public ScaleByAdagrad(double epsilon = 1e-10, double initialAccumulatorValue = 0)
    {
        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Adagrad: ε must be non-negative");
        }

        if (!(initialAccumulatorValue >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue, "Adagrad: the initial accumulator value must be non-negative");
        }

        Epsilon = epsilon;
        InitialAccumulatorValue = initialAccumulatorValue;
    }

    /// <summary>ε (PyTorch's <c>eps</c>).</summary>
    public double Epsilon { get; }

    /// <summary>s₀ (PyTorch's <c>initial_accumulator_value</c>).</summary>
    public double InitialAccumulatorValue { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([.. LeafState.Filled(parameters, Slot, InitialAccumulatorValue)]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var r = Leafwise.Map([Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, Slot)], 2, x =>
        {
            var s = UpdateMaps.AddScaledSquare(x[1], 1, x[0], 1);
            return [UpdateMaps.RatioToRoot(x[0], s, 1, Epsilon, 1), s];
        });

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), TensorTree.Of(Leafwise.Named(gradients, r[1], Slot)));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ScaleByAdagrad(ε={Epsilon:G}, s₀={InitialAccumulatorValue:G})");
}
