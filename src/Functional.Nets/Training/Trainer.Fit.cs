namespace Functional.Nets;

/// <summary>The training loop.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Trains from <paramref name="initial"/> for <see cref="FitOptions.Epochs"/> epochs of shuffled
    /// minibatches (epoch e shuffled by <see cref="TrainState.EpochKey"/>(e)), evaluating on
    /// <paramref name="validation"/> after each epoch, and returns the final state with the history.
    /// </summary>
    /// <remarks>
    /// Resuming: if <paramref name="initial"/> has already taken steps (e.g. loaded from a checkpoint),
    /// the loop starts in the epoch and at the batch that step count implies, so a run that is stopped
    /// and resumed takes exactly the steps an uninterrupted run would. Every intermediate state the loop
    /// creates is released once its successor exists; <paramref name="initial"/> is left to the caller.
    /// </remarks>
    public (TrainState State, History History) Fit(
        TrainState initial,
        Dataset train,
        FitOptions? options = null,
        Dataset? validation = null,
        params TrainingCallback[] callbacks)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _ = BackendOf(initial);
        var start = AsMultiPart(initial);
        Func<MultiPartState, StepMetrics>? validate = validation is null
            ? null
            : s => Evaluate(s.ToTrainState(), validation, (options ?? new FitOptions()).EvaluationBatchSize);
        var (final, history) = Core.Fit(start, train, options, validate, callbacks);

        // No step taken (a resumed run already past its last epoch): the state passed in comes back itself.
        return (ReferenceEquals(final, start) ? initial : final.ToTrainState(), history);
    }
}
