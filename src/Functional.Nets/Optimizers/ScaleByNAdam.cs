namespace Functional.Nets;

/// <summary>
/// NAdam's direction (Dozat 2016: Adam with Nesterov momentum) as <c>torch.optim.NAdam</c> computes it, with its
/// momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)) (ψ = <c>momentum_decay</c>) and the running product Πₜ = μ₁μ₂⋯μₜ
/// (PyTorch's <c>mu_product</c>, Π₀ = 1):
/// mₜ = β₁mₜ₋₁ + (1 − β₁)g, vₜ = β₂vₜ₋₁ + (1 − β₂)g², and
/// d = [(1 − μₜ)/(1 − Πₜ)·g + μₜ₊₁/(1 − Πₜμₜ₊₁)·mₜ] / (√(vₜ / (1 − β₂ᵗ)) + ε).
/// Chain with <see cref="ScaleBySchedule"/> for θ ← θ − α(t)·d.
/// State: <c>step</c>, <c>mu_product</c> (Πₜ, one scalar for all leaves), <c>&lt;leaf&gt;.exp_avg</c> (m),
/// <c>&lt;leaf&gt;.exp_avg_sq</c> (v).
/// </summary>
/// <remarks>
/// PyTorch subtracts the two terms with two <c>addcdiv_</c> calls; the sum here is the same update rounded in
/// another order. Πₜ is kept (rather than recomputed from t, which costs t products a step) and multiplied in the
/// same order as PyTorch, so both see the same numbers.
/// </remarks>
public sealed class ScaleByNAdam : Optimizer
{
    /// <summary>PyTorch's state name for Π.</summary>
    public const string ProductLeaf = "mu_product";

    /// <summary>PyTorch's state name for m.</summary>
    public const string MeanSlot = "exp_avg";

    /// <summary>PyTorch's state name for v.</summary>
    public const string SquareSlot = "exp_avg_sq";

    /// <summary>Creates the transformation (PyTorch's defaults: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, ψ = 0.004).</summary>
    public ScaleByNAdam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double momentumDecay = 4e-3)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(beta1 >= 0 && beta1 < 1 ? nameof(beta2) : nameof(beta1), $"NAdam: β₁ and β₂ must lie in [0, 1), got β₁={beta1}, β₂={beta2}");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "NAdam: ε must be non-negative");
        }

        if (!(momentumDecay >= 0) || double.IsPositiveInfinity(momentumDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(momentumDecay), momentumDecay, "NAdam: momentum_decay must be finite and non-negative");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        MomentumDecay = momentumDecay;
    }

    /// <summary>β₁, the decay of the first moment and the scale of the momentum schedule.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the corrected root.</summary>
    public double Epsilon { get; }

    /// <summary>ψ (PyTorch's <c>momentum_decay</c>).</summary>
    public double MomentumDecay { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([
            StepCount.Zero(parameters),
            (ProductLeaf, ScalarState.Make(StepCount.BackendOf(parameters), 1)),
            .. LeafState.Filled(parameters, MeanSlot),
            .. LeafState.Filled(parameters, SquareSlot),
        ]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state) + 1;
        var sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, t));
        var mu = Mu(t);
        var muNext = Mu(t + 1);
        var product = ScalarState.Read(state[ProductLeaf]) * mu;
        var gradientWeight = (1 - mu) / (1 - product);
        var momentumWeight = muNext / (1 - (product * muNext));
        var r = Leafwise.Map([Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, MeanSlot), Leafwise.Slot(state, gradients, SquareSlot)], 3, x =>
        {
            var g = x[0];
            var m = UpdateMaps.Interpolate(x[1], g, 1 - Beta1);
            var v = UpdateMaps.AddScaledSquare(x[2], Beta2, g, 1 - Beta2);
            return [UpdateMaps.RatioToRoot(UpdateMaps.AddScaled(g, gradientWeight, m, momentumWeight), v, 1 / sqrtCorrection2, Epsilon, 1), m, v];
        });

        return (
            TensorTree.Of(Leafwise.Named(gradients, r[0])),
            TensorTree.Of([
                StepCount.Next(state, t - 1),
                (ProductLeaf, ScalarState.Make(state[ProductLeaf].Backend, product)),
                .. Leafwise.Named(gradients, r[1], MeanSlot),
                .. Leafwise.Named(gradients, r[2], SquareSlot),
            ]));
    }

    /// <inheritdoc />
    public override string Describe() =>
        FormattableString.Invariant($"ScaleByNAdam(β₁={Beta1:G}, β₂={Beta2:G}, ε={Epsilon:G}, ψ={MomentumDecay:G})");

    // μₜ = β₁(1 − ½·0.96^(tψ)), written as PyTorch writes it.
    private double Mu(long t) => Beta1 * (1.0 - (0.5 * Math.Pow(0.96, t * MomentumDecay)));
}
