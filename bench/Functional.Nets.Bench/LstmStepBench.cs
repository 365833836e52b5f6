using Functional.Nets.Torch;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Bench;

/// <summary>
/// (g) An LSTM training step: <c>new Lstm(32, 256, layers: 2)</c> (which Torch runs as one fused two-layer call, as
/// <c>nn.LSTM</c> does),
/// sequences of 50 steps, batches of 64, float32, mean squared error against fixed targets, Adam; against TorchSharp's
/// <c>nn.LSTM(num_layers: 2, batch_first: true)</c> with <c>torch.optim.Adam</c>, the same loss, the same initial weights
/// and the same batches. Bar: our steps per second over theirs ≥ 1.0.
/// </summary>
public static class LstmStepBench
{
    /// <summary>Input features.</summary>
    public const int Inputs = 32;

    /// <summary>Hidden units of both layers.</summary>
    public const int Hidden = 256;

    /// <summary>Time steps.</summary>
    public const int Steps = 50;

    /// <summary>Sequences per batch.</summary>
    public const int BatchSize = 64;

    /// <summary>Adam's rate.</summary>
    public const double LearningRate = 1e-3;

    /// <summary>The model.</summary>
    public static Lstm Model() => new(Inputs, Hidden, layers: 2);

    /// <summary>Runs the pair of step loops; the weights are compared after a few steps.</summary>
    public static LstmResult Run(BenchSettings settings)
    {
        var backend = TorchBackend.CpuFloat32;
        var trainer = new Trainer(Model(), Losses.MeanSquaredError, Optim.Adam(LearningRate));
        var initial = trainer.Init(Key.FromSeed(11), backend);
        var keys = Key.FromSeed(12).Split(4);
        var batches = Enumerable.Range(0, 2).Select(i => new Batch(
            backend.FromArray(keys[2 * i].Uniform(BatchSize * Steps * Inputs, -1, 1), new Shape(BatchSize, Steps, Inputs)),
            backend.FromArray(keys[2 * i + 1].Uniform(BatchSize * Steps * Hidden, -0.5, 0.5), new Shape(BatchSize, Steps, Hidden)),
            null,
            Enumerable.Range(0, BatchSize).ToArray())).ToArray();
        using var peer = new TorchSharpLstm(initial.Parameters, LearningRate);

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
            var b = batches[theirStep++ % batches.Length];
            TorchSharpScalarRace.Run(() => peer.Step(TorchBackend.ToTorch(b.Inputs), TorchBackend.ToTorch(b.Targets)));
        }

        // Same start, same batches: after two steps both hold nearly the same weights (float32 rounding only).
        for (var i = 0; i < 2; i++)
        {
            Ours();
            Theirs();
        }

        var theirs = peer.Parameters();
        var difference = state.Parameters.Max(l => l.Value.ToArray().Zip(theirs[l.Key], (a, b) => Math.Abs(a - b)).Max());
        // One step of each per repeat, the order swapping every repeat, and the median over many repeats: the ratio is
        // then taken between neighbouring steps (~0.4 s apart), which the host's slow swings in speed (per-step times
        // vary by ±10% here) cannot reach. Measured on a quiet host: four quick runs gave medians 0.996–0.999, where
        // blocks of 2 steps × 5 repeats gave 0.978–1.033 for the same code.
        var repeats = settings.Name == "quick" ? 21 : 61;
        var ((ours, them, ratio), ourFaults, theirFaults) = PairedRuns.RunCountingFaults(Ours, Theirs, warmup: 0, block: 1, repeats);
        state.ReleaseUnshared(initial);
        initial.Parameters.Dispose();
        initial.OptimizerState.Dispose();
        foreach (var b in batches)
        {
            b.Dispose();
        }

        return new LstmResult(ours, them, ratio, difference, ourFaults, theirFaults);
    }
}

/// <summary>(g)'s figures: steps per second each side, their ratio, the largest weight difference after two steps, and
/// the minor page faults per step of each side (over the timed steps).</summary>
public sealed record LstmResult(Spread Ours, Spread Theirs, Spread Ratio, double MaxParameterDifference, double OurFaults, double TheirFaults);

/// <summary>The peer: TorchSharp's <c>nn.LSTM</c> (two layers, batch first) with our initial weights, MSE and Adam.</summary>
public sealed class TorchSharpLstm : IDisposable
{
    private readonly TorchSharp.Modules.LSTM module;

    /// <summary>The module, for phase-by-phase profiles.</summary>
    public TorchSharp.Modules.LSTM Module => module;
    private readonly optim.Optimizer optimizer;

    /// <summary>Copies our <c>weight_ih_l0</c>, …, <c>bias_hh_l1</c> into the module's leaves of the same names.</summary>
    public TorchSharpLstm(TensorTree parameters, double learningRate)
    {
        module = nn.LSTM(LstmStepBench.Inputs, LstmStepBench.Hidden, numLayers: 2, batchFirst: true);
        using (no_grad())
        {
            foreach (var (name, p) in module.named_parameters())
            {
                p.copy_(TorchBackend.ToTorch(parameters[name]));
            }
        }

        optimizer = optim.Adam(module.parameters(), learningRate);
    }

    /// <summary>One step; returns the loss.</summary>
    public float Step(TorchTensor inputs, TorchTensor targets)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var (output, _, _) = module.forward(inputs);
        var loss = nn.functional.mse_loss(output, targets);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>torch.optim.Adam's step alone, on whatever gradients the module holds.</summary>
    public void OptimizerStep()
    {
        using var scope = NewDisposeScope();
        optimizer.step();
    }

    /// <summary>The weights under our names.</summary>
    public Dictionary<string, double[]> Parameters() =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().to(float64).data<double>().ToArray());

    /// <inheritdoc />
    public void Dispose()
    {
        optimizer.Dispose();
        module.Dispose();
    }
}
