using System.Globalization;
using Functional.Nets.Reporting;

namespace Functional.Nets.Examples.Gan;

/// <summary>One checkpoint's measurements.</summary>
internal sealed record CheckpointRow(int Epoch, long Step, double Seconds, Verdict Verdict, double Frechet, string Checkpoint);

/// <summary>
/// The run's observer: records both parts' losses at every step, and every <c>every</c> epochs and at the last one
/// saves a checkpoint of both parts, writes a grid of 64 samples (always the same noise, so the grids show one
/// generator learning) and lets the judge measure <c>judged</c> samples against the test digits.
/// </summary>
internal sealed class GanWatcher(GanPair pair, Judge judge, Verdict test, string stem, int every, int epochs, int judged, bool batchStatistics, IReadOnlyList<double> averages) : TrainingCallback
{
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Per step, each update's loss (<c>discriminator.loss</c>, <c>generator.loss</c>, …) in step order.</summary>
    public Dictionary<string, List<double>> StepLosses { get; } = [];

    /// <summary>The checkpoints measured so far.</summary>
    public List<CheckpointRow> Rows { get; } = [];

    /// <inheritdoc />
    public override void OnMultiPartStep(int epoch, int batch, MultiPartState state, StepMetrics metrics)
    {
        foreach (var m in metrics.Scalars.Where(m => m.Name.EndsWith(".loss", StringComparison.Ordinal)))
        {
            if (!StepLosses.TryGetValue(m.Name, out var list))
            {
                StepLosses[m.Name] = list = [];
            }

            list.Add(m.Value);
        }
    }

    /// <inheritdoc />
    public override FitDecision OnMultiPartEpochEnd(EpochMetrics metrics, MultiPartState state)
    {
        if (metrics.Epoch % every == 0 || metrics.Epoch == epochs)
        {
            Measure(metrics.Epoch, state);
        }

        return FitDecision.Continue;
    }

    /// <summary>Checkpoint, sample grid and judge at <paramref name="epoch"/>; prints one line.</summary>
    public CheckpointRow Measure(int epoch, MultiPartState state)
    {
        var file = string.Create(CultureInfo.InvariantCulture, $"{stem}-epoch{epoch}.safetensors");
        Checkpoint.Save(file, state);
        using var images = Sample(pair, state, Key.FromSeed(1234), 64, batchStatistics);
        ImageGrid.WritePng(string.Create(CultureInfo.InvariantCulture, $"{stem}-samples-epoch{epoch}.png"), images, columns: 8, scale: 2, shareScale: true);
        using var many = Sample(pair, state, Key.FromSeed(5678), judged, batchStatistics);
        var verdict = judge.Measure(many);
        var row = new CheckpointRow(epoch, state.Step, clock.Elapsed.TotalSeconds, verdict, Judge.Frechet(verdict, test), file);
        Rows.Add(row);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"checkpoint epoch {epoch} (step {state.Step}, {row.Seconds:F0} s): {verdict.Summary()}; Fréchet distance to the test digits {row.Frechet:F2}; counts [{string.Join(" ", verdict.Counts)}]"));
        // The ablation in the same run: the same noise through the other averages (innermost last) and G's current parameters θ.
        var kept = Averages(state);
        var others = kept.Skip(1).Select((tree, i) => ($"with the average β = {averages[averages.Count - 2 - i]}", tree))
            .Concat(kept.Count > 0 ? [("without the average (G's current parameters)", state[GanObjectives.G].Parameters)] : []);
        foreach (var (label, parameters) in others)
        {
            using var other = Sample(pair, state, Key.FromSeed(5678), judged, batchStatistics, parameters);
            var otherVerdict = judge.Measure(other);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {label}: {otherVerdict.Summary()}; Fréchet distance {Judge.Frechet(otherVerdict, test):F2}"));
        }

        return row;
    }

    /// <summary>The parameter averages G's optimizer keeps (<see cref="ParameterAverage"/>, nested), outermost first.</summary>
    public static List<TensorTree> Averages(MultiPartState state)
    {
        var found = new List<TensorTree>();
        for (var s = state[GanObjectives.G].OptimizerState; s.Child("average").Count > 0; s = s.Child("inner"))
        {
            found.Add(ParameterAverage.Average(s));
        }

        return found;
    }

    /// <summary>
    /// <paramref name="count"/> samples G(z) for noise drawn from <paramref name="key"/> with <paramref name="parameters"/>
    /// (default: G's outermost parameter average when its optimizer keeps one, else its parameters), generated in chunks of 250:
    /// in evaluation mode (batch norm with its running statistics), or with <paramref name="batchStatistics"/> in
    /// training mode (each chunk normalised by its own statistics; the statistics returned are dropped).
    /// </summary>
    public static Tensor Sample(GanPair pair, MultiPartState state, Key key, int count, bool batchStatistics, TensorTree? parameters = null)
    {
        var backend = state.Backend;
        var g = state[GanObjectives.G];
        // With a parameter average in G's optimizer state (--average), the samples come from θ̄, not from θ.
        parameters ??= Averages(state).FirstOrDefault() ?? g.Parameters;
        var values = new List<double>(count * 784);
        for (var start = 0; start < count; start += 250)
        {
            using var scope = backend.Scope();
            var n = Math.Min(250, count - start);
            var (x, _) = pair.Generate(parameters, g.LayerState, pair.NoiseBatch(backend, key.Fold((ulong)start), n), batchStatistics ? Context.TrainDeterministic : Context.Eval);
            values.AddRange(x.ToArray());
        }

        return backend.FromArray([.. values], count, 1, 28, 28);
    }
}
