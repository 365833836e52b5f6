using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Saves the whole state, as <see cref="CheckpointEvery"/> does, after every <see cref="Every"/>-th training step
/// (counted over the run, <see cref="TrainState.Step"/>), so that a long epoch can be resumed from its middle. The
/// state <c>Fit</c> hands over carries its <see cref="FitProgress"/>, so the file also holds the completed epochs'
/// metrics and the running sums of the epoch in progress: a <c>Fit</c> resumed from it returns the uninterrupted run's
/// history, the interrupted epoch's mean loss over all its batches included.
/// </summary>
/// <remarks>
/// The path may contain <c>{step}</c>, replaced by the step count, to keep one file per save; without it every save
/// replaces the previous one. Each save is atomic, and the directory is created if it is missing.
/// </remarks>
public sealed class CheckpointEverySteps : TrainingCallback
{
    private readonly IReadOnlyDictionary<string, string>? metadata;

    /// <summary>Creates the callback.</summary>
    /// <param name="steps">Save after every this many steps (≥ 1).</param>
    /// <param name="path">The file to write, optionally with <c>{step}</c> in it.</param>
    /// <param name="metadata">Extra header strings for every file; see <see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public CheckpointEverySteps(long steps, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Every = steps;
        Path = path;
        this.metadata = metadata;
    }

    /// <summary>Steps between saves.</summary>
    public long Every { get; }

    /// <summary>The path pattern as given (with <c>{step}</c>, if any, not yet replaced).</summary>
    public string Path { get; }

    /// <summary>The file written last, or null before the first save.</summary>
    public string? LastSaved { get; private set; }

    /// <summary>The file that the save after step <paramref name="step"/> writes.</summary>
    public string PathFor(long step) => Path.Replace("{step}", step.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <inheritdoc />
    public override void OnStep(int epoch, int batch, TrainState state, StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(state);
        Save(state.Step, file => Checkpoint.Save(file, state, metadata));
    }

    /// <inheritdoc />
    /// <remarks>Every part is saved; a one-part state as a <see cref="TrainState"/> (through <see cref="OnStep"/>).</remarks>
    public override void OnMultiPartStep(int epoch, int batch, MultiPartState state, StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Parts.Count == 1)
        {
            base.OnMultiPartStep(epoch, batch, state, metrics);
            return;
        }

        Save(state.Step, file => Checkpoint.Save(file, state, metadata));
    }

    /// <inheritdoc />
    public override string ToString() => $"CheckpointEverySteps({Every}, {Path})";

    private void Save(long step, Action<string> save)
    {
        if (step % Every == 0)
        {
            var file = PathFor(step);
            CheckpointEvery.CreateDirectoryOf(file);
            save(file);
            LastSaved = file;
        }
    }
}
