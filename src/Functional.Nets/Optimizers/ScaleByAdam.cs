namespace Functional.Nets;

/// <summary>
/// Adam's direction (Kingma and Ba 2015), with bias correction, as PyTorch computes it:
/// mₜ = β₁mₜ₋₁ + (1 − β₁)g, vₜ = β₂vₜ₋₁ + (1 − β₂)g²,
/// u = (mₜ / (1 − β₁ᵗ)) / (√vₜ / √(1 − β₂ᵗ) + ε).
/// Note that ε is added after the bias correction of √v, as in <c>torch.optim.Adam</c> (the paper adds it to √v̂, which is the same thing).
/// With AMSGrad (Reddi, Kale and Kumar 2018; <c>amsgrad=True</c>) the denominator uses the running maximum
/// v̄ₜ = max(v̄ₜ₋₁, vₜ), v̄₀ = 0, of the (uncorrected) second moments, and is bias-corrected as v is:
/// u = (mₜ / (1 − β₁ᵗ)) / (√v̄ₜ / √(1 − β₂ᵗ) + ε), as <c>torch.optim.Adam</c> and <c>AdamW</c> do (the paper has no bias correction).
/// Chain with <see cref="ScaleBySchedule"/> for −α·u. State: <c>step</c>, <c>&lt;leaf&gt;.exp_avg</c> (m),
/// <c>&lt;leaf&gt;.exp_avg_sq</c> (v) and, with AMSGrad, <c>&lt;leaf&gt;.max_exp_avg_sq</c> (v̄).
/// </summary>
public sealed class ScaleByAdam : Optimizer
{
    /// <summary>PyTorch's state name for m.</summary>
    public const string MeanSlot = "exp_avg";

    /// <summary>PyTorch's state name for v.</summary>
    public const string SquareSlot = "exp_avg_sq";

    /// <summary>PyTorch's state name for AMSGrad's v̄.</summary>
    public const string MaxSquareSlot = "max_exp_avg_sq";

    /// <summary>Creates the transformation.</summary>
    public ScaleByAdam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, bool amsgrad = false)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(beta1 >= 0 && beta1 < 1 ? nameof(beta2) : nameof(beta1), $"Adam: β₁ and β₂ must lie in [0, 1), got β₁={beta1}, β₂={beta2}");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Adam: ε must be non-negative");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator for stability.</summary>
    public double Epsilon { get; }

    /// <summary>Whether the denominator uses the running maximum of the second moments (AMSGrad).</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters)
    {
        var zeros = Leafwise.Map([Leafwise.Leaves(parameters)], Amsgrad ? 3 : 2, p => Amsgrad ? [p[0] * 0.0, p[0] * 0.0, p[0] * 0.0] : [p[0] * 0.0, p[0] * 0.0]);
        return TensorTree.Of([
            StepCount.Zero(parameters),
            .. Leafwise.Named(parameters, zeros[0], MeanSlot),
            .. Leafwise.Named(parameters, zeros[1], SquareSlot),
            .. Amsgrad ? Leafwise.Named(parameters, zeros[2], MaxSquareSlot) : [],
        ]);
    }

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var (t, correction1, sqrtCorrection2) = Corrections(state);
        var r = Leafwise.Map(Inputs(gradients, state), Amsgrad ? 4 : 3, x =>
        {
            var (mt, vt) = Moments(x[0], x[1], x[2]);
            if (!Amsgrad)
            {
                return [UpdateMaps.RatioToRoot(mt, vt, 1 / sqrtCorrection2, Epsilon, 1 / correction1), mt, vt];
            }

            var vmax = Tensor.Maximum(x[3], vt);
            return [UpdateMaps.RatioToRoot(mt, vmax, 1 / sqrtCorrection2, Epsilon, 1 / correction1), mt, vt, vmax];
        });

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), NextState(gradients, state, t, r));
    }

    /// <inheritdoc />
    /// <remarks>
    /// θ′ = θ + c·(m̂ / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε) in one fused map (torch.optim's <c>addcdiv_</c>, out of place),
    /// with v̄ for v under AMSGrad: the same operations as <see cref="Update"/> followed by θ + c·u, with c·u folded into one pass.
    /// Without AMSGrad, on a backend whose operands are in host memory (<see cref="IHostMemory"/>), the whole update is
    /// one loop over the flat buffers (<see cref="AdamKernel"/>), with the same roundings as the composition.
    /// </remarks>
    internal override (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false) =>
        UpdateAndApplyDecayed(gradients, state, parameters, scale, donated, null, null);

    /// <summary>
    /// <see cref="UpdateAndApply"/> with an <see cref="AddDecayedWeights"/> link folded in on either side, as
    /// <see cref="Chain"/> meets them: <paramref name="gradientDecay"/> λ₀ before this link (the L2 penalty of
    /// <c>torch.optim.Adam</c>'s <c>weight_decay</c>: g + λ₀θ), <paramref name="stepDecay"/> λ after it (AdamW's
    /// decoupled decay: θ + c·(u + λθ)). The same values as the links one after the other, in one map, g + λ₀θ, u and
    /// u + λθ never materialized where the one-pass kernel runs. The decay links are stateless, so the state is this
    /// link's alone.
    /// </summary>
    internal (TensorTree Parameters, TensorTree State) UpdateAndApplyDecayed(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated, double? gradientDecay, double? stepDecay)
    {
        var (t, correction1, sqrtCorrection2) = Corrections(state);
        Tensor[] theta = [.. gradients.Names.Select(n => parameters[n])];
        var r = Leafwise.Map(
            [.. Inputs(gradients, state), theta],
            Amsgrad ? 4 : 3,
            (x, reuse) =>
            {
                // Donated: m, v and θ are updated in place (lerp_, mul_/addcmul_, addcdiv_), as torch.optim does;
                // AMSGrad's v̄ gets a fresh buffer (torch.optim also allocates one, with torch.maximum).
                var p = x[^1];
                var coefficients = (stepDecay is { } lambda
                    ? Coefficients(sqrtCorrection2, scale) with { Decay = lambda, Correction = 1 / correction1 }
                    : Coefficients(sqrtCorrection2, scale / correction1)) with { GradientDecay = gradientDecay };
                if (!Amsgrad && AdamKernel.TryStep(x[0], x[1], x[2], p, coefficients, reuse) is { } fused)
                {
                    return fused;
                }

                // The L2 penalty's gradient as its own link computes it: g + λ₀θ (a fresh tensor, never written in place).
                var g = gradientDecay is { } l0 ? UpdateMaps.AddScaled(x[0], 1, p, l0) : x[0];
                var (mt, vt) = Moments(g, x[1], x[2], reuse);
                var denominator = Amsgrad ? Tensor.Maximum(x[3], vt) : vt;

                // Decoupled decay in the two links' own order: u = γ·m/(s·√v + ε), then u + λθ, then θ + c·(u + λθ).
                var next = stepDecay is { } l
                    ? UpdateMaps.AddScaled(p, 1, UpdateMaps.AddScaled(UpdateMaps.RatioToRoot(mt, denominator, 1 / sqrtCorrection2, Epsilon, 1 / correction1), 1, p, l), scale, reuse)
                    : UpdateMaps.AddRatioToRoot(p, mt, denominator, 1 / sqrtCorrection2, Epsilon, scale / correction1, reuse);
                return Amsgrad ? [next, mt, vt, denominator] : [next, mt, vt];
            },
            donated);

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), NextState(gradients, state, t, r));
    }

    // The one-pass kernel's coefficients for the map above: s = 1/√(1 − β₂ᵗ), γ = c/(1 − β₁ᵗ).
    private AdamKernel.Coefficients Coefficients(double sqrtCorrection2, double gamma) =>
        new(1 - Beta1, Beta2, 1 - Beta2, 1 / sqrtCorrection2, Epsilon, gamma);

    private (long T, double Correction1, double SqrtCorrection2) Corrections(TensorTree state)
    {
        var t = StepCount.Read(state) + 1;
        return (t, 1 - Math.Pow(Beta1, t), Math.Sqrt(1 - Math.Pow(Beta2, t)));
    }

    private IReadOnlyList<Tensor>[] Inputs(TensorTree gradients, TensorTree state) =>
        Amsgrad
            ? [Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, MeanSlot), Leafwise.Slot(state, gradients, SquareSlot), Leafwise.Slot(state, gradients, MaxSquareSlot)]
            : [Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, MeanSlot), Leafwise.Slot(state, gradients, SquareSlot)];

    // mₜ = β₁mₜ₋₁ + (1 − β₁)g = mₜ₋₁ + (1 − β₁)(g − mₜ₋₁) (one interpolation), vₜ = β₂vₜ₋₁ + (1 − β₂)g².
    private (Tensor M, Tensor V) Moments(Tensor g, Tensor m, Tensor v, bool reuse = false) =>
        (UpdateMaps.Interpolate(m, g, 1 - Beta1, reuse), UpdateMaps.AddScaledSquare(v, Beta2, g, 1 - Beta2, reuse));

    // r = [direction or θ′, m, v, (v̄)].
    private TensorTree NextState(TensorTree gradients, TensorTree state, long t, Tensor[][] r) =>
        TensorTree.Of([
            StepCount.Next(state, t - 1),
            .. Leafwise.Named(gradients, r[1], MeanSlot),
            .. Leafwise.Named(gradients, r[2], SquareSlot),
            .. Amsgrad ? Leafwise.Named(gradients, r[3], MaxSquareSlot) : [],
        ]);

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ScaleByAdam(β₁={Beta1:G}, β₂={Beta2:G}, ε={Epsilon:G}{(Amsgrad ? ", amsgrad" : "")})");
}
