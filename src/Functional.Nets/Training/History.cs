using System.Globalization;
using System.Text;

namespace Functional.Nets;

/// <summary>What one epoch measured.</summary>
/// <param name="Epoch">The epoch, counted from 1.</param>
/// <param name="Step">Training steps taken by the end of the epoch.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (weighted by batch size), measured while training.</param>
/// <param name="TrainAccuracy">Training accuracy over the epoch, when the data has labels.</param>
/// <param name="ValidationLoss">Loss on the validation data in evaluation mode, if any was given.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data, if it has labels.</param>
/// <param name="SamplesPerSecond">Training throughput over the epoch.</param>
/// <param name="Elapsed">Wall time since the start of the run.</param>
public sealed record EpochMetrics(
    int Epoch,
    long Step,
    double TrainLoss,
    double? TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double SamplesPerSecond,
    TimeSpan Elapsed)
{
    /// <summary>
    /// The epoch's mean of every named scalar of its steps (<see cref="StepMetrics.Scalars"/>, weighted by batch size),
    /// in the order they first appeared: <c>discriminator.loss</c>, <c>generator.loss</c>.
    /// </summary>
    public IReadOnlyList<Metric> TrainScalars { get; init; } = [];

    /// <summary>The mean of the named scalar <paramref name="name"/> over the epoch, or null if no step reported it.</summary>
    public double? Scalar(string name) => TrainScalars.FirstOrDefault(m => m.Name == name)?.Value;
}

/// <summary>The metrics of every epoch of a run, and its final state.</summary>
public sealed class History
{
    private readonly List<EpochMetrics> epochs = [];

    /// <summary>One entry per completed epoch.</summary>
    public IReadOnlyList<EpochMetrics> Epochs => epochs;

    /// <summary>Why the run ended: "completed", or the callback that stopped it.</summary>
    public string StopReason { get; internal set; } = "completed";

    internal void Add(EpochMetrics m) => epochs.Add(m);

    /// <summary>The history as CSV with a header row (invariant culture; empty cells for absent values).</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("epoch,step,train_loss,train_accuracy,validation_loss,validation_accuracy,samples_per_second,elapsed_seconds\n");
        foreach (var e in epochs)
        {
            sb.AppendLine(string.Join(',',
                Cell(e.Epoch), Cell(e.Step), Cell(e.TrainLoss), Cell(e.TrainAccuracy), Cell(e.ValidationLoss),
                Cell(e.ValidationAccuracy), Cell(e.SamplesPerSecond), Cell(e.Elapsed.TotalSeconds)));
        }

        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/>.</summary>
    public void WriteCsv(string path) => File.WriteAllText(path, ToCsv());

    private static string Cell(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Cell(long v) => v.ToString(CultureInfo.InvariantCulture);
}
