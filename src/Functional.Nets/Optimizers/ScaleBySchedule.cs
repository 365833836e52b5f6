namespace Functional.Nets;

/// <summary>u = −α(t)·g: the last link of most chains, turning a direction into a descent step.</summary>
public sealed class ScaleBySchedule : Optimizer
{
    /// <summary>Creates the transformation with learning-rate schedule <paramref name="schedule"/>.</summary>
    public ScaleBySchedule(Schedule schedule, string description = "schedule")
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(description);
        Schedule = schedule;
        Description = description;
    }

    /// <summary>The learning-rate schedule α(t).</summary>
    public Schedule Schedule { get; }

    private string Description { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Of(StepCount.Zero(parameters));

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state);
        var rate = Rate(t);
        var scaled = Leafwise.Map([Leafwise.Leaves(gradients)], 1, g => [g[0] * -rate]);
        return (TensorTree.Of(Leafwise.Named(gradients, scaled[0])), TensorTree.Of(StepCount.Next(state, t)));
    }

    /// <inheritdoc />
    /// <remarks>θ′ = θ + c·(−α(t))·g in one map, exactly as a <see cref="Chain"/> ending in this link computes it.</remarks>
    internal override (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false)
    {
        TryScale(state, out var factor, out var next);
        return (Leafwise.Zip(parameters, gradients, (p, g, reuse) => UpdateMaps.AddScaled(p, 1, g, scale * factor, reuse), donated), next);
    }

    /// <inheritdoc />
    internal override bool TryScale(TensorTree state, out double factor, out TensorTree next)
    {
        var t = StepCount.Read(state);
        factor = -Rate(t);
        next = TensorTree.Of(StepCount.Next(state, t));
        return true;
    }

    /// <summary>The schedule's rate for update <paramref name="t"/>, refused unless finite and non-negative (a user-written schedule may return anything).</summary>
    private double Rate(long t)
    {
        var rate = Schedule(t);
        return rate >= 0 && !double.IsPositiveInfinity(rate)
            ? rate
            : throw new InvalidOperationException($"{Describe()}: the learning-rate schedule gave {rate} at update {t}; a rate must be finite and non-negative");
    }

    /// <inheritdoc />
    public override string Describe() => $"ScaleBySchedule({Description})";
}
