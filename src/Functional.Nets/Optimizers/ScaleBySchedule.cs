namespace Functional.Nets;

/// <summary>u = −α(t)·g: the last link of most chains, turning a direction into a descent step.</summary>
public sealed class ScaleBySchedule : Optimizer
{
    /// <summary>Creates the transformation with learning-rate schedule <paramref name="schedule"/>.</summary>
    public ScaleBySchedule(Schedule schedule, string description = "schedule")
    {
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
        var rate = Schedule(t);
        return (gradients.Map(g => g * -rate), TensorTree.Of(StepCount.Next(state, t)));
    }

    /// <inheritdoc />
    public override string Describe() => $"ScaleBySchedule({Description})";
}
