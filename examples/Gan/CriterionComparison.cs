using System.Globalization;
using Functional.Nets.Reporting;

namespace Functional.Nets.Examples.Gan;

/// <summary>
/// The lecture's two generator criteria from one initialisation: two runs of the same pair, the same batches and the
/// same noise, differing only in G's loss, and before every step the norm of the gradient that reaches G's parameters,
/// ‖∂L_G/∂α‖ (all of G's leaves as one vector), with the mean D(G(z)) at which it was taken.
/// </summary>
/// <remarks>
/// Why they differ, per fake logit l = D's pre-sigmoid output: the saturating loss ln(1 − σ(l)) has ∂/∂l = −σ(l), which
/// vanishes as D learns to reject the fakes (σ(l) → 0), while the non-saturating −ln σ(l) has ∂/∂l = −(1 − σ(l)) → −1
/// there. Early on D wins easily, so the saturating generator gets almost no signal.
/// </remarks>
internal static class CriterionComparison
{
    /// <summary>Runs both criteria for <see cref="GanOptions.CompareCriteria"/> steps, prints a table and writes a PNG.</summary>
    public static void Run(GanPair pair, GanOptions options, MultiPartState fresh, Dataset train, string outDirectory)
    {
        var steps = options.CompareCriteria;
        var runs = new[] { GeneratorCriterion.Saturating, GeneratorCriterion.NonSaturating }
            .Select(c => (Criterion: c, Trace: Trace(new GanObjectives(pair, c, options.K), fresh, train, options.BatchSize, steps)))
            .ToArray();

        Console.WriteLine();
        Console.WriteLine($"gradient norm reaching G, ‖∂L_G/∂α‖, from one initialisation ({pair.Name} pair, k = {options.K}, batch {options.BatchSize}, same batches and noise):");
        Console.WriteLine($"{"step",5} {"saturating ‖∇‖",15} {"D(G(z))",8} {"non-saturating ‖∇‖",19} {"D(G(z))",8}");
        var shown = Enumerable.Range(0, steps).Where(t => t < 10 || t % Math.Max(1, steps / 20) == 0 || t == steps - 1);
        foreach (var t in shown)
        {
            var (s, n) = (runs[0].Trace[t], runs[1].Trace[t]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,5} {s.Norm,15:E3} {s.MeanD,8:F4} {n.Norm,19:E3} {n.MeanD,8:F4}"));
        }

        foreach (var (criterion, trace) in runs)
        {
            var late = trace.Skip(steps / 2).ToArray();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{criterion}: median ‖∇‖ over steps {steps / 2}–{steps - 1} {Median(late.Select(p => p.Norm)):E3}, mean D(G(z)) {late.Average(p => p.MeanD):F4}"));
        }

        var path = Path.Combine(outDirectory, $"gan-{pair.Name}-criteria-gradient-norms.png");
        Curves.WriteSeriesPng(
            path,
            runs.Select(r => (r.Criterion == GeneratorCriterion.Saturating ? "saturating: min ln(1 − D(G(z)))" : "non-saturating: max ln D(G(z))", r.Trace.Select(p => p.Norm).ToArray())).ToArray(),
            $"GAN {pair.Name}: gradient norm reaching G's parameters, from one initialisation",
            "step",
            "‖∂L_G/∂α‖ (log scale)",
            logY: true);
        Console.WriteLine($"picture: {Path.GetFullPath(path)}{MnistRun.LoadAverage()}");
    }

    /// <summary>The gradient norm and mean D(G(z)) before each of <paramref name="steps"/> steps of <paramref name="objectives"/>' trainer.</summary>
    private static (double Norm, double MeanD)[] Trace(GanObjectives objectives, MultiPartState fresh, Dataset train, int batchSize, int steps)
    {
        var trainer = objectives.Trainer();
        var trace = new List<(double, double)>();
        var state = fresh;
        for (var epoch = 0; trace.Count < steps; epoch++)
        {
            foreach (var batch in train.Batches(batchSize * objectives.DiscriminatorSteps, fresh.EpochKey(epoch), LastBatch.Drop))
            {
                using (batch)
                {
                    if (trace.Count == steps)
                    {
                        break;
                    }

                    trace.Add(Measure(objectives, state, Key.FromSeed(4242).Fold((ulong)trace.Count), batchSize));
                    var (next, _) = trainer.Step(state, batch, requireFiniteLoss: true, donate: !ReferenceEquals(state, fresh));
                    if (!ReferenceEquals(state, fresh))
                    {
                        state.ReleaseUnshared(next);
                    }

                    state = next;
                }
            }
        }

        return [.. trace];
    }

    /// <summary>‖∂L_G/∂α‖ at <paramref name="state"/> for noise from <paramref name="key"/>, D a constant.</summary>
    private static (double Norm, double MeanD) Measure(GanObjectives objectives, MultiPartState state, Key key, int count)
    {
        var backend = state.Backend;
        using var scope = backend.Scope();
        var z = objectives.Pair.NoiseBatch(backend, key, count);
        var d = state[GanObjectives.D].Parameters;
        var meanD = double.NaN;
        var (_, grads) = Grad.ValueAndGrad(
            g =>
            {
                var (loss, _, m) = objectives.GeneratorLoss(TensorTree.Nest([(GanObjectives.G, g), (GanObjectives.D, d)]), state.LayerState, z);
                meanD = m;
                return loss;
            },
            state[GanObjectives.G].Parameters);
        var squares = grads.Values.Sum(t => t.Square().Sum().Item());
        return (Math.Sqrt(squares), meanD);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
