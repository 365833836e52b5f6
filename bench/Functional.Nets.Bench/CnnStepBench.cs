using Functional.Nets.Torch;
using static TorchSharp.torch;
using TorchSequential = TorchSharp.Modules.Sequential;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Bench;

/// <summary>
/// (h) A CNN training step: examples/Cnn's default network (two stages of [conv3×3 half padding, no bias → BN →
/// ReLU] × 2 → max-pool 2 with 32 and 64 channels, flatten, dense 128 → ReLU → dropout 0.3 → dense 10) on batches
/// of 128 MNIST images [128, 1, 28, 28], float32, softmax cross-entropy, Adam; against the same network written as
/// a TorchSharp <c>nn.Sequential</c> of <c>nn.Conv2d</c>, <c>nn.BatchNorm2d</c>, … with <c>torch.optim.Adam</c>,
/// from the same initial weights on the same batches. The example's RandomShift is left out on both sides (a peer
/// would shift in its data loader; it is not part of the network). Bar: our steps per second over theirs ≥ 1.0.
/// </summary>
public static class CnnStepBench
{
    /// <summary>Images per batch.</summary>
    public const int BatchSize = 128;

    /// <summary>Adam's rate on both sides.</summary>
    public const double LearningRate = 2e-3;

    /// <summary>Batches cycled.</summary>
    public const int Batches = 4;

    /// <summary>The network as our layers; its parameter names (<c>0.weight</c>, <c>1.weight</c>, …) are the peer's.</summary>
    public static Sequential Model() => new(
        new Conv2d(1, 32, 3, padding: Padding.Half, bias: false), new BatchNorm(32), new ReLU(),
        new Conv2d(32, 32, 3, padding: Padding.Half, bias: false), new BatchNorm(32), new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3, padding: Padding.Half, bias: false), new BatchNorm(64), new ReLU(),
        new Conv2d(64, 64, 3, padding: Padding.Half, bias: false), new BatchNorm(64), new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Dense(64 * 7 * 7, 128), new ReLU(), new Dropout(0.3),
        new Dense(128, 10));

    /// <summary>Measures steps per second of both and their ratio.</summary>
    public static CnnResult Run(string mnistDirectory, BenchSettings settings)
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = Mnist.Load(mnistDirectory, backend, layout: MnistLayout.Images);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(LearningRate));
        var initial = trainer.Init(Key.FromSeed(13), backend);
        var batches = data.Batches(BatchSize, Key.FromSeed(14)).Take(Batches).ToArray();
        var classes = batches.Select(b => tensor(b.Labels!.Select(l => (long)l).ToArray(), int64)).ToArray();
        using var peer = new TorchSharpCnn(initial.Parameters, LearningRate);

        // The same network: with the same weights, in evaluation mode (running statistics, no dropout), both give
        // the same logits to float32 rounding.
        var ourLogits = trainer.Model.Apply(initial.Parameters, initial.LayerState, batches[0].Inputs, Context.Eval).Output;
        var theirLogits = peer.Evaluate(TorchBackend.ToTorch(batches[0].Inputs));
        var logitDifference = ourLogits.ToArray().Zip(theirLogits, (a, b) => Math.Abs(a - b)).Max();
        ourLogits.Dispose();

        var state = initial;
        long ourStep = 0, theirStep = 0;
        void Ours()
        {
            var (next, _) = trainer.Step(state, batches[ourStep++ % batches.Length], donate: !ReferenceEquals(state, initial));
            if (!ReferenceEquals(state, initial))
            {
                state.ReleaseUnshared(next);
            }

            state = next;
        }

        void Theirs()
        {
            var i = theirStep++ % batches.Length;
            TorchSharpScalarRace.Run(() => peer.Step(TorchBackend.ToTorch(batches[i].Inputs), classes[i]));
        }

        var block = settings.Name == "quick" ? 2 : 5;
        var repeats = settings.Name == "quick" ? 5 : 11;
        // Two warm-up steps in quick mode too: the first calls create oneDNN's convolution primitives on both sides.
        var (ours, them, ratio) = PairedRuns.Run(Ours, Theirs, warmup: settings.Name == "quick" ? 2 : 5, block, repeats);
        state.ReleaseUnshared(initial);
        initial.Parameters.Dispose();
        initial.OptimizerState.Dispose();
        foreach (var b in batches)
        {
            b.Dispose();
        }

        foreach (var c in classes)
        {
            c.Dispose();
        }

        return new CnnResult(ours, them, ratio, logitDifference);
    }
}

/// <summary>(h)'s figures: steps per second each side, their ratio, and the largest initial logit difference (eval mode).</summary>
public sealed record CnnResult(Spread Ours, Spread Theirs, Spread Ratio, double MaxLogitDifference);

/// <summary>The peer: the same layers as TorchSharp modules, our initial weights, cross-entropy and <c>torch.optim.Adam</c>.</summary>
public sealed class TorchSharpCnn : IDisposable
{
    private readonly TorchSequential module;
    private readonly optim.Optimizer optimizer;

    /// <summary>Builds the module (the indices of <see cref="CnnStepBench.Model"/>) and copies <paramref name="parameters"/> into it.</summary>
    public TorchSharpCnn(TensorTree parameters, double learningRate)
    {
        var layers = new List<(string, nn.Module<TorchTensor, TorchTensor>)>();
        void Add(nn.Module<TorchTensor, TorchTensor> m) => layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
        var channels = 1L;
        foreach (var c in new long[] { 32, 64 })
        {
            for (var k = 0; k < 2; k++)
            {
                Add(nn.Conv2d(channels, c, 3, padding: 1, bias: false));
                Add(nn.BatchNorm2d(c));
                Add(nn.ReLU());
                channels = c;
            }

            Add(nn.MaxPool2d(2));
        }

        Add(nn.Flatten());
        Add(nn.Linear(64 * 7 * 7, 128));
        Add(nn.ReLU());
        Add(nn.Dropout(0.3));
        Add(nn.Linear(128, 10));
        module = nn.Sequential(layers);
        using (no_grad())
        {
            foreach (var (name, p) in module.named_parameters())
            {
                p.copy_(TorchBackend.ToTorch(parameters[name]));
            }
        }

        optimizer = optim.Adam(module.parameters(), learningRate);
    }

    /// <summary>One training step; returns the loss.</summary>
    public float Step(TorchTensor inputs, TorchTensor classes)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(module.forward(inputs), classes);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Forward and backward without the optimizer (for <see cref="CnnStepProfile"/>).</summary>
    public void ForwardBackward(TorchTensor inputs, TorchTensor classes)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Loss(inputs, classes).backward();
    }

    /// <summary>Only <c>torch.optim.Adam.step()</c> on the gradients the last backward left (for <see cref="CnnStepProfile"/>).</summary>
    public void OptimizerStep()
    {
        using var scope = NewDisposeScope();
        optimizer.step();
    }

    /// <summary>The module's layers in order.</summary>
    public IReadOnlyList<nn.Module<TorchTensor, TorchTensor>> Layers => module.children().Cast<nn.Module<TorchTensor, TorchTensor>>().ToArray();

    /// <summary>The training-mode loss of one batch.</summary>
    public TorchTensor Loss(TorchTensor inputs, TorchTensor classes) => nn.functional.cross_entropy(module.forward(inputs), classes);

    /// <summary>The logits in evaluation mode, as doubles.</summary>
    public double[] Evaluate(TorchTensor inputs)
    {
        using var scope = NewDisposeScope();
        module.eval();
        using var grad = no_grad();
        var logits = module.forward(inputs).to(float64).data<double>().ToArray();
        module.train();
        return logits;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        optimizer.Dispose();
        module.Dispose();
    }
}
