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
        var zeros = parameters.Select(l => (l.Key, l.Value * 0.0)).ToList();
        return TensorTree.Of([
            StepCount.Zero(parameters),
            .. zeros.Select(z => (z.Key + ".exp_avg", z.Item2)),
            .. zeros.Select(z => (z.Key + ".exp_avg_sq", z.Item2)),
        ]);
    }

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state) + 1;
        var correction1 = 1 - Math.Pow(Beta1, t);
        var sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, t));
        var updates = new List<(string, Tensor)>(gradients.Count);
        var m = new List<(string, Tensor)>(gradients.Count);
        var v = new List<(string, Tensor)>(gradients.Count);
        foreach (var (name, g) in gradients)
        {
            var mt = state[name + ".exp_avg"] * Beta1 + g * (1 - Beta1);
            var vt = state[name + ".exp_avg_sq"] * Beta2 + g.Square() * (1 - Beta2);
            updates.Add((name, mt / (vt.Sqrt() / sqrtCorrection2 + Epsilon) * (1 / correction1)));
            m.Add((name + ".exp_avg", mt));
            v.Add((name + ".exp_avg_sq", vt));
        }

        return (TensorTree.Of([.. updates]), TensorTree.Of([StepCount.Next(state, t - 1), .. m, .. v]));
    }

    /// <inheritdoc />
    public override string Describe() => $"ScaleByAdam(β₁={Beta1:G}, β₂={Beta2:G}, ε={Epsilon:G})";
}
