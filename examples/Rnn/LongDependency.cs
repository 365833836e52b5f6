using System.Diagnostics;
using Functional.Nets.Diagnostics;
using Functional.Nets.Reference;
using Functional.Nets.Reporting;
using Functional.Nets.Torch;

namespace Functional.Nets.Examples.Rnn;

/// <summary>
/// The long-dependency experiment, after Hochreiter and Schmidhuber's (1997) long-time-lag task: a sequence of T
/// one-hot symbols, the first drawn from K answer symbols, the T − 1 after it from D distractor symbols of their own;
/// the answer is the first symbol, read by a Dense head on the last step's output. Chance is 1/K. The gradient that
/// teaches step 0 travels back through T − 1 Jacobians ∂hᵢ/∂hᵢ₋₁: it vanishes for a plain tanh RNN as T grows, far
/// less for the gated cells, whose additive state updates keep a path open when their gates hold the state.
/// </summary>
internal static class LongDependency
{
    private const int Symbols = 4;
    private const int Distractors = 4;

    public static IEnumerable<string> Run(string outDirectory, bool quick)
    {
        var failures = new List<string>();
        var backend = TorchBackend.CpuFloat32;
        const int hidden = 32, batchSize = 64;
        int[] lengths = quick ? [5, 10] : [10, 25, 50, 100, 200];
        var steps = quick ? 10 : 400;
        var plotLength = quick ? 10 : 100;
        const int features = Symbols + Distractors;
        Console.WriteLine($"== long dependency: classify the first of T symbols (K = {Symbols} answers, chance {1.0 / Symbols:F2}, then T − 1 of {Distractors} distractors), hidden {hidden}, {steps} Adam steps of batch {batchSize}, clipped at norm 1");
        var kinds = new (string Name, Func<Cell> Make)[]
        {
            ("RNN", () => new RnnCell(features, hidden)),
            ("LSTM", () => new LstmCell(features, hidden)),
            ("GRU", () => new GruCell(features, hidden)),
        };
        var accuracy = new double[kinds.Length, lengths.Length];
        var series = new List<(string Name, double[] Norms)>();
        var clock = Stopwatch.StartNew();
        for (var l = 0; l < lengths.Length; l++)
        {
            var length = lengths[l];
            for (var c = 0; c < kinds.Length; c++)
            {
                var cell = kinds[c].Make();
                var model = new Sequential(new Scan(cell), new Dense(hidden, Symbols));
                var trainer = new Trainer(model, (y, t) => Losses.CrossEntropy(Last(y), t), Optim.Chain(Optim.ClipByGlobalNorm(1.0), Optim.Adam(1e-2)));
                var state = ChronoBias(trainer.Init(Key.FromSeed(2), backend), cell, length, Key.FromSeed(3));
                for (var s = 0; s < steps; s++)
                {
                    using var batch = Task(backend, Key.FromSeed(10_000 + s), batchSize, length);
                    var (next, _) = trainer.Step(state, batch);
                    state.ReleaseUnshared(next);
                    state = next;
                }

                using (var scope = backend.Scope())
                {
                    var test = Task(backend, Key.FromSeed(-length), 1000, length);
                    var predicted = Last(model.Apply(state.Parameters, test.Inputs)).ArgMax(1).ToIndexArray();
                    var truth = test.Targets.ToIndexArray();
                    accuracy[c, l] = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
                }

                if (length == plotLength)
                {
                    // ‖∂L/∂hₖ‖ of the trained network's loss on one batch, on the Reference backend in float64.
                    var reference = ReferenceBackend.Instance;
                    var p = state.Parameters.ToBackend(reference);
                    var probe = Task(reference, Key.FromSeed(77), batchSize, length);
                    var head = model.Layers[1];
                    var norms = HiddenStateGradients.Norms(cell, p.Child("0"), probe.Inputs, (outputs, _) => Losses.CrossEntropy(head.Apply(p.Child("1"), Last(outputs)), probe.Targets));
                    series.Add((kinds[c].Name, norms));
                }

                state.Parameters.Dispose();
                state.OptimizerState.Dispose();
            }
        }

        Console.WriteLine("held-out accuracy (1,000 sequences) by length T:");
        Console.WriteLine($"{"T",6}" + string.Concat(kinds.Select(k => $"{k.Name,8}")));
        for (var l = 0; l < lengths.Length; l++)
        {
            Console.WriteLine($"{lengths[l],6}" + string.Concat(Enumerable.Range(0, kinds.Length).Select(c => $"{accuracy[c, l],8:F3}")));
        }

        Console.WriteLine($"({kinds.Length * lengths.Length} trainings in {clock.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"‖∂L/∂hₖ‖ at T = {plotLength}, trained networks, k = 0 (the step that holds the answer) and k = T − 1:");
        foreach (var (name, norms) in series)
        {
            Console.WriteLine($"  {name,-5} {norms[0],10:0.00e+00} {norms[^1],10:0.00e+00}   ratio {norms[0] / norms[^1]:0.0e+00}");
        }

        var png = Path.Combine(outDirectory, "rnn-hidden-gradients.png");
        HiddenStateGradientPlot.WritePng(png, series, $"‖∂L/∂hₖ‖ by step k, first-symbol task, T = {plotLength}");
        Console.WriteLine($"wrote {png}");
        Console.WriteLine();
        if (series.Any(s => s.Norms.Any(v => !double.IsFinite(v))))
        {
            failures.Add("a hidden-state gradient norm is not finite");
        }

        return failures;
    }

    /// <summary>
    /// Tallec and Ollivier's (2018) chrono initialization for a memory of up to T steps: the forget gate's bias
    /// b_f = ln u, u ~ U(1, T − 1) per unit, and the input gate's b_i = −b_f (LSTM); the update gate's b_z = ln u (GRU,
    /// whose h′ = (1 − z) ⊙ n + z ⊙ h keeps the old state as z → 1). A unit then starts by keeping about 1 − 1/u of its
    /// state a step, a memory of u steps, spread over the range the task needs, instead of σ(0) = ½ (a memory of about
    /// one step). The plain RNN is as initialized: it has no gate to set.
    /// </summary>
    private static TrainState ChronoBias(TrainState state, Cell cell, int length, Key key)
    {
        var (keep, write) = cell switch { LstmCell => (1, 0), GruCell => (1, -1), _ => (-1, -1) }; // blocks of i, f, g, o and r, z, n
        if (keep < 0)
        {
            return state;
        }

        var bias = state.Parameters["0.bias_ih"];
        var values = bias.ToArray();
        var hidden = cell.OutputSize;
        var u = key.Uniform(hidden, 1, Math.Max(2, length - 1));
        for (var k = 0; k < hidden; k++)
        {
            // Both biases b_ih and b_hh add; the whole offset goes on b_ih, b_hh keeps its draw.
            values[(keep * hidden) + k] += Math.Log(u[k]);
            if (write >= 0)
            {
                values[(write * hidden) + k] -= Math.Log(u[k]);
            }
        }

        var replaced = bias.Backend.FromArray(values, bias.Shape);
        var next = state with { Parameters = state.Parameters.With(TensorTree.Of(("0.bias_ih", replaced))) };
        bias.Dispose();
        return next;
    }

    // The last step's output [N, T, K] → [N, K].
    private static Tensor Last(Tensor outputs) => outputs.Slice(1, outputs.Shape[1] - 1, 1).Reshape(outputs.Shape[0], outputs.Shape[2]);

    /// <summary>N sequences: a uniform answer symbol, then T − 1 uniform distractors (one-hot after the K answers); the answer as the target.</summary>
    private static Batch Task(Backend backend, Key key, int n, int length)
    {
        var u = key.Uniform(checked(n * length));
        const int features = Symbols + Distractors;
        var x = new double[checked(n * length * features)];
        var y = new long[n];
        for (var b = 0; b < n; b++)
        {
            for (var t = 0; t < length; t++)
            {
                var s = t == 0
                    ? Math.Min(Symbols - 1, (int)(u[b * length] * Symbols))
                    : Symbols + Math.Min(Distractors - 1, (int)(u[(b * length) + t] * Distractors));
                x[((b * length) + t) * features + s] = 1;
                if (t == 0)
                {
                    y[b] = s;
                }
            }
        }

        return new Batch(backend.FromArray(x, n, length, features), backend.FromIndices(y, n), null, Enumerable.Range(0, n).ToArray());
    }
}
