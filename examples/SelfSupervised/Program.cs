// Self-supervision, as the lecture poses it: a network learns to predict the relative position of two patches of one
// image, and so learns representations without labels (Doersch, Gupta and Efros 2015). On mnist10k's 8,000 training
// digits, labels unused: a centre patch and one of its 8 neighbours (7×7 patches, a 2-pixel gap, ±1-pixel jitter), one
// shared encoder for both, an 8-way classifier on the pair of features. Then a linear probe (softmax regression) on the
// encoder's features of the 9 grid patches with m labels per class, against the same probe on the encoder as it was
// before the pretext training (random weights) and on the same encoder trained with all 8,000 labels (supervised).
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples;
using Functional.Nets.Examples.SelfSupervised;
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
    Console.Error.WriteLine($"SelfSupervised: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

if (options.Quick)
{
    // Every stage for CI in seconds: 300 training digits, one epoch of each training, m = 10 with one seed, 20 probe steps.
    options = options with { PretextEpochs = 1, PairsPerImage = 1, SupervisedEpochs = 1, PerClass = [10], Seeds = 1, ProbeSteps = 20 };
}

var root = Repository.Root();
var dataDirectory = options.Data ?? Path.Combine(root, "..", "shared", "data", "mnist10k");
var outDirectory = options.Out ?? Path.Combine(root, "examples", "SelfSupervised", "out");
Directory.CreateDirectory(outDirectory);
var backend = TorchBackend.CpuFloat32;
if (options.Threads > 0)
{
    TorchBackend.Threads = options.Threads;
}

Dataset train, test;
try
{
    var all = Mnist.Load(dataDirectory, ReferenceBackend.Instance, layout: MnistLayout.Images);
    var testCount = all.Count / 5;
    (train, test) = (all.Slice(0, all.Count - testCount), all.Slice(all.Count - testCount, testCount));
}
catch (Exception e) when (e is IOException or IdxFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Pass an MNIST IDX directory with --data DIR.");
    return 2;
}

if (options.Quick)
{
    (train, test) = (train.Slice(0, 300), test.Slice(0, 200));
}

var trainPixels = train.Inputs.ToArray();
var testPixels = test.Inputs.ToArray();
var trainLabels = train.Labels!;
var testLabels = test.Labels!;
var quick = options.Quick ? "-quick" : "";
Console.WriteLine($"data: {Path.GetFullPath(dataDirectory)}: {train.Count} digits to train (their labels unused until the probes), {test.Count} to test");

// The encoder f: a 7×7 patch → d features; conv3×3 → BN → ReLU twice, max-pool 2 (7 → 3), dense(d) → ReLU.
var c = options.Channels;
var encoder = new Sequential(
    new Conv2d(1, c, 3, padding: Padding.Half, bias: false), new BatchNorm(c), new ReLU(),
    new Conv2d(c, c, 3, padding: Padding.Half, bias: false), new BatchNorm(c), new ReLU(),
    new MaxPool2d(2), new Flatten(), new Dense(c * 3 * 3, options.Features), new ReLU());
Console.WriteLine($"encoder f: {string.Join(" → ", encoder.Layers.Select(l => l.Describe()))}, {encoder.ParameterCount:N0} parameters");

// (1) The pretext task: which of the 8 neighbours is the second patch? Labels made from the images alone.
var pretext = new PatchSet(encoder, new Sequential(new Dense(2 * options.Features, 128), new ReLU(), new Dense(128, Patches.Positions)), 2, Patches.Size);
using var pairs = Patches.Pairs(trainPixels, options.PairsPerImage, Key.FromSeed(2000), backend);
using var heldOutPairs = Patches.Pairs(testPixels, 1, Key.FromSeed(2001), backend);
var pretextFit = new FitOptions { Epochs = options.PretextEpochs, BatchSize = options.BatchSize, EvaluationBatchSize = 1000 };
var pretextTrainer = new Trainer(pretext, Losses.SoftmaxCrossEntropy, Optim.Adam(Schedules.Cosine(
    options.LearningRate, (long)pretextFit.Epochs * ((pairs.Count + pretextFit.BatchSize - 1) / pretextFit.BatchSize))));
var pretextStart = pretextTrainer.Init(Key.FromSeed(2002), backend);
TrainState pretextState;
History pretextHistory;
using (var display = new ProgressDisplay($"relative patch position ({pairs.Count} pairs, 8 classes) on {backend.Name} {backend.DType.Name()}"))
{
    (pretextState, pretextHistory) = pretextTrainer.Fit(pretextStart, pairs, pretextFit, heldOutPairs, display);
}

Curves.WritePng(pretextHistory, Path.Combine(outDirectory, $"pretext{quick}.png"), "relative patch position (pretext)", validationLabel: "test pairs");
var pretextAccuracy = pretextTrainer.Evaluate(pretextState, heldOutPairs, 1000).Accuracy ?? double.NaN;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pretext: {100 * pretextAccuracy:F2}% of {heldOutPairs.Count} pairs from the test digits placed right (chance 12.5%), after {clock.Elapsed.TotalSeconds:F1} s"));

// (2) The supervised encoder: the same encoder on the 9 grid patches, a dense layer, all training labels.
var supervised = new PatchSet(encoder, new Dense(Patches.Cells * options.Features, Mnist.Classes), Patches.Cells, Patches.Size);
using var trainGrid = new Dataset(Patches.Grid(trainPixels, backend), OneHot.Encode(trainLabels, Mnist.Classes, backend), trainLabels);
using var testGrid = new Dataset(Patches.Grid(testPixels, backend), OneHot.Encode(testLabels, Mnist.Classes, backend), testLabels);
var supervisedFit = new FitOptions { Epochs = options.SupervisedEpochs, BatchSize = options.BatchSize, EvaluationBatchSize = 1000 };
var supervisedTrainer = new Trainer(supervised, Losses.SoftmaxCrossEntropy, Optim.Adam(Schedules.Cosine(
    options.LearningRate, (long)supervisedFit.Epochs * ((trainGrid.Count + supervisedFit.BatchSize - 1) / supervisedFit.BatchSize))));
TrainState supervisedState;
using (var display = new ProgressDisplay($"supervised encoder ({trainGrid.Count} labelled digits) on {backend.Name} {backend.DType.Name()}"))
{
    (supervisedState, _) = supervisedTrainer.Fit(supervisedTrainer.Init(Key.FromSeed(2003), backend), trainGrid, supervisedFit, testGrid, display);
}

var supervisedAccuracy = supervisedTrainer.Evaluate(supervisedState, testGrid, 1000).Accuracy ?? double.NaN;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"supervised encoder: {100 * supervisedAccuracy:F2}% test accuracy with its own head, after {clock.Elapsed.TotalSeconds:F1} s"));

// (3) Probes on three encoders; "random" is the self-supervised encoder's own initial weights, before the pretext task.
var encoders = new (string Name, TensorTree Parameters, TensorTree State)[]
{
    ("self-supervised", pretextState.Parameters.Child("encoder"), pretextState.LayerState.Child("encoder")),
    ("random encoder", pretextStart.Parameters.Child("encoder"), pretextStart.LayerState.Child("encoder")),
    ("supervised encoder", supervisedState.Parameters.Child("encoder"), supervisedState.LayerState.Child("encoder")),
};
var table = new SeedTable("m per class", encoders.Select(e => e.Name).ToArray());
foreach (var (name, parameters, state) in encoders)
{
    var featureClock = Stopwatch.StartNew();
    using var trainFeatures = Probe.Features(encoder, parameters, state, trainGrid.Inputs);
    using var testFeatures = Probe.Features(encoder, parameters, state, testGrid.Inputs);

    // Standardized by the training digits' own statistics: no label enters.
    var standardizer = Standardizer.Fit(trainFeatures);
    foreach (var m in options.PerClass)
    {
        var row = m == 0 ? $"all ({train.Count / Mnist.Classes})" : m.ToString(CultureInfo.InvariantCulture);
        for (var seed = 0; seed < options.Seeds; seed++)
        {
            var (sampleKey, probeKey) = Key.FromSeed(seed).Fold((ulong)m).Split();
            var labelled = Probe.Sample(trainLabels, m, sampleKey);
            var accuracy = Probe.Accuracy(standardizer, trainFeatures, trainLabels, labelled, testFeatures, testLabels, options.ProbeSteps, options.ProbeLearningRate, probeKey);
            table.Add(row, name, accuracy);
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"probes on the {name}: {options.PerClass.Length} × {options.Seeds} fitted in {featureClock.Elapsed.TotalSeconds:F1} s"));
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"linear probe: test accuracy on {test.Count} digits (%), mean ± sample standard deviation over {options.Seeds} seed(s); pretext {100 * pretextAccuracy:F1}% (chance 12.5%):"));
Console.WriteLine(table.ToMarkdown());
var tablePath = Path.Combine(outDirectory, $"table{quick}.md");
table.WriteMarkdown(tablePath);
var ten = table.Values("10", encoders[0].Name).Count > 0
    ? string.Create(CultureInfo.InvariantCulture, $"; at m = 10 self-supervised - random = {100 * (table.Mean("10", encoders[0].Name) - table.Mean("10", encoders[1].Name)):F1} points")
    : "";
Console.WriteLine($"table: {tablePath}{ten}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {clock.Elapsed.TotalSeconds:F1} s{LoadAverage()}"));
return 0;

// The 1, 5 and 15 minute load averages: timings on a shared machine mean little without them.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";
