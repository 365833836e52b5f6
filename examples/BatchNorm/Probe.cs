namespace Functional.Nets.Examples.BatchNorm;

/// <summary>One measurement: test accuracy and the 15th, 50th and 85th percentiles of one sigmoid's input over the test digits.</summary>
internal sealed record Sample(long Step, double TestAccuracy, double P15, double P50, double P85);

/// <summary>
/// Measures the run every <see cref="Every"/> steps, as the paper's Figure 1 does: accuracy on the test digits,
/// and the distribution of the input to one sigmoid of the last hidden layer over those digits (evaluation mode,
/// so with batch norm the running statistics normalize).
/// </summary>
internal sealed class Probe : TrainingCallback
{
    private readonly Trainer trainer;
    private readonly Dataset test;
    private readonly List<Sample> samples = [];

    /// <summary>Creates the probe.</summary>
    public Probe(Trainer trainer, Dataset test, int every, int unit)
    {
        this.trainer = trainer;
        this.test = test;
        Every = every;
        Unit = unit;
    }

    /// <summary>Steps between measurements.</summary>
    public int Every { get; }

    /// <summary>The probed unit of the last hidden layer.</summary>
    public int Unit { get; }

    /// <summary>The measurements so far, by step.</summary>
    public IReadOnlyList<Sample> Samples => samples;

    /// <summary>Measures <paramref name="state"/> now (used for step 0, before training).</summary>
    public void Record(TrainState state)
    {
        var backend = test.Backend;
        using var scope = backend.Scope();
        var accuracy = trainer.Evaluate(state, test, 1000).Accuracy ?? double.NaN;
        var inputs = Network.LastSigmoidInput((Sequential)trainer.Model, state.Parameters, state.LayerState, test.Inputs, Unit);
        Array.Sort(inputs);
        samples.Add(new Sample(state.Step, accuracy, Percentile(inputs, 0.15), Percentile(inputs, 0.50), Percentile(inputs, 0.85)));
    }

    /// <inheritdoc />
    public override void OnStep(int epoch, int batch, TrainState state, StepMetrics metrics)
    {
        if (state.Step % Every == 0)
        {
            Record(state);
        }
    }

    /// <summary>The p-quantile of sorted values, interpolated linearly between neighbours (NumPy's default): v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋]), h = (n − 1)p.</summary>
    private static double Percentile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var low = (int)Math.Floor(h);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }
}
