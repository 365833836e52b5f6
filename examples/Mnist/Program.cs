// MNIST with a multilayer perceptron: the first 8,000 digits of ../shared/data/mnist10k train, the last
// 2,000 test. Trains on the Torch backend (float32) by default, shows its progress, writes its learning
// curves (PNG and CSV) and ends with the line "test accuracy: NN.NN%".
//
// What goes past a plain MLP with Adam (~95.6% on this split), each switchable from the command line so its
// worth can be measured (README: examples/Mnist): random shifts of ±1 pixel in training (RandomShift, the
// model's first layer), dropout 0.3 after each hidden layer, AdamW's decoupled weight decay, and a cosine
// learning-rate schedule annealed to 0 over the run.
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples;
using Functional.Nets.Examples.Mnist;
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
    Console.Error.WriteLine($"Mnist: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

var root = Repository.Root();
var dataDirectory = options.Data ?? Path.Combine(root, "..", "shared", "data", "mnist10k");
var outDirectory = options.Out ?? Path.Combine(root, "examples", "Mnist", "out");
Backend backend = options.Backend switch
{
    "torch" => TorchBackend.CpuFloat32,
    "torch64" => TorchBackend.CpuFloat64,
    "reference" => ReferenceBackend.Instance,
    _ => throw new ArgumentException($"--backend must be torch, torch64 or reference, got {options.Backend}"),
};

if (options.Threads > 0 && (backend is TorchBackend || options.Compare))
{
    TorchBackend.Threads = options.Threads;
}

var model = MnistModel.Create(options);
var key = Key.FromSeed(options.Seed);
Dataset train, test;
try
{
    (train, test) = MnistModel.Load(dataDirectory, ReferenceBackend.Instance);
}
catch (Exception e) when (e is IOException or IdxFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Pass an MNIST IDX directory with --data DIR.");
    return 2;
}

Console.WriteLine($"data: {Path.GetFullPath(dataDirectory)}: {train.Count} digits to train, {test.Count} to test");
Console.WriteLine($"model: {string.Join(" → ", ((Sequential)model).Layers.Select(l => l.Describe()))}, {model.ParameterCount:N0} parameters");

if (options.Compare)
{
    MnistModel.CompareBackends(model, options, key, train, [TorchBackend.CpuFloat32, TorchBackend.CpuFloat64, ReferenceBackend.Instance]);
    if (options.CompareOnly)
    {
        return 0;
    }
}

var trainOn = train.ToBackend(backend);
var testOn = test.ToBackend(backend);
var fit = new FitOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, EvaluationBatchSize = 1000 };
var trainer = MnistModel.Trainer(model, options, fit.Epochs * ((trainOn.Count + fit.BatchSize - 1) / fit.BatchSize));
Console.WriteLine($"optimizer: {trainer.Optimizer.Describe()}; {fit.Epochs} epochs of batches of {fit.BatchSize}, on {Label(backend)}");

var title = $"MLP {string.Join("-", options.Hidden.Prepend(784).Append(10))} on {Label(backend)}";
using var display = new ProgressDisplay(title, options.PlainEverySteps);
var (state, history) = trainer.Fit(trainer.Init(key, backend), trainOn, fit, testOn, display);
var accuracy = trainer.Evaluate(state, testOn, fit.EvaluationBatchSize).Accuracy ?? double.NaN;

var stem = Path.Combine(outDirectory, $"mnist-{backend.Name}-{backend.DType.Name()}");
Curves.WritePng(history, stem + ".png", title, validationLabel: "test");
history.WriteCsv(stem + ".csv");
Console.WriteLine($"curves: {Path.GetFullPath(stem)}.png and .csv");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {clock.Elapsed.TotalSeconds:F1} s (training {history.Epochs[^1].Elapsed.TotalSeconds:F1} s){LoadAverage()}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {100 * accuracy:F2}%"));
return 0;

static string Label(Backend backend) => $"{backend.Name} {backend.DType.Name()}";

// The 1, 5 and 15 minute load averages, when the system tells them: timings on a shared machine mean little without them.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";
