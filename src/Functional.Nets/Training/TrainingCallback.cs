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
/// Hooks into <see cref="Trainer.Fit"/> and <see cref="MultiPartTrainer.Fit"/>: progress displays, early stopping,
/// checkpoints. Every method has a do-nothing default; override what you need.
/// </summary>
/// <remarks>
/// Both loops call <see cref="OnMultiPartStep"/> and <see cref="OnMultiPartEpochEnd"/>, whose defaults pass a
/// one-part state on to <see cref="OnStep"/> and <see cref="OnEpochEnd"/> as a <see cref="TrainState"/> (the same
/// tensors). A callback that overrides only the <see cref="TrainState"/> hooks therefore sees every
/// <see cref="Trainer"/> run and every one-part run; override the multi-part hooks to see runs of several parts.
/// </remarks>
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

    /// <summary>After each training step of any run; by default <see cref="OnStep"/> for a one-part state, nothing otherwise.</summary>
    public virtual void OnMultiPartStep(int epoch, int batch, MultiPartState state, StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Parts.Count == 1)
        {
            OnStep(epoch, batch, state.ToTrainState(), metrics);
        }
    }

    /// <summary>
    /// After each epoch of any run; by default <see cref="OnEpochEnd"/> for a one-part state, and
    /// <see cref="FitDecision.Continue"/> otherwise.
    /// </summary>
    public virtual FitDecision OnMultiPartEpochEnd(EpochMetrics metrics, MultiPartState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Parts.Count == 1 ? OnEpochEnd(metrics, state.ToTrainState()) : FitDecision.Continue;
    }

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
    public override FitDecision OnEpochEnd(EpochMetrics metrics, TrainState state) => Judge(metrics);

    /// <inheritdoc />
    public override FitDecision OnMultiPartEpochEnd(EpochMetrics metrics, MultiPartState state) => Judge(metrics);

    private FitDecision Judge(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
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
