using System.Diagnostics;
using Functional.Nets.Diagnostics;
using Functional.Nets.Reference;
using Functional.Nets.Reporting;
using Functional.Nets.Torch;

namespace Functional.Nets.Examples.Rnn;

/// <summary>
/// The long-dependency experiment: a sequence of T one-hot symbols from an alphabet of K, all drawn uniformly; the
/// answer is the first one, read by a Dense head on the last step's output after T − 1 distractors. Chance is 1/K.
/// The gradient that teaches step 0 travels back through T − 1 Jacobians ∂hᵢ/∂hᵢ₋₁: it vanishes for a plain tanh
/// RNN as T grows, far less for the gated cells, whose additive state updates keep a path open.
/// </summary>
internal static class LongDependency
{
    private const int Symbols = 4;

    public static IEnumerable<string> Run(string outDirectory, bool quick)
    {
        var failures = new List<string>();
        var backend = TorchBackend.CpuFloat32;
        const int hidden = 32, batchSize = 64;
        int[] lengths = quick ? [5, 10] : [10, 20, 40, 80];
        var steps = quick ? 10 : 400;
        var plotLength = quick ? 10 : 40;
        Console.WriteLine($"== long dependency: classify the first of T symbols (K = {Symbols}, chance {1.0 / Symbols:F2}), hidden {hidden}, {steps} Adam steps of batch {batchSize}, clipped at norm 1");
        var kinds = new (string Name, Func<Cell> Make)[]
        {
            ("RNN", () => new RnnCell(Symbols, hidden)),
            ("LSTM", () => new LstmCell(Symbols, hidden)),
            ("GRU", () => new GruCell(Symbols, hidden)),
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
                var state = KeepBias(trainer.Init(Key.FromSeed(2), backend), cell);
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
    /// The usual start for a long memory: +1 on the bias of the LSTM's forget gate (Gers et al. 2000; Jozefowicz et al.
    /// 2015), and of the GRU's update gate z, whose h′ = (1 − z) ⊙ n + z ⊙ h keeps the old state as z → 1; so that
    /// at the start a gated cell keeps about σ(1) ≈ 0.73 of its state a step instead of 0.5. The plain RNN is as initialized.
    /// </summary>
    private static TrainState KeepBias(TrainState state, Cell cell)
    {
        var gate = cell switch { LstmCell => 1, GruCell => 1, _ => -1 }; // block f of i, f, g, o; block z of r, z, n
        if (gate < 0)
        {
            return state;
        }

        var bias = state.Parameters["0.bias_ih"];
        var values = bias.ToArray();
        var hidden = cell.OutputSize;
        for (var k = gate * hidden; k < (gate + 1) * hidden; k++)
        {
            values[k] += 1;
        }

        var replaced = bias.Backend.FromArray(values, bias.Shape);
        var next = state with { Parameters = state.Parameters.With(TensorTree.Of(("0.bias_ih", replaced))) };
        bias.Dispose();
        return next;
    }

    // The last step's output [N, T, K] → [N, K].
    private static Tensor Last(Tensor outputs) => outputs.Slice(1, outputs.Shape[1] - 1, 1).Reshape(outputs.Shape[0], outputs.Shape[2]);

    /// <summary>N sequences of T uniform one-hot symbols and the first symbol of each as the target.</summary>
    private static Batch Task(Backend backend, Key key, int n, int length)
    {
        var u = key.Uniform(checked(n * length));
        var x = new double[checked(n * length * Symbols)];
        var y = new long[n];
        for (var b = 0; b < n; b++)
        {
            for (var t = 0; t < length; t++)
            {
                var s = Math.Min(Symbols - 1, (int)(u[b * length + t] * Symbols));
                x[(b * length + t) * Symbols + s] = 1;
                if (t == 0)
                {
                    y[b] = s;
                }
            }
        }

        return new Batch(backend.FromArray(x, n, length, Symbols), backend.FromIndices(y, n), null, Enumerable.Range(0, n).ToArray());
    }
}
