namespace Functional.Nets;

/// <summary>Whether <see cref="Trainer.Fit"/> goes on after an epoch.</summary>
public enum FitDecision
{
    /// <summary>Run the next epoch.</summary>
    Continue,

    /// <summary>End the run now.</summary>
    Stop,
}

/// <summary>
/// Hooks into <see cref="Trainer.Fit"/>: progress displays, early stopping, checkpoints. Every method
/// has a do-nothing default; override what you need.
/// </summary>
public abstract class TrainingCallback
{
    /// <summary>Before the first step: the run's shape.</summary>
    public virtual void OnFitStart(int epochs, int batchesPerEpoch, int trainingSamples)
    {
    }

    /// <summary>After each training step.</summary>
    public virtual void OnStep(int epoch, int batch, TrainState state, StepMetrics metrics)
    {
    }

    /// <summary>After each epoch and its validation; return <see cref="FitDecision.Stop"/> to end the run.</summary>
    public virtual FitDecision OnEpochEnd(EpochMetrics metrics, TrainState state) => FitDecision.Continue;

    /// <summary>When the run ends, normally or not.</summary>
    public virtual void OnFitEnd(History history)
    {
    }
}

/// <summary>
/// Stops when the validation loss (or, without validation data, the training loss) has not improved by
/// more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs.
/// </summary>
public sealed class EarlyStopping : TrainingCallback
{
    private double best = double.PositiveInfinity;
    private int waited;

    /// <summary>Creates the callback.</summary>
    public EarlyStopping(int patience = 3, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        Patience = patience;
        MinDelta = minDelta;
    }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>The improvement that counts.</summary>
    public double MinDelta { get; }

    /// <summary>The epoch with the best monitored loss so far.</summary>
    public int BestEpoch { get; private set; }

    /// <inheritdoc />
    public override FitDecision OnEpochEnd(EpochMetrics metrics, TrainState state)
    {
        var loss = metrics.ValidationLoss ?? metrics.TrainLoss;
        if (loss < best - MinDelta)
        {
            best = loss;
            BestEpoch = metrics.Epoch;
            waited = 0;
            return FitDecision.Continue;
        }

        return ++waited >= Patience ? FitDecision.Stop : FitDecision.Continue;
    }

    /// <inheritdoc />
    public override string ToString() => $"EarlyStopping(patience={Patience})";
}
