// The batch-normalization paper's MNIST experiment (Ioffe and Szegedy 2015, section 4.1, Figure 1) in small:
// three fully connected hidden layers of 100 sigmoid units, weights from small random Gaussians, plain SGD on
// minibatches of 60, trained with and without batch normalization on the first 8,000 digits of
// ../shared/data/mnist10k and tested on the last 2,000, at the same learning rate and at a raised one.
// Writes the figure (test accuracy over steps; the 15th, 50th and 85th percentiles of the input to one
// sigmoid of the last hidden layer over training) and ends with the two final accuracies.
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples.BatchNorm;
using Functional.Nets.Reference;
using Functional.Nets.Reporting;
using Functional.Nets.Torch;

var clock = Stopwatch.StartNew();
var settings = Settings.Parse(args);
if (settings is null)
{
    return 2;
}

var root = RepositoryRoot();
var dataDirectory = settings.Data ?? Path.Combine(root, "..", "shared", "data", "mnist10k");
var outDirectory = settings.Out ?? Path.Combine(root, "examples", "BatchNorm", "out");
TorchBackend.Threads = settings.Threads;
var backend = TorchBackend.CpuFloat32;

// Load once in float64 and copy: the split is the same for every run.
Dataset all;
try
{
    all = Mnist.Load(dataDirectory, ReferenceBackend.Instance);
}
catch (Exception e) when (e is IOException or IdxFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Pass an MNIST IDX directory with --data DIR.");
    return 2;
}

var testCount = all.Count / 5;
var train = all.Slice(0, all.Count - testCount).ToBackend(backend);
var test = all.Slice(all.Count - testCount, testCount).ToBackend(backend);
Console.WriteLine($"data: {Path.GetFullPath(dataDirectory)}: {train.Count} digits to train, {test.Count} to test");
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"network: 784 → 3 × {Network.Width} sigmoid → 10, weights from N(0, {settings.InitStd:G}²); SGD, batches of {settings.BatchSize}, {settings.Epochs} epochs; probe every {settings.Every} steps"));

Run[] runs =
[
    Train(batchNorm: false, settings.LearningRate),
    Train(batchNorm: true, settings.LearningRate),
    Train(batchNorm: false, settings.RaisedLearningRate),
    Train(batchNorm: true, settings.RaisedLearningRate),
];

var figure = Path.Combine(outDirectory, "batchnorm.png");
Figure.Write(runs, settings, figure);
Console.WriteLine($"figure: {Path.GetFullPath(figure)}");
Console.WriteLine();
Console.WriteLine($"{"",-22}{"η",8}{"test accuracy",16}{"steps to 95%",16}");
foreach (var run in runs)
{
    var reached = run.Samples.FirstOrDefault(s => s.TestAccuracy >= 0.95)?.Step.ToString(CultureInfo.InvariantCulture) ?? "—";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Label,-22}{run.LearningRate,8:G}{100 * run.FinalAccuracy,15:F2}%{reached,16}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {clock.Elapsed.TotalSeconds:F1} s{LoadAverage()}"));

// Each network at the better of its two rates: what batch norm buys is the higher rate it can train with.
var bestWithout = runs.Where(r => !r.BatchNorm).MaxBy(r => r.FinalAccuracy)!;
var bestWith = runs.Where(r => r.BatchNorm).MaxBy(r => r.FinalAccuracy)!;
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"each at the better of its two learning rates (without: η = {bestWithout.LearningRate:G}, with: η = {bestWith.LearningRate:G}):"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"without batch norm: test accuracy {100 * bestWithout.FinalAccuracy:F2}%"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"with batch norm: test accuracy {100 * bestWith.FinalAccuracy:F2}%"));
return 0;

Run Train(bool batchNorm, double learningRate)
{
    var label = batchNorm ? "with batch norm" : "without batch norm";
    var model = Network.Create(batchNorm, settings.InitStd, settings.BatchNormMomentum);
    var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Sgd(learningRate));

    // The same key for all four runs: the same batches in the same order (the initial weights differ between
    // the two networks, whose layers sit at different positions).
    var initial = trainer.Init(Key.FromSeed(settings.Seed), backend);
    var probe = new Probe(trainer, test, settings.Every, settings.Unit);
    probe.Record(initial);
    using var display = new ProgressDisplay(string.Create(CultureInfo.InvariantCulture, $"{label}, η = {learningRate:G}"));
    var options = new FitOptions { Epochs = settings.Epochs, BatchSize = settings.BatchSize, LastBatch = LastBatch.Drop, EvaluationBatchSize = 1000 };
    var (state, _) = trainer.Fit(initial, train, options, test, probe, display);
    var accuracy = trainer.Evaluate(state, test, 1000).Accuracy ?? double.NaN;
    return new Run(label, batchNorm, learningRate, probe.Samples, accuracy);
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";

// The nearest folder holding Functional.sln above the program, else above the working directory.
static string RepositoryRoot()
{
    foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
            {
                return dir.FullName;
            }
        }
    }

    return Directory.GetCurrentDirectory();
}

/// <summary>One training run and what the probe measured.</summary>
internal sealed record Run(string Label, bool BatchNorm, double LearningRate, IReadOnlyList<Sample> Samples, double FinalAccuracy);
