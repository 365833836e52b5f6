namespace Functional.Nets;

/// <summary>
/// Adam's direction (Kingma and Ba 2015), with bias correction, as PyTorch computes it:
/// mₜ = β₁mₜ₋₁ + (1 − β₁)g, vₜ = β₂vₜ₋₁ + (1 − β₂)g²,
/// u = (mₜ / (1 − β₁ᵗ)) / (√vₜ / √(1 − β₂ᵗ) + ε).
/// Note that ε is added after the bias correction of √v, as in <c>torch.optim.Adam</c> (the paper adds it to √v̂, which is the same thing).
/// Chain with <see cref="ScaleBySchedule"/> for −α·u.
/// </summary>
public sealed class ScaleByAdam : Optimizer
{
    /// <summary>Creates the transformation.</summary>
    public ScaleByAdam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam: β₁ and β₂ must lie in [0, 1), got β₁={beta1}, β₂={beta2}");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Adam: ε must be non-negative");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator for stability.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters)
    {
        var zeros = Leafwise.Map([Leafwise.Leaves(parameters)], 2, p => [p[0] * 0.0, p[0] * 0.0]);
        return TensorTree.Of([
            StepCount.Zero(parameters),
            .. Leafwise.Named(parameters, zeros[0], "exp_avg"),
            .. Leafwise.Named(parameters, zeros[1], "exp_avg_sq"),
        ]);
    }

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var (t, correction1, sqrtCorrection2) = Corrections(state);
        var r = Leafwise.Map(Inputs(gradients, state), 3, x =>
        {
            var (mt, vt) = Moments(x[0], x[1], x[2]);
            return [x[0].Backend.RatioToRoot(mt, vt, 1 / sqrtCorrection2, Epsilon, 1 / correction1), mt, vt];
        });

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), NextState(gradients, state, t, r[1], r[2]));
    }

    /// <inheritdoc />
    /// <remarks>θ′ = θ + c·(m̂ / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε) in one fused map (torch.optim's <c>addcdiv_</c>, out of place).</remarks>
    internal override (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false)
    {
        var (t, correction1, sqrtCorrection2) = Corrections(state);
        Tensor[] theta = [.. gradients.Names.Select(n => parameters[n])];
        var r = Leafwise.Map(
            [.. Inputs(gradients, state), theta],
            3,
            (x, reuse) =>
            {
                // Donated: m, v and θ are updated in place (lerp_, mul_/addcmul_, addcdiv_), as torch.optim does.
                var (mt, vt) = Moments(x[0], x[1], x[2], reuse);
                return [x[0].Backend.AddRatioToRoot(x[3], mt, vt, 1 / sqrtCorrection2, Epsilon, scale / correction1, reuse), mt, vt];
            },
            donated);

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), NextState(gradients, state, t, r[1], r[2]));
    }

    private (long T, double Correction1, double SqrtCorrection2) Corrections(TensorTree state)
    {
        var t = StepCount.Read(state) + 1;
        return (t, 1 - Math.Pow(Beta1, t), Math.Sqrt(1 - Math.Pow(Beta2, t)));
    }

    private static IReadOnlyList<Tensor>[] Inputs(TensorTree gradients, TensorTree state) =>
        [Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, "exp_avg"), Leafwise.Slot(state, gradients, "exp_avg_sq")];

    // mₜ = β₁mₜ₋₁ + (1 − β₁)g = mₜ₋₁ + (1 − β₁)(g − mₜ₋₁) (one interpolation), vₜ = β₂vₜ₋₁ + (1 − β₂)g².
    private (Tensor M, Tensor V) Moments(Tensor g, Tensor m, Tensor v, bool reuse = false) =>
        (g.Backend.Interpolate(m, g, 1 - Beta1, reuse), g.Backend.AddScaledSquare(v, Beta2, g, 1 - Beta2, reuse));

    private static TensorTree NextState(TensorTree gradients, TensorTree state, long t, Tensor[] m, Tensor[] v) =>
        TensorTree.Of([StepCount.Next(state, t - 1), .. Leafwise.Named(gradients, m, "exp_avg"), .. Leafwise.Named(gradients, v, "exp_avg_sq")]);

    /// <inheritdoc />
    public override string Describe() => $"ScaleByAdam(β₁={Beta1:G}, β₂={Beta2:G}, ε={Epsilon:G})";
}
