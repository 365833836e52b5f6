// Convolutional networks, from the lecture: (1) the convolution arithmetic of the four padding/stride cases and
// the 4×4 max-pooling example with its gradient, computed by the layers themselves; (2) a CNN on MNIST: the
// first 8,000 digits of ../shared/data/mnist10k train, the last 2,000 test. Trains on the Torch backend
// (float32) by default, shows its progress, writes its learning curves (PNG and CSV) and ends with the line
// "test accuracy: NN.NN%".
//
// The model: random affine distortions (rotations of ±12°, scaling by 1 ± 0.1, shifts of ±2 pixels; RandomAffine),
// two stages of [conv3×3 → BN → ReLU] × 2 → max-pool 2 (32 then 64
// channels), dense 128 → ReLU → dropout 0.3 → dense 10; Adam 2e-3 annealed by a cosine to 0; batches of 128.
// --residual and --se add a ResNet basic block and a squeeze-and-excitation block on the 7×7 maps.
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples;
using Functional.Nets.Examples.Cnn;
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
    Console.Error.WriteLine($"Cnn: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

var root = Repository.Root();
var dataDirectory = options.Data ?? Path.Combine(root, "..", "shared", "data", "mnist10k");
var outDirectory = options.Out ?? Path.Combine(root, "examples", "Cnn", "out");
Backend backend = options.Backend switch
{
    "torch" => TorchBackend.CpuFloat32,
    "torch64" => TorchBackend.CpuFloat64,
    "reference" => ReferenceBackend.Instance,
    _ => throw new ArgumentException($"--backend must be torch, torch64 or reference, got {options.Backend}"),
};

if (options.Threads > 0)
{
    TorchBackend.Threads = options.Threads;
}

Arithmetic.PrintConvolutionTable();
Arithmetic.PrintMaxPoolExample(ReferenceBackend.Instance);
Arithmetic.PrintMaxPoolExample(TorchBackend.CpuFloat64);

var model = CnnModel.Create(options);
var key = Key.FromSeed(options.Seed);
Dataset train, test;
try
{
    (train, test) = CnnModel.Load(dataDirectory, ReferenceBackend.Instance);
}
catch (Exception e) when (e is IOException or IdxFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Pass an MNIST IDX directory with --data DIR.");
    return 2;
}

Console.WriteLine($"data: {Path.GetFullPath(dataDirectory)}: {train.Count} digits to train, {test.Count} to test");
Console.WriteLine($"model: {string.Join(" → ", ((Sequential)model).Layers.Select(l => l.Describe()))}, {model.ParameterCount:N0} parameters");

if (options.Compare || options.Quick)
{
    // Small batches: the Reference backend's convolutions are managed loops and products, float64.
    CnnModel.CompareBackends(model, options, key, train, [TorchBackend.CpuFloat64, ReferenceBackend.Instance], steps: 3, batchSize: 8);
    if (options.CompareOnly)
    {
        return 0;
    }
}

if (options.Quick)
{
    // A few steps of the full pipeline for CI: 2 batches of 128, evaluated on 250 test digits.
    (train, test) = (train.Slice(0, 256), test.Slice(0, 250));
    options = options with { Epochs = 1 };
}

var trainOn = train.ToBackend(backend);
var testOn = test.ToBackend(backend);
var fit = new FitOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, EvaluationBatchSize = 250 };
var trainer = CnnModel.Trainer(model, options, fit.Epochs * ((trainOn.Count + fit.BatchSize - 1) / fit.BatchSize));
Console.WriteLine($"optimizer: {trainer.Optimizer.Describe()}; {fit.Epochs} epochs of batches of {fit.BatchSize}, on {Label(backend)}");

var title = $"CNN {string.Join("-", options.Channels)}{(options.Residual ? " + BasicBlock" : "")}{(options.SqueezeExcitation ? " + SE" : "")} on {Label(backend)}";
using var display = new ProgressDisplay(title, options.PlainEverySteps);
var (state, history) = trainer.Fit(trainer.Init(key, backend), trainOn, fit, testOn, display);
var accuracy = trainer.Evaluate(state, testOn, fit.EvaluationBatchSize).Accuracy ?? double.NaN;

var stem = Path.Combine(outDirectory, $"cnn-{backend.Name}-{backend.DType.Name()}{(options.Residual ? "-residual" : "")}{(options.SqueezeExcitation ? "-se" : "")}{(options.Quick ? "-quick" : "")}");
Curves.WritePng(history, stem + ".png", title, validationLabel: "test");
history.WriteCsv(stem + ".csv");
Console.WriteLine($"curves: {Path.GetFullPath(stem)}.png and .csv");
WritePictures(model, state, testOn, stem);
var training = history.Epochs[^1].Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {clock.Elapsed.TotalSeconds:F1} s (training {training:F1} s, {training / fit.Epochs:F1} s per epoch){LoadAverage()}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {100 * accuracy:F2}%"));
return 0;

static string Label(Backend backend) => $"{backend.Name} {backend.DType.Name()}";

// The first convolution's filters, and the first test digit's feature maps after that convolution, its batch norm
// and ReLU (evaluation mode), as gray grids: what the first layer learned to look for, and where it found it.
static void WritePictures(Layer model, TrainState state, Dataset test, string stem)
{
    var layers = ((Sequential)model).Layers;
    var first = layers.Select((l, i) => (l, i)).First(p => p.l is Conv2d).i;
    using var scope = state.Parameters[0].Value.Backend.Scope();
    var filters = state.Parameters[$"{first}.weight"];
    ImageGrid.WritePng(stem + "-filters.png", filters, columns: 8, scale: 12);

    // Layers 0 … first + 2 keep their indices, so the state_dict names of the prefix are those of the whole model.
    bool InPrefix(string name) => int.Parse(name[..name.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture) <= first + 2;
    var prefix = new Sequential(layers.Take(first + 3));
    var digit = test.Slice(0, 1).Inputs;
    var (maps, _) = prefix.Apply(state.Parameters.Where(InPrefix), state.LayerState.Where(InPrefix), digit, Context.Eval);
    ImageGrid.WritePng(stem + "-feature-maps.png", maps.Reshape(maps.Shape[1], maps.Shape[2], maps.Shape[3]), columns: 8, scale: 3);
    Console.WriteLine($"pictures: {Path.GetFullPath(stem)}-filters.png ({filters.Shape}) and -feature-maps.png (test digit 0 after layer {first + 2}, {maps.Shape})");
}

// The 1, 5 and 15 minute load averages, when the system tells them: timings on a shared machine mean little without them.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";
