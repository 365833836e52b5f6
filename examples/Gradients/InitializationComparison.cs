using System.Globalization;
using Functional.Nets.Torch;
using Spectre.Console;

namespace Functional.Nets.Examples.Gradients;

/// <summary>
/// He et al. (2015), "Delving Deep into Rectifiers", §2.2 and Figure 3: with ReLU units, the "Xavier"
/// initialization Var[w] = 1/n halves the variance of the signal at every layer (a ReLU passes half of a
/// symmetric input's second moment), so after L layers the signal and, backwards, the gradient are scaled
/// by about 2^(−L/2); He's Var[w] = 2/n keeps them constant. The paper's 22-layer net learns with both (Xavier
/// more slowly), its 30-layer net only with He. Here: fully connected ReLU networks of 22 and 30 weight layers,
/// width 64, on MNIST (../shared/data/mnist10k when present, 8,000 for training, 2,000 held out; synthetic
/// prototypes otherwise), SGD with momentum 0.9, on the Torch backend in float32.
/// </summary>
internal static class InitializationComparison
{
    private const int Width = 64;
    private const int Batch = 64;
    private const double LearningRate = 0.01;

    public static void Run(IAnsiConsole console, string output, bool quick)
    {
        var steps = quick ? 60 : 1000;
        console.Write(new Rule("[bold]3. Xavier vs He initialization for deep ReLU networks (He et al. 2015)[/]").LeftJustified());
        var backend = TorchBackend.CpuFloat32;
        var (train, test) = Load();
        console.MarkupLine(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"data: {train.Name}, {train.Count} training and {test.Count} held-out samples; width {Width}; SGD η = {LearningRate}, momentum 0.9, batch {Batch}, {steps} steps on {backend}")));

        var table = Report.Table("depth", "initialization", "Var[w]", "loss at step 0", $"loss at step {steps} (mean of last 20)", "held-out accuracy", "learns?");
        var curves = new List<(string Name, double[] Values)>();
        foreach (var depth in new[] { 22, 30 })
        {
            foreach (var (name, init, variance) in new[] { ("Xavier", Initializer.GlorotNormal(), "1/n"), ("He", Initializer.HeNormal(), "2/n") })
            {
                var model = Network(depth, train.Features, train.Classes, init);
                var parameters = model.Init(Key.FromSeed(depth), backend);
                var run = Classifier.Train(model, parameters, train, Optim.Sgd(LearningRate, momentum: 0.9), steps, Batch, Key.FromSeed(5));
                var accuracy = Classifier.Accuracy(model, run.Parameters, test);
                var final = run.Losses.TakeLast(20).Average();

                // Learning: the loss leaves the plateau of uniform guessing, ln(classes), by a clear margin.
                var learns = final < 0.8 * Math.Log(train.Classes);
                table.AddRow(
                    depth.ToString(CultureInfo.InvariantCulture),
                    name,
                    variance,
                    run.Losses[0].ToString("F3", CultureInfo.InvariantCulture),
                    final.ToString("F3", CultureInfo.InvariantCulture),
                    accuracy.ToString("P1", CultureInfo.InvariantCulture),
                    learns ? "[green]yes[/]" : "[red]no[/]");
                curves.Add(($"{depth} layers, {name}", Smooth(run.Losses, 10)));
                run.Parameters.Dispose();
            }
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"uniform guessing has loss ln {train.Classes} = {Math.Log(train.Classes):F3}; 'learns' means the final loss is below 80% of that.")));
        var plot = Path.Combine(output, "xavier-vs-he.png");
        Plots.Lines(
            plot,
            "Training loss of deep ReLU networks: Xavier (1/n) vs He (2/n) initialization",
            "training step",
            "softmax cross-entropy (moving average of 10)",
            Enumerable.Range(0, steps).Select(s => (double)s).ToArray(),
            [.. curves]);
        console.MarkupLine($"plot: {Markup.Escape(plot)}");
        console.WriteLine();
    }

    /// <summary>Dense(in→w), ReLU, then depth − 2 times Dense(w→w), ReLU, then Dense(w→classes): depth weight layers.</summary>
    private static Sequential Network(int depth, int inputs, int classes, Initializer init)
    {
        var layers = new List<Layer> { new Dense(inputs, Width, weightInit: init, biasInit: Initializer.Zeros), new ReLU() };
        for (var i = 0; i < depth - 2; i++)
        {
            layers.Add(new Dense(Width, Width, weightInit: init, biasInit: Initializer.Zeros));
            layers.Add(new ReLU());
        }

        layers.Add(new Dense(Width, classes, weightInit: init, biasInit: Initializer.Zeros));
        return new Sequential(layers);
    }

    private static (ClassificationData Train, ClassificationData Test) Load()
    {
        var directory = FindMnist();
        if (directory is not null)
        {
            using var set = Mnist.Load(directory, Reference.ReferenceBackend.Instance);
            var data = new ClassificationData($"MNIST ({directory})", set.Inputs.ToArray(), [.. set.Labels!], 784, Mnist.Classes);
            return (data.Slice(0, 8000), data.Slice(8000, data.Count - 8000));
        }

        var synthetic = ClassificationData.Prototypes("synthetic 784-pixel prototypes (MNIST not found)", 10000, 784, 10, 0.2, Key.FromSeed(11));
        return (synthetic.Slice(0, 8000), synthetic.Slice(8000, 2000));
    }

    /// <summary>../shared/data/mnist10k from the repository root or any folder above the current one.</summary>
    private static string? FindMnist()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "data", "mnist10k"), Path.Combine(dir.FullName, "..", "shared", "data", "mnist10k") })
            {
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }

    private static double[] Smooth(double[] values, int window) =>
        values.Select((_, i) => values.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();
}
