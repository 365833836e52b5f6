using System.Globalization;

namespace Functional.Nets.Examples;

/// <summary>
/// The same model from the same key on several backends: the first steps (same initial weights, same batches, same
/// shifts and dropout masks, all drawn in the core) and their losses side by side. The two gradient paths
/// (hand-written VJPs, libtorch autograd) share nothing else, so agreement to rounding is the check. Compiled into
/// every example that prints it (examples/Mnist, examples/Cnn).
/// </summary>
internal static class BackendComparison
{
    /// <summary>Trains <paramref name="steps"/> steps on each backend and prints the losses and the largest relative gap to the last backend.</summary>
    /// <param name="trainerFor">The example's trainer for data of a given sample count.</param>
    /// <param name="key">The run's key.</param>
    /// <param name="train">The training data (any backend; copied to each).</param>
    /// <param name="backends">The backends, the one to compare against last.</param>
    /// <param name="steps">Steps per backend.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="seed">The seed behind <paramref name="key"/>, for the heading.</param>
    public static void Run(Func<int, Trainer> trainerFor, Key key, Dataset train, Backend[] backends, int steps, int batchSize, int seed)
    {
        var losses = new double[backends.Length][];
        for (var b = 0; b < backends.Length; b++)
        {
            var data = train.ToBackend(backends[b]);
            var trainer = trainerFor(data.Count);
            var state = trainer.Init(key, backends[b]);
            losses[b] = new double[steps];
            var i = 0;
            foreach (var batch in data.Batches(batchSize, state.EpochKey(0)).Take(steps))
            {
                using (batch)
                {
                    var (next, metrics) = trainer.Step(state, batch);
                    losses[b][i++] = metrics.Loss;
                    state = next;
                }
            }
        }

        Console.WriteLine($"first {steps} steps (batches of {batchSize}) from the same key (seed {seed}): training loss after each step's forward pass");
        Console.WriteLine("step" + string.Concat(backends.Select(b => $"{b.Name + " " + b.DType.Name(),22}")));
        for (var s = 0; s < steps; s++)
        {
            Console.WriteLine($"{s + 1,4}" + string.Concat(losses.Select(l => l[s].ToString("F15", CultureInfo.InvariantCulture).PadLeft(22))));
        }

        var reference = backends.Length - 1;
        for (var b = 0; b < reference; b++)
        {
            // Relative to the loss: max over steps of |a − b| / max(|a|, |b|).
            var gap = losses[b].Zip(losses[reference], (x, y) => Math.Abs(x - y) / Math.Max(Math.Abs(x), Math.Abs(y))).Max();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"largest relative loss difference, {backends[b].Name} {backends[b].DType.Name()} vs {backends[reference].Name} {backends[reference].DType.Name()}: {gap:0.0e+00}"));
        }

        Console.WriteLine();
    }
}
