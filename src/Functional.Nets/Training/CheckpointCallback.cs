using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Saves the whole <see cref="TrainState"/> or <see cref="MultiPartState"/> (parameters, layer state, optimizer state of every part, step, key) with
/// <see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/> at the end of every <see cref="Every"/>-th epoch, so a run that crashes
/// resumes from the last save with <c>trainer.Fit(Checkpoint.Load(path, backend), ...)</c> and continues
/// exactly as if never stopped.
/// </summary>
/// <remarks>
/// <para>
/// The path may contain <c>{epoch}</c>, replaced by the epoch number (counted from 1), to keep one file
/// per save (<c>out/epoch-{epoch}.safetensors</c>); without it every save replaces the previous one. Each
/// save is atomic, so a crash mid-save leaves the previous checkpoint intact. The directory is created if
/// it is missing.
/// </para>
/// <para>
/// Saving happens in <see cref="TrainingCallback.OnEpochEnd"/>, after validation and before the next
/// epoch; an epoch that is not a multiple of <see cref="Every"/> (the last one of a run, or one where
/// early stopping ends it) is not saved.
/// </para>
/// </remarks>
public sealed class CheckpointEvery : TrainingCallback
{
    private readonly IReadOnlyDictionary<string, string>? metadata;

    /// <summary>Creates the callback.</summary>
    /// <param name="epochs">Save after every this many epochs (≥ 1).</param>
    /// <param name="path">The file to write, optionally with <c>{epoch}</c> in it.</param>
    /// <param name="metadata">Extra header strings for every file (e.g. the model's description); see <see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public CheckpointEvery(int epochs, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Every = epochs;
        Path = path;
        this.metadata = metadata;
    }

    /// <summary>Epochs between saves.</summary>
    public int Every { get; }

    /// <summary>The path pattern as given (with <c>{epoch}</c>, if any, not yet replaced).</summary>
    public string Path { get; }

    /// <summary>The file written last, or null before the first save.</summary>
    public string? LastSaved { get; private set; }

    /// <summary>The file that the save after <paramref name="epoch"/> writes.</summary>
    public string PathFor(int epoch) => Path.Replace("{epoch}", epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <inheritdoc />
    public override FitDecision OnEpochEnd(EpochMetrics metrics, TrainState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Save(metrics, file => Checkpoint.Save(file, state, metadata));
    }

    /// <inheritdoc />
    /// <remarks>Every part is saved (see <see cref="Checkpoint.Save(string, MultiPartState, IReadOnlyDictionary{string, string}?)"/>); a one-part state as a <see cref="TrainState"/>.</remarks>
    public override FitDecision OnMultiPartEpochEnd(EpochMetrics metrics, MultiPartState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Save(metrics, file => Checkpoint.Save(file, state, metadata));
    }

    private FitDecision Save(EpochMetrics metrics, Action<string> save)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Epoch % Every == 0)
        {
            var file = PathFor(metrics.Epoch);
            CreateDirectoryOf(file);
            save(file);
            LastSaved = file;
        }

        return FitDecision.Continue;
    }

    /// <inheritdoc />
    public override string ToString() => $"CheckpointEvery({Every}, {Path})";

    /// <summary>Creates the directory that <paramref name="file"/> goes in, if it is missing.</summary>
    internal static void CreateDirectoryOf(string file)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
    }
}
