namespace Functional.Nets;

/// <summary>
/// Adamax's direction (Kingma and Ba 2015, §7.1: Adam with the infinity norm) as <c>torch.optim.Adamax</c> computes it:
/// mₜ = β₁mₜ₋₁ + (1 − β₁)g, uₜ = max(β₂uₜ₋₁, |g| + ε), and d = (mₜ / uₜ) / (1 − β₁ᵗ), with m₀ = u₀ = 0.
/// Chain with <see cref="ScaleBySchedule"/> for θ ← θ − α(t)·d.
/// State: <c>step</c>, <c>&lt;leaf&gt;.exp_avg</c> (m), <c>&lt;leaf&gt;.exp_inf</c> (u).
/// </summary>
/// <remarks>
/// ε is added to |g| inside the maximum, as PyTorch does (the paper has no ε: u ≥ |g| already keeps the ratio
/// bounded, and ε only guards u = 0), so u ≥ ε &gt; 0 after the first step and a zero gradient gives d = 0.
/// </remarks>
public sealed class ScaleByAdamax : Optimizer
{
    /// <summary>PyTorch's state name for m.</summary>
    public const string MeanSlot = "exp_avg";

    /// <summary>PyTorch's state name for u.</summary>
    public const string NormSlot = "exp_inf";

    /// <summary>Creates the transformation (PyTorch's defaults: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸).</summary>
    public ScaleByAdamax(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(beta1 >= 0 && beta1 < 1 ? nameof(beta2) : nameof(beta1), $"Adamax: β₁ and β₂ must lie in [0, 1), got β₁={beta1}, β₂={beta2}");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Adamax: ε must be non-negative");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the infinity norm.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to |g|.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([StepCount.Zero(parameters), .. LeafState.Filled(parameters, MeanSlot), .. LeafState.Filled(parameters, NormSlot)]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state) + 1;
        var correction1 = 1 - Math.Pow(Beta1, t);
        var r = Leafwise.Map([Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, MeanSlot), Leafwise.Slot(state, gradients, NormSlot)], 3, x =>
        {
            var g = x[0];
            var m = UpdateMaps.Interpolate(x[1], g, 1 - Beta1);
            var u = Tensor.Maximum(x[2] * Beta2, g.Abs() + Epsilon);
            return [m / u * (1 / correction1), m, u];
        });

        return (
            TensorTree.Of(Leafwise.Named(gradients, r[0])),
            TensorTree.Of([StepCount.Next(state, t - 1), .. Leafwise.Named(gradients, r[1], MeanSlot), .. Leafwise.Named(gradients, r[2], NormSlot)]));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ScaleByAdamax(β₁={Beta1:G}, β₂={Beta2:G}, ε={Epsilon:G})");
}
