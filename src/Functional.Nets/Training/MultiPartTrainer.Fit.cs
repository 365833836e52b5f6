using System.Diagnostics;
using System.Globalization;

namespace Functional.Nets;

/// <summary>The training loop for any objective.</summary>
public sealed partial class MultiPartTrainer
{
    /// <summary>
    /// Trains from <paramref name="initial"/> for <see cref="FitOptions.Epochs"/> epochs of shuffled minibatches (epoch
    /// e shuffled by <see cref="MultiPartState.EpochKey"/>(e)), one <see cref="Step"/> per batch, calling
    /// <paramref name="validate"/> (if any) after each epoch, and returns the final state with the history.
    /// <see cref="Trainer.Fit"/> is this loop with one part.
    /// </summary>
    /// <param name="initial">The starting state; left to the caller (never donated or released).</param>
    /// <param name="train">The training data; it may have inputs only.</param>
    /// <param name="options">Epochs, batch size and the rest; defaults if null.</param>
    /// <param name="validate">Measures a state after each epoch (its loss and accuracy become the epoch's validation figures); none if null.</param>
    /// <param name="callbacks">Progress displays, early stopping, checkpoints: they see <see cref="TrainingCallback.OnMultiPartStep"/> and <see cref="TrainingCallback.OnMultiPartEpochEnd"/>.</param>
    /// <remarks>
    /// Resuming: if <paramref name="initial"/> has already taken steps (e.g. loaded from a checkpoint), the loop starts
    /// in the epoch and at the batch that step count implies, so a run stopped and resumed takes exactly the steps an
    /// uninterrupted run would. Every intermediate state the loop creates is donated to the next step and released
    /// once its successor exists.
    /// </remarks>
    public (MultiPartState State, History History) Fit(
        MultiPartState initial,
        Dataset train,
        FitOptions? options = null,
        Func<MultiPartState, StepMetrics>? validate = null,
        params TrainingCallback[] callbacks)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(callbacks);
        options ??= new FitOptions();
        options.Validate();
        RequireParts(initial);
        var batchesPerEpoch = BatchesPerEpoch(train.Count, options.BatchSize, options.LastBatch);
        if (batchesPerEpoch == 0)
        {
            throw new ArgumentException(
                $"Fit: {train.Count} training samples make no batch of {options.BatchSize} with LastBatch.{options.LastBatch}");
        }

        // In 64 bits: a step count up to Checkpoint.MaxStep over one batch per epoch is an epoch number beyond int,
        // which must read as "past the last epoch", never wrap to a negative one. Below options.Epochs it fits an int.
        var stepsDone = initial.Step / batchesPerEpoch;
        var firstEpoch = stepsDone >= options.Epochs ? options.Epochs : (int)stepsDone;
        var firstSkip = (int)(initial.Step % batchesPerEpoch);
        var resumed = Resumed(initial, options, train.Count, firstSkip);
        if (resumed?.Current is { } ended && ended.Batches == batchesPerEpoch && stepsDone <= options.Epochs)
        {
            // Saved after an epoch's last step but before its end (validation, history, epoch callbacks): the resumed
            // run takes no step of that epoch and completes it from the record's sums.
            firstEpoch = (int)stepsDone - 1;
            firstSkip = batchesPerEpoch;
        }
        var history = new History();
        foreach (var e in resumed?.Epochs ?? [])
        {
            history.Add(e);
        }

        foreach (var c in callbacks)
        {
            c.OnFitStart(options.Epochs, batchesPerEpoch, train.Count);
        }

        var state = initial;
        var clock = Stopwatch.StartNew();
        var elapsedBefore = resumed?.Elapsed ?? TimeSpan.Zero;
        IReadOnlyList<EpochMetrics> completed = [.. history.Epochs];
        try
        {
            for (var epoch = firstEpoch; epoch < options.Epochs; epoch++)
            {
                var skip = epoch == firstEpoch ? firstSkip : 0;
                var partial = epoch == firstEpoch ? resumed?.Current : null;
                var epochClock = Stopwatch.StartNew();
                var secondsBefore = partial?.Seconds ?? 0;
                double lossSum = partial?.LossSum ?? 0;
                int samples = partial?.Samples ?? 0, correct = partial?.Correct ?? 0;
                var hasLabels = partial?.Correct is not null;
                var scalarSums = new Dictionary<string, double>(StringComparer.Ordinal);
                var scalarOrder = new List<string>();
                var scalarCounts = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var s in partial?.Scalars ?? [])
                {
                    scalarOrder.Add(s.Name);
                    scalarSums[s.Name] = s.Sum;
                    scalarCounts[s.Name] = s.Samples;
                }

                var b = 0;
                foreach (var batch in train.Batches(options.BatchSize, state.EpochKey(epoch), options.LastBatch))
                {
                    using var owned = batch;
                    if (b++ < skip)
                    {
                        continue;
                    }

                    // States this loop made are its own to donate: their buffers receive the next state's values.
                    var (next, m) = Step(state, batch, options.RequireFiniteLoss, donate: !ReferenceEquals(state, initial), requireFiniteUpdates: options.RequireFiniteUpdates ?? options.RequireFiniteLoss);
                    if (!ReferenceEquals(state, initial))
                    {
                        state.ReleaseUnshared(next);
                    }

                    state = next;
                    if (options.ReleaseMemoryEvery > 0 && state.Step % options.ReleaseMemoryEvery == 0)
                    {
                        state.Backend.ReleaseFreeMemory();
                    }

                    lossSum += m.Loss * m.Count;
                    samples += m.Count;
                    if (m.Correct is { } c)
                    {
                        hasLabels = true;
                        correct += c;
                    }

                    foreach (var s in m.Scalars)
                    {
                        if (!scalarSums.ContainsKey(s.Name))
                        {
                            scalarOrder.Add(s.Name);
                            scalarSums[s.Name] = 0;
                            scalarCounts[s.Name] = 0;
                        }

                        scalarSums[s.Name] += s.Value * m.Count;
                        scalarCounts[s.Name] += m.Count;
                    }

                    if (callbacks.Length > 0)
                    {
                        // What a checkpoint taken now needs to resume mid-epoch with the whole epoch's means.
                        state = state with
                        {
                            Progress = new FitProgress(
                                options.BatchSize, options.LastBatch, train.Count, batchesPerEpoch, completed,
                                new EpochProgress(
                                    epoch + 1, b, lossSum, samples, hasLabels ? correct : null, secondsBefore + epochClock.Elapsed.TotalSeconds,
                                    [.. scalarOrder.Select(n => new ScalarSum(n, scalarSums[n], scalarCounts[n]))]),
                                elapsedBefore + clock.Elapsed),
                        };
                    }

                    foreach (var cb in callbacks)
                    {
                        cb.OnMultiPartStep(epoch + 1, b, state, m);
                    }
                }

                var seconds = secondsBefore + epochClock.Elapsed.TotalSeconds;
                var val = validate?.Invoke(state);
                var metrics = new EpochMetrics(
                    epoch + 1,
                    state.Step,
                    samples > 0 ? lossSum / samples : double.NaN,
                    hasLabels ? (double)correct / samples : null,
                    val?.Loss,
                    val?.Accuracy,
                    seconds > 0 ? samples / seconds : 0,
                    elapsedBefore + clock.Elapsed)
                {
                    TrainScalars = scalarOrder.Select(n => new Metric(n, scalarSums[n] / scalarCounts[n])).ToArray(),
                };
                history.Add(metrics);
                completed = [.. history.Epochs];
                if (callbacks.Length > 0)
                {
                    state = state with
                    {
                        Progress = new FitProgress(options.BatchSize, options.LastBatch, train.Count, batchesPerEpoch, completed, null, metrics.Elapsed),
                    };
                }

                var stop = false;
                foreach (var cb in callbacks)
                {
                    if (cb.OnMultiPartEpochEnd(metrics, state) == FitDecision.Stop)
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

    /// <summary>
    /// The fit record of a state that resumes a run, checked against this run: null for a fresh state or one without a
    /// record (saved outside <c>Fit</c>, or by an older version), which resumes by its step count alone.
    /// </summary>
    /// <exception cref="ArgumentException">The run's batch size, last-batch rule or training-set size differ from the record's (the same step would mean other batches), or the record does not match the state's step.</exception>
    private static FitProgress? Resumed(MultiPartState initial, FitOptions options, int trainingSamples, int skip)
    {
        if (initial.Step == 0 || initial.Progress is not { } p)
        {
            return null;
        }

        var differences = p.Differences(options.BatchSize, options.LastBatch, trainingSamples);
        if (differences.Count > 0)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"Fit: the state resumes a run at step {initial.Step}, but this run differs from it: {string.Join("; ", differences)}. The same step would mean other batches, and the epoch's means would mix two runs: resume with the same settings and data, or start a new run from step 0."));
        }

        // The step count says where the run stands: stepsDone whole epochs, then skip batches of the next one.
        var stepsDone = initial.Step / p.BatchesPerEpoch;
        var consistent = p.Current is { } c
            ? (p.Epochs.Count == stepsDone && c.Epoch == stepsDone + 1 && c.Batches == skip)
              || (skip == 0 && p.Epochs.Count == stepsDone - 1 && c.Epoch == stepsDone && c.Batches == p.BatchesPerEpoch)
            : p.Epochs.Count == stepsDone && skip == 0;
        if (!consistent)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"Fit: the state's step {initial.Step} means {stepsDone} completed epochs and {skip} batches of the next, but its fit record holds {p.Epochs.Count} completed epochs and {p.Current?.Batches ?? 0} batches of the next: the record belongs to another step (resume from `state with {{ Progress = null }}` to go by the step count alone)."));
        }

        return p;
    }

    /// <summary>
    /// The batches of one epoch: ⌈N / B⌉ with <see cref="LastBatch.Keep"/>, ⌊N / B⌋ with <see cref="LastBatch.Drop"/>.
    /// Computed in checked 64-bit arithmetic (N + B − 1 exceeds int for B near int.MaxValue); the count never exceeds N, so it fits an int.
    /// </summary>
    internal static int BatchesPerEpoch(int samples, int batchSize, LastBatch last)
    {
        long n = samples, b = batchSize;
        var count = last == LastBatch.Keep ? checked((n + b - 1) / b) : n / b;
        return checked((int)count);
    }
}
