using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functional.Nets;

/// <summary>
/// What <see cref="Trainer.Fit"/> (or <see cref="MultiPartTrainer.Fit"/>) knows about its run beyond the tensors: the
/// settings that decide which batch a step count means (batch size, last-batch rule, number of training samples), the
/// metrics of every completed epoch, and the running sums of the epoch in progress. The loop attaches it to every
/// state it hands to a callback (<see cref="TrainState.Progress"/>), <see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/>
/// writes it into the file's metadata, and a resumed <c>Fit</c> checks the settings against its own and continues the
/// history, so that the resumed run's history (the interrupted epoch's mean loss included) is the uninterrupted run's.
/// </summary>
/// <param name="BatchSize">The run's <see cref="FitOptions.BatchSize"/>.</param>
/// <param name="LastBatch">The run's <see cref="FitOptions.LastBatch"/>.</param>
/// <param name="TrainingSamples">The number of samples in the training data.</param>
/// <param name="BatchesPerEpoch">Batches per epoch, from the three above.</param>
/// <param name="Epochs">Every completed epoch's metrics, in order.</param>
/// <param name="Current">The running sums of the epoch in progress, or null at an epoch's end.</param>
/// <param name="Elapsed">Wall time of the run when this progress was recorded (summed over resumed runs).</param>
public sealed record FitProgress(
    int BatchSize,
    LastBatch LastBatch,
    int TrainingSamples,
    int BatchesPerEpoch,
    IReadOnlyList<EpochMetrics> Epochs,
    EpochProgress? Current,
    TimeSpan Elapsed)
{
    /// <summary>Every completed epoch's metrics, in order.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<EpochMetrics> Epochs { get; init => field = value ?? throw new ArgumentNullException(nameof(Epochs)); } = Epochs ?? throw new ArgumentNullException(nameof(Epochs));

    /// <summary>
    /// The differences between the settings this progress was recorded under and those of a new run, one phrase each
    /// (<c>batch size 64 then, 128 now</c>); empty where a resume continues the same run.
    /// </summary>
    public IReadOnlyList<string> Differences(int batchSize, LastBatch lastBatch, int trainingSamples)
    {
        var d = new List<string>();
        if (batchSize != BatchSize)
        {
            d.Add(string.Create(CultureInfo.InvariantCulture, $"batch size {BatchSize} then, {batchSize} now"));
        }

        if (lastBatch != LastBatch)
        {
            d.Add($"LastBatch.{LastBatch} then, LastBatch.{lastBatch} now");
        }

        if (trainingSamples != TrainingSamples)
        {
            d.Add(string.Create(CultureInfo.InvariantCulture, $"{TrainingSamples} training samples then, {trainingSamples} now"));
        }

        return d;
    }

    /// <summary>The progress as the JSON text that a checkpoint's metadata holds.</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["batch_size"] = BatchSize,
            ["last_batch"] = LastBatch.ToString(),
            ["training_samples"] = TrainingSamples,
            ["batches_per_epoch"] = BatchesPerEpoch,
            ["elapsed_ticks"] = Elapsed.Ticks,
            ["epochs"] = new JsonArray([.. Epochs.Select(EpochJson)]),
        };
        if (Current is { } c)
        {
            o["current"] = new JsonObject
            {
                ["epoch"] = c.Epoch,
                ["batches"] = c.Batches,
                ["loss_sum"] = Number(c.LossSum),
                ["samples"] = c.Samples,
                ["correct"] = c.Correct,
                ["seconds"] = Number(c.Seconds),
                ["scalars"] = new JsonArray([.. c.Scalars.Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["sum"] = Number(s.Sum), ["samples"] = s.Samples })]),
            };
        }

        return o.ToJsonString();
    }

    /// <summary>Reads <see cref="ToJson"/>'s text.</summary>
    /// <exception cref="FormatException">The text is not such a record; the message says which field.</exception>
    public static FitProgress FromJson(string json)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the fit record is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the fit record is not valid JSON: {e.Message}", e);
        }

        var lastBatchName = Text(o, "last_batch");
        if (!Enum.TryParse<LastBatch>(lastBatchName, ignoreCase: false, out var lastBatch) || !Enum.IsDefined(lastBatch))
        {
            throw new FormatException($"the fit record's 'last_batch' is '{lastBatchName}'; expected {string.Join(" or ", Enum.GetNames<LastBatch>())}");
        }

        var progress = new FitProgress(
            Positive(o, "batch_size"),
            lastBatch,
            NonNegative(o, "training_samples"),
            Positive(o, "batches_per_epoch"),
            [.. Array(o, "epochs").Select(ReadEpoch)],
            o["current"] is JsonObject c ? ReadCurrent(c) : null,
            TimeSpan.FromTicks(Integer(o, "elapsed_ticks", 0, TimeSpan.MaxValue.Ticks)));
        if (progress.BatchesPerEpoch != MultiPartTrainer.BatchesPerEpoch(progress.TrainingSamples, progress.BatchSize, progress.LastBatch))
        {
            throw new FormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"the fit record's 'batches_per_epoch' is {progress.BatchesPerEpoch}, but {progress.TrainingSamples} samples in batches of {progress.BatchSize} with LastBatch.{progress.LastBatch} make {MultiPartTrainer.BatchesPerEpoch(progress.TrainingSamples, progress.BatchSize, progress.LastBatch)}"));
        }

        return progress;
    }

    private static JsonNode EpochJson(EpochMetrics e) => new JsonObject
    {
        ["epoch"] = e.Epoch,
        ["step"] = e.Step,
        ["train_loss"] = Number(e.TrainLoss),
        ["train_accuracy"] = Number(e.TrainAccuracy),
        ["validation_loss"] = Number(e.ValidationLoss),
        ["validation_accuracy"] = Number(e.ValidationAccuracy),
        ["samples_per_second"] = Number(e.SamplesPerSecond),
        ["elapsed_ticks"] = e.Elapsed.Ticks,
        ["scalars"] = new JsonArray([.. e.TrainScalars.Select(m => (JsonNode)new JsonObject { ["name"] = m.Name, ["value"] = Number(m.Value) })]),
    };

    private static EpochMetrics ReadEpoch(JsonNode? node)
    {
        var e = node as JsonObject ?? throw new FormatException("an entry of the fit record's 'epochs' is not a JSON object");
        return new EpochMetrics(
            Positive(e, "epoch"),
            Integer(e, "step", 0, Checkpoint.MaxStep),
            Double(e, "train_loss") ?? double.NaN,
            Double(e, "train_accuracy"),
            Double(e, "validation_loss"),
            Double(e, "validation_accuracy"),
            Double(e, "samples_per_second") ?? 0,
            TimeSpan.FromTicks(Integer(e, "elapsed_ticks", 0, TimeSpan.MaxValue.Ticks)))
        {
            TrainScalars = [.. Array(e, "scalars").Select(s => s is JsonObject m
                ? new Metric(Text(m, "name"), Double(m, "value") ?? double.NaN)
                : throw new FormatException("an epoch's scalar in the fit record is not a JSON object"))],
        };
    }

    private static EpochProgress ReadCurrent(JsonObject c) => new(
        Positive(c, "epoch"),
        Positive(c, "batches"),
        Double(c, "loss_sum") ?? double.NaN,
        NonNegative(c, "samples"),
        c["correct"] is null ? null : NonNegative(c, "correct"),
        Double(c, "seconds") ?? 0,
        [.. Array(c, "scalars").Select(s => s is JsonObject m
            ? new ScalarSum(Text(m, "name"), Double(m, "sum") ?? double.NaN, NonNegative(m, "samples"))
            : throw new FormatException("a scalar of the fit record's 'current' is not a JSON object"))]);

    // JSON has no NaN or infinity: those (a mean over no samples, a diverged loss) are written as strings that
    // double.Parse reads back; every finite value is written in its shortest round-trip form, so sums continue exactly.
    private static JsonNode? Number(double? v) => v switch
    {
        null => null,
        { } x when double.IsFinite(x) => JsonValue.Create(x),
        { } x => JsonValue.Create(x.ToString(CultureInfo.InvariantCulture)),
    };

    private static double? Double(JsonObject o, string name)
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (node is JsonValue s && s.TryGetValue<string>(out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var special) && !double.IsFinite(special))
        {
            return special;
        }

        throw new FormatException($"the fit record's '{name}' is {node.ToJsonString()}, not a number");
    }

    private static long Integer(JsonObject o, string name, long min, long max)
    {
        if (o[name] is JsonValue v && v.TryGetValue<long>(out var n) && n >= min && n <= max)
        {
            return n;
        }

        throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"the fit record's '{name}' is {o[name]?.ToJsonString() ?? "missing"}; expected an integer in [{min}, {max}]"));
    }

    private static int Positive(JsonObject o, string name) => (int)Integer(o, name, 1, int.MaxValue);

    private static int NonNegative(JsonObject o, string name) => (int)Integer(o, name, 0, int.MaxValue);

    private static string Text(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new FormatException($"the fit record's '{name}' is {o[name]?.ToJsonString() ?? "missing"}; expected a string");

    private static JsonArray Array(JsonObject o, string name) =>
        o[name] as JsonArray ?? throw new FormatException($"the fit record's '{name}' is {o[name]?.ToJsonString() ?? "missing"}; expected an array");
}

/// <summary>The running sums of an epoch in progress, from which its mean loss, accuracy and scalars are completed.</summary>
/// <param name="Epoch">The epoch, counted from 1.</param>
/// <param name="Batches">Batches of the epoch taken so far (≥ 1).</param>
/// <param name="LossSum">Σ loss × batch size over those batches, in the order they were taken.</param>
/// <param name="Samples">Samples in those batches.</param>
/// <param name="Correct">Correctly classified samples among them, when the data has labels.</param>
/// <param name="Seconds">Training time of the epoch so far.</param>
/// <param name="Scalars">Σ value × batch size of every named step scalar, in order of first appearance.</param>
public sealed record EpochProgress(int Epoch, int Batches, double LossSum, int Samples, int? Correct, double Seconds, IReadOnlyList<ScalarSum> Scalars)
{
    /// <summary>Σ value × batch size of every named step scalar, in order of first appearance.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<ScalarSum> Scalars { get; init => field = value ?? throw new ArgumentNullException(nameof(Scalars)); } = Scalars ?? throw new ArgumentNullException(nameof(Scalars));
}

/// <summary>The running sum of one named step scalar over an epoch in progress.</summary>
/// <param name="Name">The scalar's name (<see cref="StepMetrics.Scalars"/>).</param>
/// <param name="Sum">Σ value × batch size.</param>
/// <param name="Samples">Samples in the batches that reported it.</param>
public sealed record ScalarSum(string Name, double Sum, int Samples)
{
    /// <summary>The scalar's name (<see cref="StepMetrics.Scalars"/>).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));
}
