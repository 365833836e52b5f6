using System.Globalization;
using Functional.Nets.Examples.Cnn;
using Functional.Nets.Reference;
using Functional.Nets.Reporting;

namespace Functional.Nets.Examples.Gan;

/// <summary>What the judge says about a set of images.</summary>
/// <param name="Counts">How many images it puts in each of the 10 classes.</param>
/// <param name="MeanTopProbability">The mean over images of the largest softmax probability.</param>
/// <param name="Features">The penultimate layer's features on the Reference backend, [N, h].</param>
internal sealed record Verdict(int[] Counts, double MeanTopProbability, Tensor Features)
{
    /// <summary>Classes with at least one image.</summary>
    public int ClassesPresent => Counts.Count(c => c > 0);

    /// <summary>The largest class's share of the images.</summary>
    public double LargestShare => (double)Counts.Max() / Counts.Sum();

    /// <summary>The smallest class's share of the images.</summary>
    public double SmallestShare => (double)Counts.Min() / Counts.Sum();

    /// <summary>The closing line's form: <c>N of 10 classes, largest share P%, smallest share Q%, mean top probability T</c>.</summary>
    public string Summary() => string.Create(
        CultureInfo.InvariantCulture,
        $"{ClassesPresent} of 10 classes, largest share {100 * LargestShare:F1}%, smallest share {100 * SmallestShare:F1}%, mean top probability {MeanTopProbability:F4}");
}

/// <summary>
/// The judge: examples/Cnn's classifier (CnnModel, its default settings) trained once on mnist10k's 8,000 training
/// digits and cached as a checkpoint; it classifies images and gives its penultimate-layer features (the 128 ReLU units
/// after the dense layer, before dropout and the output layer) for Fréchet distances.
/// </summary>
internal sealed class Judge
{
    private readonly Sequential prefix;
    private readonly TensorTree prefixParameters;
    private readonly TensorTree prefixState;
    private readonly Layer head;
    private readonly TensorTree headParameters;

    private Judge(Sequential model, TrainState state, double testAccuracy)
    {
        var layers = model.Layers;
        var last = layers.Count - 1;
        if (layers[last] is not Dense)
        {
            throw new ArgumentException($"Judge: expected the classifier to end in a Dense layer, got {layers[last].Describe()}");
        }

        // Layers 0 … features − 1 give the features; dropout (identity in evaluation) and the output layer follow.
        var features = layers.Take(last).Select((l, i) => (l, i)).Last(p => p.l is ReLU).i + 1;
        prefix = new Sequential(layers.Take(features));
        bool InPrefix(string name) => int.Parse(name[..name.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture) < features;
        prefixParameters = state.Parameters.Where(InPrefix);
        prefixState = state.LayerState.Where(InPrefix);
        head = layers[last];
        headParameters = state.Parameters.Child(last.ToString(CultureInfo.InvariantCulture));
        TestAccuracy = testAccuracy;
    }

    /// <summary>The judge's accuracy on the 2,000 test digits, measured when it was loaded or trained.</summary>
    public double TestAccuracy { get; }

    /// <summary>
    /// The judge from <paramref name="path"/> if it exists (its test accuracy measured again), else trained for
    /// <paramref name="epochs"/> epochs with examples/Cnn's defaults and saved there.
    /// </summary>
    public static Judge LoadOrTrain(string path, Dataset train, Dataset test, Backend backend, int epochs, int plainEverySteps)
    {
        var options = new Options { Epochs = epochs };
        var model = (Sequential)CnnModel.Create(options);
        var fit = new FitOptions { Epochs = epochs, BatchSize = options.BatchSize, EvaluationBatchSize = 250 };
        var trainer = CnnModel.Trainer(model, options, fit.Epochs * ((train.Count + fit.BatchSize - 1) / fit.BatchSize));
        TrainState state;
        if (File.Exists(path))
        {
            state = Checkpoint.Load(path, backend);
            Console.WriteLine($"judge: loaded {Path.GetFullPath(path)}");
        }
        else
        {
            Console.WriteLine($"judge: training examples/Cnn's CNN for {epochs} epochs ({model.ParameterCount:N0} parameters); cached at {Path.GetFullPath(path)}");
            using var display = new ProgressDisplay("judge CNN", plainEverySteps);
            (state, _) = trainer.Fit(trainer.Init(Key.FromSeed(options.Seed), backend), train, fit, test, display);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            Checkpoint.Save(path, state);
        }

        var accuracy = trainer.Evaluate(state, test, fit.EvaluationBatchSize).Accuracy ?? double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"judge: test accuracy {100 * accuracy:F2}% on {test.Count} digits"));
        return new Judge(model, state, accuracy);
    }

    /// <summary>Classifies <paramref name="images"/> [N, 1, 28, 28] in evaluation mode, in chunks of 250.</summary>
    public Verdict Measure(Tensor images)
    {
        var n = images.Shape[0];
        var counts = new int[Functional.Nets.Mnist.Classes];
        var top = 0.0;
        var features = new List<double>();
        var width = 0;
        for (var start = 0; start < n; start += 250)
        {
            var count = Math.Min(250, n - start);
            using var scope = images.Backend.Scope();
            var chunk = images.Slice(0, start, count);
            var (f, _) = prefix.Apply(prefixParameters, prefixState, chunk, Context.Eval);
            var (logits, _) = head.Apply(headParameters, TensorTree.Empty, f, Context.Eval);
            width = f.Shape[1];
            features.AddRange(f.ToArray());
            var p = logits.Softmax().ToArray();
            for (var i = 0; i < count; i++)
            {
                var row = p.AsSpan(i * counts.Length, counts.Length);
                var best = 0;
                for (var c = 1; c < row.Length; c++)
                {
                    best = row[c] > row[best] ? c : best;
                }

                counts[best]++;
                top += row[best];
            }
        }

        return new Verdict(counts, top / n, ReferenceBackend.Instance.FromArray([.. features], n, width));
    }

    /// <summary>The Fréchet distance between the Gaussians fitted to two verdicts' features.</summary>
    public static double Frechet(Verdict a, Verdict b) => FrechetDistance.BetweenSamples(a.Features, b.Features);
}
