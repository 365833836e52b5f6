using System.Diagnostics;

namespace Functional.Nets.Bench;

/// <summary>
/// (i) The MLP step of (a) (784-w-w-10, Adam, float32, MNIST batches, donating as Fit does) against
/// <see cref="TorchSharpMlp"/> across hidden widths w and batch sizes b, where the share of per-call overhead changes:
/// at w = 32, b = 8 a step is a few dozen small kernels and the library's own bookkeeping decides; at w = 1024, b = 512
/// libtorch's products do. Each point is a paired run (<see cref="PairedRuns"/>) with blocks sized to ~20 ms.
/// </summary>
public static class SweepBench
{
    /// <summary>The points measured: a few in quick mode (w32/b8 among them), the whole table in full mode.</summary>
    public static IReadOnlyList<(int Width, int Batch)> Points(BenchSettings settings) =>
        settings.Name == "quick"
            ? [(32, 1), (32, 8), (128, 64), (512, 256)]
            : [.. from w in new[] { 32, 128, 512, 1024 } from b in new[] { 1, 8, 64, 512 } select (w, b)];

    /// <summary>Measures every point.</summary>
    public static Dictionary<(int Width, int Batch), MlpResult> Run(Dataset data, BenchSettings settings)
    {
        var results = new Dictionary<(int Width, int Batch), MlpResult>();
        var repeats = settings.Name == "quick" ? 15 : 21;
        foreach (var (w, b) in Points(settings))
        {
            // Steps per block (the first point warms up longer: the JIT's tiering of the whole step takes seconds here): ~20 ms of both sides' steps, from a rough estimate of one step of ours (3 to 30 steps).
            var estimate = EstimateSeconds(data, w, b);
            var block = (int)Math.Clamp(0.01 / estimate, 3, 30);
            results[(w, b)] = MlpStepBench.Run(data, [MlpStepBench.Widths[0], w, w, MlpStepBench.Widths[^1]], b, donate: true,
                warmup: results.Count == 0 ? 3 * settings.Warmup : settings.Warmup, block, repeats, settings.Batches);
        }

        return results;
    }

    /// <summary>Seconds of one step at width w and batch b, timed on three steps after one untimed (order of magnitude only).</summary>
    private static double EstimateSeconds(Dataset data, int w, int b)
    {
        var trainer = new Trainer(MlpStepBench.Model([MlpStepBench.Widths[0], w, w, MlpStepBench.Widths[^1]]), Losses.SoftmaxCrossEntropy, Optim.Adam(MlpStepBench.LearningRate));
        var state = trainer.Init(Key.FromSeed(1), data.Backend);
        using var batch = data.Batches(b, null).First();
        var first = state;
        var clock = new Stopwatch();
        for (var i = 0; i < 4; i++)
        {
            if (i == 1)
            {
                clock.Start();
            }

            var (next, _) = trainer.Step(state, batch);
            if (!ReferenceEquals(state, first))
            {
                state.ReleaseUnshared(next);
            }

            state = next;
        }

        var seconds = clock.Elapsed.TotalSeconds / 3;
        state.ReleaseUnshared(first);
        first.Parameters.Dispose();
        first.OptimizerState.Dispose();
        return seconds;
    }
}
