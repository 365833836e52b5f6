using System.Diagnostics;

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
        options ??= new FitOptions();
        options.Validate();
        var batchesPerEpoch = options.LastBatch == LastBatch.Keep
            ? (train.Count + options.BatchSize - 1) / options.BatchSize
            : train.Count / options.BatchSize;
        if (batchesPerEpoch == 0)
        {
            throw new ArgumentException(
                $"Fit: {train.Count} training samples make no batch of {options.BatchSize} with LastBatch.{options.LastBatch}");
        }

        var history = new History();
        foreach (var c in callbacks)
        {
            c.OnFitStart(options.Epochs, batchesPerEpoch, train.Count);
        }

        var state = initial;
        var clock = Stopwatch.StartNew();
        try
        {
            var firstEpoch = (int)(initial.Step / batchesPerEpoch);
            for (var epoch = firstEpoch; epoch < options.Epochs; epoch++)
            {
                var skip = epoch == firstEpoch ? (int)(initial.Step % batchesPerEpoch) : 0;
                var epochClock = Stopwatch.StartNew();
                double lossSum = 0;
                int samples = 0, correct = 0;
                var hasLabels = false;
                var b = 0;
                foreach (var batch in train.Batches(options.BatchSize, state.EpochKey(epoch), options.LastBatch))
                {
                    using var owned = batch;
                    if (b++ < skip)
                    {
                        continue;
                    }

                    // States this loop made are its own to donate: their buffers receive the next state's values.
                    var (next, m) = Step(state, batch, options.RequireFiniteLoss, donate: !ReferenceEquals(state, initial));
                    if (!ReferenceEquals(state, initial))
                    {
                        state.ReleaseUnshared(next);
                    }

                    state = next;
                    if (options.ReleaseMemoryEvery > 0 && state.Step % options.ReleaseMemoryEvery == 0)
                    {
                        BackendOf(state).ReleaseFreeMemory();
                    }

                    lossSum += m.Loss * m.Count;
                    samples += m.Count;
                    if (m.Correct is { } c)
                    {
                        hasLabels = true;
                        correct += c;
                    }

                    foreach (var cb in callbacks)
                    {
                        cb.OnStep(epoch + 1, b, state, m);
                    }
                }

                var seconds = epochClock.Elapsed.TotalSeconds;
                var val = validation is null ? null : Evaluate(state, validation, options.EvaluationBatchSize);
                var metrics = new EpochMetrics(
                    epoch + 1,
                    state.Step,
                    samples > 0 ? lossSum / samples : double.NaN,
                    hasLabels ? (double)correct / samples : null,
                    val?.Loss,
                    val?.Accuracy,
                    seconds > 0 ? samples / seconds : 0,
                    clock.Elapsed);
                history.Add(metrics);
                var stop = false;
                foreach (var cb in callbacks)
                {
                    if (cb.OnEpochEnd(metrics, state) == FitDecision.Stop)
                    {
                        stop = true;
                        history.StopReason = $"stopped by {cb}";
                    }
                }

                if (stop)
                {
                    break;
                }
            }
        }
        finally
        {
            foreach (var cb in callbacks)
            {
                cb.OnFitEnd(history);
            }
        }

        return (state, history);
    }
}
