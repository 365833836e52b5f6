// Transfer learning, as the lecture poses it: f(x, α) universal, g(x, β) task-specific. A CNN backbone f is
// trained with a head g on the base task, the digits 0-4 of mnist10k's training part (all of them, ℓ ≈ 4,000), and
// saved as a checkpoint; then the target task, the digits 5-9 with m labelled images per class, is trained three
// ways: (a) the backbone loaded and frozen, a new head fitted (only β′: no gradient is computed for α, and the
// backbone's batch norms run on their loaded statistics); (b) the backbone loaded and fine-tuned end to end; (c) the
// same network from scratch. Test accuracy on the 5-9 digits of the test part, mean ± spread over seeds per cell.
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples;
using Functional.Nets.Examples.Transfer;
using Functional.Nets.Reference;
using Functional.Nets.Reporting;
using Functional.Nets.Torch;

var clock = Stopwatch.StartNew();
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Options.Usage);
    return 0;
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"Transfer: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

if (options.Quick)
{
    // Every stage for CI in seconds: a short base training, one seed of m = 5 and of "all" (a 250-digit pool), 4 steps each.
    options = options with { BaseEpochs = 1, Steps = 4, Seeds = 1, PerClass = [5, 0] };
}

var root = Repository.Root();
var dataDirectory = options.Data ?? Path.Combine(root, "..", "shared", "data", "mnist10k");
var outDirectory = options.Out ?? Path.Combine(root, "examples", "Transfer", "out");
Directory.CreateDirectory(outDirectory);
var backend = TorchBackend.CpuFloat32;
if (options.Threads > 0)
{
    TorchBackend.Threads = options.Threads;
}

DigitTasks tasks;
try
{
    var all = Mnist.Load(dataDirectory, ReferenceBackend.Instance, layout: MnistLayout.Images);
    var testCount = all.Count / 5;
    tasks = DigitTasks.From(all.Slice(0, all.Count - testCount), all.Slice(all.Count - testCount, testCount));
}
catch (Exception e) when (e is IOException or IdxFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Pass an MNIST IDX directory with --data DIR.");
    return 2;
}

if (options.Quick)
{
    tasks = new DigitTasks(tasks.BaseTrain.Slice(0, 256), tasks.BaseTest.Slice(0, 200), tasks.TargetPool.Slice(0, 250), tasks.TargetTest.Slice(0, 200));
}

Console.WriteLine($"data: {Path.GetFullPath(dataDirectory)}");
Console.WriteLine($"base task: digits 0-4, {tasks.BaseTrain.Count} to train (ℓ), {tasks.BaseTest.Count} to test; target task: digits 5-9, a pool of {tasks.TargetPool.Count} to draw m per class from, {tasks.TargetTest.Count} to test");

// (1) The base task: f and a head g trained together on all of digits 0-4, f saved.
var baseModel = new Sequential(new RandomShift(options.Shift), TransferModel.Backbone(options), TransferModel.Head(options, DigitTasks.Classes, dropout: 0));
Console.WriteLine($"backbone f: {string.Join(" → ", TransferModel.Backbone(options).Layers.Select(l => l.Describe()))}, {TransferModel.Backbone(options).ParameterCount:N0} parameters");
var baseTrain = tasks.BaseTrain.ToBackend(backend);
var baseTest = tasks.BaseTest.ToBackend(backend);
var baseFit = new FitOptions { Epochs = options.BaseEpochs, BatchSize = options.BatchSize, EvaluationBatchSize = 500 };
var baseTrainer = TransferModel.Trainer(baseModel, options, baseFit.Epochs * ((baseTrain.Count + baseFit.BatchSize - 1) / baseFit.BatchSize), Way.Scratch);
TrainState trained;
History baseHistory;
using (var display = new ProgressDisplay($"base task (digits 0-4) on {backend.Name} {backend.DType.Name()}"))
{
    (trained, baseHistory) = baseTrainer.Fit(baseTrainer.Init(Key.FromSeed(1000), backend), baseTrain, baseFit, baseTest, display);
}

var baseAccuracy = baseTrainer.Evaluate(trained, baseTest, 500).Accuracy ?? double.NaN;
var checkpoint = Path.Combine(outDirectory, $"backbone-{options.Cut}{(options.Quick ? "-quick" : "")}.safetensors");
TransferModel.SaveBackbone(checkpoint, trained);
Curves.WritePng(baseHistory, Path.Combine(outDirectory, $"base-{options.Cut}{(options.Quick ? "-quick" : "")}.png"), "base task: digits 0-4", validationLabel: "test");
var baseSeconds = clock.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"base task: test accuracy {100 * baseAccuracy:F2}% on digits 0-4 after {baseSeconds:F1} s; backbone saved to {checkpoint}"));
trained.ReleaseUnshared(new TrainState(TensorTree.Empty, TensorTree.Empty, TensorTree.Empty, 0, trained.Key));
baseTrain.Dispose();
baseTest.Dispose();

// (2) The target task, m labelled digits per class of 5-9, three ways, several seeds.
var ways = new[] { (Way.Frozen, "(a) frozen f, new head"), (Way.FineTuned, "(b) fine-tuned f"), (Way.Scratch, "(c) from scratch") };
var table = new SeedTable("m per class", ways.Select(w => w.Item2).ToArray());
var targetTest = tasks.TargetTest.ToBackend(backend);
var reported = false;
foreach (var m in options.PerClass)
{
    var row = m == 0 ? $"all (~{tasks.TargetPool.Count / DigitTasks.Classes})" : m.ToString(CultureInfo.InvariantCulture);
    for (var seed = 0; seed < options.Seeds; seed++)
    {
        var (sampleKey, runKey) = Key.FromSeed(seed).Fold((ulong)m).Split();
        var sample = DigitTasks.Sample(tasks.TargetPool, m, sampleKey);
        var train = sample.ToBackend(backend);
        var batch = Math.Min(options.BatchSize, train.Count);
        var batchesPerEpoch = (train.Count + batch - 1) / batch;
        var fit = new FitOptions { Epochs = (options.Steps + batchesPerEpoch - 1) / batchesPerEpoch, BatchSize = batch, EvaluationBatchSize = 500 };
        foreach (var (way, column) in ways)
        {
            var cellClock = Stopwatch.StartNew();
            var model = TransferModel.Model(options, way);
            var trainer = TransferModel.Trainer(model, options, (long)fit.Epochs * batchesPerEpoch, way);

            // The same key for the three ways: the same head, shuffles, shifts and dropout masks; scratch's backbone is fresh.
            var start = TransferModel.Start(trainer, way, checkpoint, runKey, backend);
            if (way == Way.Frozen && !reported)
            {
                reported = true;
                var frozenLeaves = start.Parameters.Where(trainer.Frozen!);
                Console.WriteLine($"(a) freezes {frozenLeaves.Count} of {start.Parameters.Count} leaves ({frozenLeaves.Sum(l => l.Value.Shape.Size):N0} of {start.Parameters.Sum(l => l.Value.Shape.Size):N0} parameters): they enter each step as constants, so no gradient is computed for them; the optimizer state holds {start.OptimizerState.Count} leaves, the head's");
            }

            var (final, _) = trainer.Fit(start, train, fit);
            var accuracy = trainer.Evaluate(final, targetTest, 500).Accuracy ?? double.NaN;
            table.Add(row, column, accuracy);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"m = {row,-9} seed {seed}  {column,-22} {train.Count,5} digits, {fit.Epochs * batchesPerEpoch,4} steps: test accuracy {100 * accuracy:F2}%  ({cellClock.Elapsed.TotalSeconds:F1} s)"));
            final.ReleaseUnshared(start);
            start.ReleaseUnshared(new TrainState(TensorTree.Empty, TensorTree.Empty, TensorTree.Empty, 0, start.Key));
        }

        if (!ReferenceEquals(sample, tasks.TargetPool))
        {
            sample.Dispose();
        }

        train.Dispose();
    }
}

targetTest.Dispose();
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy on digits 5-9 (%), mean ± sample standard deviation over {options.Seeds} seed(s); {options.Steps} steps per cell, f cut after the {options.Cut} layer(s), backbone from the base task ({100 * baseAccuracy:F2}% on 0-4):"));
Console.WriteLine(table.ToMarkdown());
var tablePath = Path.Combine(outDirectory, $"table-{options.Cut}{(options.Quick ? "-quick" : "")}.md");
table.WriteMarkdown(tablePath);
var ten = table.Values("10", ways[0].Item2).Count > 0
    ? string.Create(CultureInfo.InvariantCulture, $"; at m = 10 frozen - scratch = {100 * (table.Mean("10", ways[0].Item2) - table.Mean("10", ways[2].Item2)):F1} points")
    : "";
Console.WriteLine($"table: {tablePath}{ten}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {clock.Elapsed.TotalSeconds:F1} s (base task {baseSeconds:F1} s){LoadAverage()}"));
return 0;

// The 1, 5 and 15 minute load averages: timings on a shared machine mean little without them.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";
