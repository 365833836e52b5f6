using System.Globalization;

namespace Functional.Nets.Examples.Cnn;

/// <summary>The example's data split, model, trainer and backend comparison.</summary>
internal static class CnnModel
{
    /// <summary>Digits in the test set carved from a single images/labels pair: the last 2,000 of mnist10k.</summary>
    private const double TestFraction = 0.2;

    /// <summary>
    /// The lecture's standard CNN scheme on [N, 1, 28, 28]: RandomShift(s) (if s &gt; 0), then two stages of
    /// [conv3×3 (half padding) → BN → ReLU] × 2 → max-pool 2 (28 → 14 → 7), optionally a ResNet basic block and a
    /// squeeze-and-excitation block on the second stage's 7×7 maps, then flatten → dense(h) → ReLU → dropout(p)
    /// → dense(10) giving logits. Convolutions feeding a batch norm carry no bias (β does its work).
    /// </summary>
    public static Layer Create(Options options)
    {
        var layers = new List<Layer>();
        if (options.Rotate > 0 || options.Scale > 0)
        {
            layers.Add(new RandomAffine(options.Rotate, options.Scale, options.Shift));
        }
        else if (options.Shift > 0)
        {
            layers.Add(new RandomShift(options.Shift));
        }

        var channels = 1;
        foreach (var c in options.Channels)
        {
            for (var k = 0; k < 2; k++)
            {
                layers.Add(new Conv2d(channels, c, 3, padding: Padding.Half, bias: false));
                layers.Add(new BatchNorm(c));
                layers.Add(new ReLU());
                channels = c;
            }

            layers.Add(new MaxPool2d(2));
        }

        if (options.Residual)
        {
            layers.Add(Blocks.BasicBlock(channels, channels));
        }

        if (options.SqueezeExcitation)
        {
            layers.Add(Blocks.SqueezeExcitation(channels, 16));
        }

        layers.Add(new Flatten());
        var flat = checked(channels * 7 * 7);
        layers.Add(new Dense(flat, options.Hidden));
        layers.Add(new ReLU());
        if (options.Dropout > 0)
        {
            layers.Add(new Dropout(options.Dropout));
        }

        layers.Add(new Dense(options.Hidden, Functional.Nets.Mnist.Classes));
        return new Sequential(layers);
    }

    /// <summary>
    /// Softmax cross-entropy on the logits; Adam whose rate follows a cosine from its peak to 0 over
    /// <paramref name="totalSteps"/>, α(t) = ½α₀(1 + cos(πt/T)), or stays constant.
    /// </summary>
    public static Trainer Trainer(Layer model, Options options, long totalSteps)
    {
        var rate = options.Schedule == "cosine"
            ? Schedules.Cosine(options.LearningRate, Math.Max(totalSteps, 1))
            : Schedules.Constant(options.LearningRate);
        return new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Adam(rate));
    }

    /// <summary>
    /// The training and test sets as images [N, 1, 28, 28]: LeCun's training and t10k files if the directory has
    /// them, else its single images/labels pair split in order, the first 80% to train and the last 20% to test
    /// (8,000 and 2,000 for mnist10k, which was shuffled once when it was made).
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string directory, Backend backend)
    {
        var all = Functional.Nets.Mnist.Load(directory, backend, layout: MnistLayout.Images);
        try
        {
            return (all, Functional.Nets.Mnist.LoadTest(directory, backend, layout: MnistLayout.Images));
        }
        catch (FileNotFoundException)
        {
            var testCount = (int)Math.Round(all.Count * TestFraction);
            return (all.Slice(0, all.Count - testCount), all.Slice(all.Count - testCount, testCount));
        }
    }

    /// <summary>
    /// The same model from the same key on every backend in <paramref name="backends"/>: the first
    /// <paramref name="steps"/> steps with batches of <paramref name="batchSize"/> (same initial weights, same
    /// batches, same shifts and dropout masks, all drawn in the core) and their losses side by side. The two
    /// gradient paths (hand-written convolution and pooling VJPs, libtorch autograd) share nothing else, so
    /// agreement to rounding is the check: ~1e-15 between the float64 backends.
    /// </summary>
    public static void CompareBackends(Layer model, Options options, Key key, Dataset train, Backend[] backends, int steps, int batchSize) =>
        BackendComparison.Run(samples => Trainer(model, options, options.Epochs * ((samples + batchSize - 1) / batchSize)), key, train, backends, steps, batchSize, options.Seed);
}
