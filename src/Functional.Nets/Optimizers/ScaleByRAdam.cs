namespace Functional.Nets;

/// <summary>
/// RAdam's direction (Liu et al. 2020, rectified Adam) as <c>torch.optim.RAdam</c> computes it:
/// mₜ = β₁mₜ₋₁ + (1 − β₁)g, vₜ = β₂vₜ₋₁ + (1 − β₂)g², m̂ₜ = mₜ / (1 − β₁ᵗ); the length of the approximated simple
/// moving average ρₜ = ρ∞ − 2tβ₂ᵗ / (1 − β₂ᵗ), with ρ∞ = 2/(1 − β₂) − 1; and
/// d = m̂ₜ·rₜ·√(1 − β₂ᵗ) / (√vₜ + ε) with rₜ = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)) when ρₜ &gt; 5
/// (the variance of the adaptive rate is tractable), else d = m̂ₜ (momentum SGD, for the first steps: with the
/// default β₂ = 0.999 the first 5).
/// Chain with <see cref="ScaleBySchedule"/> for θ ← θ − α(t)·d.
/// State: <c>step</c>, <c>&lt;leaf&gt;.exp_avg</c> (m), <c>&lt;leaf&gt;.exp_avg_sq</c> (v).
/// </summary>
/// <remarks>
/// This is PyTorch's algorithm. TorchSharp 0.107's <c>RAdam.step()</c> multiplies the rectified step by the learning
/// rate twice (<c>t6 = bias_corrected_exp_avg * lr</c>, then <c>param.add_(t6 * lr * adaptive_lr * rect, alpha: -1)</c>),
/// so it steps α² where PyTorch steps α; the peer test runs it with √α on those steps.
/// </remarks>
public sealed class ScaleByRAdam : Optimizer
{
    /// <summary>PyTorch's state name for m.</summary>
    public const string MeanSlot = "exp_avg";

    /// <summary>PyTorch's state name for v.</summary>
    public const string SquareSlot = "exp_avg_sq";

    /// <summary>Creates the transformation (PyTorch's defaults: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸).</summary>
    public ScaleByRAdam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(beta1 >= 0 && beta1 < 1 ? nameof(beta2) : nameof(beta1), $"RAdam: β₁ and β₂ must lie in [0, 1), got β₁={beta1}, β₂={beta2}");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "RAdam: ε must be non-negative");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v.</summary>
    public double Epsilon { get; }

    /// <summary>ρ∞ = 2/(1 − β₂) − 1, the largest length of the approximated simple moving average.</summary>
    public double RhoInfinity => (2 / (1 - Beta2)) - 1;

    /// <summary>ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) for update <paramref name="t"/> (1 for the first); the step is rectified when it exceeds 5.</summary>
    public double Rho(long t) => RhoInfinity - (2 * t * Math.Pow(Beta2, t) / (1 - Math.Pow(Beta2, t)));

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([StepCount.Zero(parameters), .. LeafState.Filled(parameters, MeanSlot), .. LeafState.Filled(parameters, SquareSlot)]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state) + 1;
        var correction1 = 1 - Math.Pow(Beta1, t);
        var correction2 = 1 - Math.Pow(Beta2, t);
        var rhoInfinity = RhoInfinity;
        var rho = Rho(t);
        var rectified = rho > 5;
        var rectification = rectified ? Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)) : 0;
        var r = Leafwise.Map([Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, MeanSlot), Leafwise.Slot(state, gradients, SquareSlot)], 3, x =>
        {
            var g = x[0];
            var m = UpdateMaps.Interpolate(x[1], g, 1 - Beta1);
            var v = UpdateMaps.AddScaledSquare(x[2], Beta2, g, 1 - Beta2);

            // Rectified: (m/(1 − β₁ᵗ))·r·√(1 − β₂ᵗ)/(√v + ε) = γ·m/(√v + ε) with γ = r·√(1 − β₂ᵗ)/(1 − β₁ᵗ).
            var direction = rectified
                ? UpdateMaps.RatioToRoot(m, v, 1, Epsilon, rectification * Math.Sqrt(correction2) / correction1)
                : m * (1 / correction1);
            return [direction, m, v];
        });

        return (
            TensorTree.Of(Leafwise.Named(gradients, r[0])),
            TensorTree.Of([StepCount.Next(state, t - 1), .. Leafwise.Named(gradients, r[1], MeanSlot), .. Leafwise.Named(gradients, r[2], SquareSlot)]));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ScaleByRAdam(β₁={Beta1:G}, β₂={Beta2:G}, ε={Epsilon:G})");
}
