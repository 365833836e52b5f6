using Functional.Nets.Torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (j) What drawing dropout masks on the host and uploading them costs a training step: the MNIST MLP of examples/Mnist
/// (RandomShift(1), 784-512-256-10 with Dropout(0.3) after each hidden layer, AdamW, batches of 128) and the CNN of (h),
/// each timed against itself with every <see cref="Dropout"/> replaced by <see cref="PrecomputedMask"/>, which
/// multiplies by a mask drawn once, already on the device: the same device arithmetic, none of the host work. The
/// ratio is steps/s with host-drawn masks over steps/s with precomputed ones (1 − ratio: the share of a step the host
/// drawing and upload take). RandomShift is left as it is on both sides (its host part is B·(rows + columns) indices).
/// </summary>
public static class RandomnessCostBench
{
    /// <summary>Batch size of both models.</summary>
    public const int BatchSize = 128;

    /// <summary>The MLP of examples/Mnist's defaults (hidden 512, 256; dropout 0.3; shift 1).</summary>
    public static Sequential Mlp(Func<int, Layer> dropout) => new(
        new RandomShift(1), new Dense(784, 512), new ReLU(), dropout(512), new Dense(512, 256), new ReLU(), dropout(256), new Dense(256, 10));

    /// <summary>Measures both models: (ratio of steps/s, host mask time / step time) for each.</summary>
    public static ((Spread Ratio, Spread Share) Mlp, (Spread Ratio, Spread Share) Cnn) Run(Dataset flat, string mnistDirectory, BenchSettings settings)
    {
        var backend = (TorchBackend)flat.Backend;
        var mlp = Measure(
            Mlp(_ => new Dropout(0.3)),
            Mlp(width => new PrecomputedMask(0.3, new Shape(BatchSize, width), backend)),
            Optim.AdamW(1e-3, weightDecay: 1e-4),
            flat,
            settings,
            [512, 256]);
        using var images = Mnist.Load(mnistDirectory, backend, layout: MnistLayout.Images);
        var layers = CnnStepBench.Model().Layers.ToArray();
        var fixedLayers = layers.Select(l => l is Dropout d ? new PrecomputedMask(d.P, new Shape(BatchSize, 128), backend) : l).ToArray();
        var cnn = Measure(new Sequential(layers), new Sequential(fixedLayers), Optim.Adam(CnnStepBench.LearningRate), images, settings, [128]);
        return (mlp, cnn);
    }

    private static (Spread Ratio, Spread Share) Measure(Layer hostMasks, Layer deviceMasks, Optimizer optimizer, Dataset data, BenchSettings settings, int[] maskWidths)
    {
        var a = new Trainer(hostMasks, Losses.SoftmaxCrossEntropy, optimizer);
        var b = new Trainer(deviceMasks, Losses.SoftmaxCrossEntropy, optimizer);
        var batches = data.Batches(BatchSize, Key.FromSeed(3)).Take(4).ToArray();
        var first = a.Init(Key.FromSeed(2), data.Backend);
        var stateA = first;
        var stateB = b.Init(Key.FromSeed(2), data.Backend);
        var firstB = stateB;
        long i = 0, j = 0;
        void StepA()
        {
            var (next, _) = a.Step(stateA, batches[i++ % batches.Length], donate: !ReferenceEquals(stateA, first));
            if (!ReferenceEquals(stateA, first))
            {
                stateA.ReleaseUnshared(next);
            }

            stateA = next;
        }

        void StepB()
        {
            var (next, _) = b.Step(stateB, batches[j++ % batches.Length], donate: !ReferenceEquals(stateB, firstB));
            if (!ReferenceEquals(stateB, firstB))
            {
                stateB.ReleaseUnshared(next);
            }

            stateB = next;
        }

        // The dropout layers of one step alone, as the step runs them: each mask drawn on the host (straight into a
        // fresh tensor on Torch's CPU) and its multiply, on inputs of the layers' shapes.
        var maskKey = Key.FromSeed(5);
        var dropout = new Dropout(0.3);
        var maskInputs = maskWidths.Select(w => data.Backend.FromArray(new double[BatchSize * w], BatchSize, w)).ToArray();
        void Masks()
        {
            using var scope = data.Backend.Scope();
            foreach (var x in maskInputs)
            {
                dropout.Apply(TensorTree.Empty, TensorTree.Empty, x, Context.Train(maskKey));
            }
        }

        var repeats = settings.Name == "quick" ? 15 : 31;
        var (_, _, ratio) = PairedRuns.Run(StepA, StepB, settings.Warmup, block: 3, repeats);
        var (_, _, share) = PairedRuns.Run(StepB, Masks, 0.5, block: 3, repeats);
        foreach (var batch in batches)
        {
            batch.Dispose();
        }

        foreach (var x in maskInputs)
        {
            x.Dispose();
        }

        return (ratio, share);
    }
}

/// <summary>Dropout with one mask for every step, drawn once and held on the device (a benchmark control, not a layer to train with).</summary>
public sealed class PrecomputedMask : Layer
{
    private readonly Tensor mask;

    /// <summary>Draws the mask of inverted dropout with rate <paramref name="p"/> for inputs of <paramref name="shape"/>.</summary>
    public PrecomputedMask(double p, Shape shape, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        P = p;
        var u = Key.FromSeed(99).Uniform(checked((int)shape.Size));
        for (var i = 0; i < u.Length; i++)
        {
            u[i] = u[i] >= p ? 1 / (1 - p) : 0;
        }

        mask = backend.FromArray(u, shape);
    }

    /// <summary>The drop rate.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override string Describe() => $"PrecomputedMask({P})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => input;

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context) =>
        (context.Mode == Mode.Eval ? input : input * mask, state);
}
