namespace Functional.Nets;

/// <summary>
/// Lazy Adam, as <c>torch.optim.SparseAdam</c>: only the rows r with a gradient update their moments and parameters,
/// the other rows' moments do not decay (so this is not Adam on the dense gradient, whose zero rows would still decay
/// m and v and move θ). With t counting every step of the table (PyTorch's per-parameter <c>step</c>):
/// m[r] ← m[r] + (1 − β₁)(g[r] − m[r]), v[r] ← v[r] + (1 − β₂)(g[r]² − v[r]),
/// θ[r] ← θ[r] − η·(√(1 − β₂ᵗ)/(1 − β₁ᵗ))·m[r]/(√v[r] + ε). Note ε is added to the uncorrected √v, as SparseAdam does
/// (dense Adam adds it after the correction). State: <c>step</c>, <c>exp_avg</c> (m) and <c>exp_avg_sq</c> (v), each [V, D].
/// </summary>
public sealed class SparseAdam : SparseOptimizer
{
    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    public SparseAdam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(learningRate), $"SparseAdam: needs η ≥ 0, β₁ and β₂ in [0, 1) and ε ≥ 0, got η={learningRate}, β₁={beta1}, β₂={beta2}, ε={epsilon}");
        }

        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>η.</summary>
    public double LearningRate { get; }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to √v.</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override string Describe() => $"SparseAdam(lr={LearningRate:G}, betas=({Beta1:G}, {Beta2:G}), eps={Epsilon:G})";

    /// <inheritdoc />
    public override TensorTree Init(Tensor table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return TensorTree.Of([StepCount.Zero(TensorTree.Of(("weight", table))), (ScaleByAdam.MeanSlot, table * 0.0), (ScaleByAdam.SquareSlot, table * 0.0)]);
    }

    /// <inheritdoc />
    public override (Tensor Table, TensorTree State) Step(SparseRows gradient, TensorTree state, Tensor table, bool donate = false)
    {
        RequireFits(gradient, table);
        ArgumentNullException.ThrowIfNull(state);

        // Not linear in g: a row's repeated entries are summed first (torch.optim.SparseAdam coalesces too).
        gradient = gradient.Coalesce();
        var t = StepCount.Read(state) + 1;
        var (rows, g) = (gradient.Indices, gradient.Values);
        var m = state[ScaleByAdam.MeanSlot];
        var v = state[ScaleByAdam.SquareSlot];
        var stepSize = LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
        if (donate && SparseAdamKernel.TryStepInPlace(rows, g, m, v, table, Beta1, Beta2, Epsilon, stepSize))
        {
            return (table, TensorTree.Of([StepCount.Next(state, t - 1), (ScaleByAdam.MeanSlot, m), (ScaleByAdam.SquareSlot, v)]));
        }

        var mOld = m.IndexSelect(0, rows);
        var vOld = v.IndexSelect(0, rows);
        var dm = (g - mOld) * (1 - Beta1);             // m[r] += (1 − β₁)(g − m[r])
        var dv = (g * g - vOld) * (1 - Beta2);         // v[r] += (1 − β₂)(g² − v[r])
        var mNew = dm + mOld;
        var vNew = dv + vOld;
        var delta = mNew / (vNew.Sqrt() + Epsilon) * -stepSize;
        var nextTable = RowUpdates.Add(table, rows, delta, 1, donate);
        var nextM = RowUpdates.Add(m, rows, dm, 1, donate);
        var nextV = RowUpdates.Add(v, rows, dv, 1, donate);
        return (nextTable, TensorTree.Of([StepCount.Next(state, t - 1), (ScaleByAdam.MeanSlot, nextM), (ScaleByAdam.SquareSlot, nextV)]));
    }
}
