using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (a) One training step of the MLP 784-256-256-10 on batches of 128 MNIST digits with Adam in float32 on the CPU:
/// ours through the public <see cref="Trainer.Step"/>, against <see cref="TorchSharpMlp"/>, from the same initial
/// weights on the same batches (cycled). Ours runs as <see cref="Trainer.Fit"/> runs it, donating each replaced state
/// (<c>donate: true</c>, so the optimizer writes in place as torch.optim does), or, for comparison, pure.
/// </summary>
public static class MlpStepBench
{
    /// <summary>The widths of the MLP.</summary>
    public static readonly int[] Widths = [784, 256, 256, 10];

    /// <summary>Samples per batch.</summary>
    public const int BatchSize = 128;

    /// <summary>Steps after which both sides' parameters are compared (fewer than the batches cycled).</summary>
    public const int CheckedSteps = 10;

    /// <summary>Adam's learning rate on both sides.</summary>
    public const double LearningRate = 1e-3;

    /// <summary>The model as our layers.</summary>
    public static Sequential Model() =>
        new(new Dense(Widths[0], Widths[1]), new ReLU(), new Dense(Widths[1], Widths[2]), new ReLU(), new Dense(Widths[2], Widths[3]));

    /// <summary>The model with widths <paramref name="widths"/>: Dense and ReLU alternating, no ReLU after the last.</summary>
    public static Sequential Model(int[] widths)
    {
        var layers = new List<Layer>();
        for (var i = 0; i + 1 < widths.Length; i++)
        {
            layers.Add(new Dense(widths[i], widths[i + 1]));
            if (i + 2 < widths.Length)
            {
                layers.Add(new ReLU());
            }
        }

        return new Sequential([.. layers]);
    }

    /// <summary>Measures steps per second of both and their ratio.</summary>
    public static MlpResult Run(Dataset data, BenchSettings settings, bool donate) =>
        Run(data, Widths, BatchSize, donate, settings.Warmup, settings.MlpSteps, settings.Repeats, settings.Batches);

    /// <summary>As <see cref="Run(Dataset, BenchSettings, bool)"/> for any widths and batch size, with the timing given.</summary>
    public static MlpResult Run(Dataset data, int[] widths, int batchSize, bool donate, double warmup, int block, int repeats, int batchCount)
    {
        var backend = (TorchBackend)data.Backend;
        var trainer = new Trainer(Model(widths), Losses.SoftmaxCrossEntropy, Optim.Adam(LearningRate));
        var initial = trainer.Init(Key.FromSeed(7), backend);
        var batches = data.Batches(batchSize, Key.FromSeed(8)).Take(batchCount).ToArray();
        var classes = batches.Select(b => tensor(b.Labels!.Select(l => (long)l).ToArray(), int64)).ToArray();
        using var peer = new TorchSharpMlp(widths, initial.Parameters, LearningRate);

        var state = initial;
        long ourStep = 0, theirStep = 0;
        void Ours()
        {
            var (next, _) = trainer.Step(state, batches[ourStep++ % batches.Length], donate: donate && !ReferenceEquals(state, initial));
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

        // Same start, same batches: after the same number of steps both sides hold (nearly) the same weights.
        // Checked before any batch comes round again: later, a ReLU pre-activation within rounding of 0 may fall on
        // either side of its kink on the two sides, and Adam's normalization makes that a visible (harmless) difference.
        for (var i = 0; i < CheckedSteps; i++)
        {
            Ours();
            Theirs();
        }

        var theirs = peer.Parameters();
        var difference = state.Parameters.Max(l => l.Value.ToArray().Zip(theirs[l.Key], (a, b) => Math.Abs(a - b)).Max());

        var (result, ourFaults, theirFaults) = PairedRuns.RunCountingFaults(Ours, Theirs, warmup, block, repeats);
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

        return new MlpResult(result.Ours, result.Theirs, result.Ratio, difference, ourFaults, theirFaults);
    }
}

/// <summary>What (a) measured.</summary>
/// <param name="Ours">Our steps per second.</param>
/// <param name="Theirs">TorchSharp's steps per second.</param>
/// <param name="Ratio">Ours / theirs, per repeat.</param>
/// <param name="MaxParameterDifference">The largest |θ_ours − θ_theirs| after <see cref="MlpStepBench.CheckedSteps"/> steps.</param>
/// <param name="OurFaults">Minor page faults per step of ours.</param>
/// <param name="TheirFaults">Minor page faults per step of theirs.</param>
public sealed record MlpResult(Spread Ours, Spread Theirs, Spread Ratio, double MaxParameterDifference, double OurFaults, double TheirFaults);
