using System.Globalization;

namespace Functional.Nets.Examples.Mnist;

/// <summary>The example's data split, model, trainer and backend comparison.</summary>
internal static class MnistModel
{
    /// <summary>Digits in the test set carved from a single images/labels pair: the last 2,000 of mnist10k.</summary>
    private const double TestFraction = 0.2;

    /// <summary>
    /// RandomShift(s) (if s &gt; 0), then for each hidden width h: Dense → ReLU → Dropout(p) (if p &gt; 0), then
    /// Dense(→10) giving logits. Dense layers start from PyTorch's <c>nn.Linear</c> initialization.
    /// </summary>
    public static Layer Create(Options options)
    {
        var layers = new List<Layer>();
        if (options.Shift > 0)
        {
            layers.Add(new RandomShift(options.Shift));
        }

        var width = 28 * 28;
        foreach (var h in options.Hidden)
        {
            layers.Add(new Dense(width, h));
            layers.Add(new ReLU());
            if (options.Dropout > 0)
            {
                layers.Add(new Dropout(options.Dropout));
            }

            width = h;
        }

        layers.Add(new Dense(width, Functional.Nets.Mnist.Classes));
        return new Sequential(layers);
    }

    /// <summary>
    /// Softmax cross-entropy on the logits; AdamW (Adam when λ = 0) whose rate follows a cosine from its peak
    /// to 0 over <paramref name="totalSteps"/>, α(t) = ½α₀(1 + cos(πt/T)), or stays constant.
    /// </summary>
    public static Trainer Trainer(Layer model, Options options, long totalSteps)
    {
        var rate = options.Schedule == "cosine"
            ? Schedules.Cosine(options.LearningRate, Math.Max(totalSteps, 1))
            : Schedules.Constant(options.LearningRate);
        return new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.AdamW(rate, weightDecay: options.WeightDecay));
    }

    /// <summary>
    /// The training and test sets: LeCun's training and t10k files if the directory has them, else its single
    /// images/labels pair split in order, the first 80% to train and the last 20% to test (8,000 and 2,000 for
    /// mnist10k, which was shuffled once when it was made).
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string directory, Backend backend)
    {
        var all = Functional.Nets.Mnist.Load(directory, backend);
        try
        {
            return (all, Functional.Nets.Mnist.LoadTest(directory, backend));
        }
        catch (FileNotFoundException)
        {
            var testCount = (int)Math.Round(all.Count * TestFraction);
            return (all.Slice(0, all.Count - testCount), all.Slice(all.Count - testCount, testCount));
        }
    }

    /// <summary>
    /// The same model from the same key on every backend in <paramref name="backends"/>: the first five steps
    /// (same initial weights, same batches, same shifts and dropout masks, all drawn in the core) and their
    /// losses side by side. The two gradient paths (hand-written VJPs, libtorch autograd) share nothing else,
    /// so agreement to rounding is the check: ~1e-15 between the float64 backends, ~1e-7 for float32.
    /// </summary>
    public static void CompareBackends(Layer model, Options options, Key key, Dataset train, Backend[] backends) =>
        BackendComparison.Run(
            samples => Trainer(model, options, options.Epochs * ((samples + options.BatchSize - 1) / options.BatchSize)), key, train, backends, steps: 5, options.BatchSize, options.Seed);
}
