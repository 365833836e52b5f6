using System.Globalization;
using Spectre.Console;

namespace Functional.Nets.Bench;

/// <summary>The run as a table on the console (Spectre.Console), median with (min–max) over repeats.</summary>
public static class ResultsTable
{
    /// <summary>Writes the table and the bars.</summary>
    public static void Write(BenchResults r)
    {
        // Redirected output (a file, CI's log) gets a fixed width that fits every row on one line.
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 150;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Functional.Nets benchmarks ({r.Settings.Name}; libtorch threads {r.TorchThreads}; load average {r.Load.Start} → {r.Load.End})")
            .AddColumn("measure").AddColumn(new TableColumn("Functional.Nets").RightAligned())
            .AddColumn(new TableColumn("peer").RightAligned()).AddColumn(new TableColumn("ratio (ours/peer)").RightAligned());
        if (r.Mlp is { } m)
        {
            table.AddRow("(a) MLP 784-256-256-10 Adam step (donating, as Fit), steps/s", F(m.Ours, "F0"), "TorchSharp " + F(m.Theirs, "F0"), F(m.Ratio, "F3"));
        }

        if (r.MlpPure is { } pure)
        {
            table.AddRow("(a) the same, pure steps (no donation), steps/s", F(pure.Ours, "F0"), "TorchSharp " + F(pure.Theirs, "F0"), F(pure.Ratio, "F3"));
        }

        if (r.OptimizerStep is { } o)
        {
            table.AddRow($"(b) Adam step alone, {o.Leaves} leaves, steps/s", F(o.Ours, "F0"), "torch.optim " + F(o.Theirs, "F0"), F(o.Ratio, "F2"));
        }

        if (r.AdamWStep is { } adamW)
        {
            table.AddRow($"(b) AdamW step alone (λ = {OptimizerStepBench.WeightDecay:G}), {adamW.Leaves} leaves, steps/s", F(adamW.Ours, "F0"), "torch.optim " + F(adamW.Theirs, "F0"), F(adamW.Ratio, "F2"));
        }

        if (r.Conv is { } cv)
        {
            foreach (var c in cv.Reference.Keys)
            {
                table.AddRow($"(m) conv3×3 fwd+bwd f64, [[8, {c}, 28, 28]] → {2 * c} channels, GFLOP/s", "Reference " + F(cv.Reference[c], "F2"), "libtorch " + F(cv.Torch[c], "F1"), F(cv.Ratio[c], "F3"));
            }
        }

        if (r.Dense is { } d)
        {
            foreach (var w in d.Reference.Keys)
            {
                table.AddRow($"(c) dense fwd+bwd f64, width {w}, GFLOP/s", "Reference " + F(d.Reference[w], "F2"), "libtorch " + F(d.Torch[w], "F1"), F(d.Ratio[w], "F3"));
                table.AddRow($"(c) the same, Reference on one thread", "Reference " + F(d.ReferenceOneThread[w], "F2"), "", F(d.RatioOneThread[w], "F3"));
            }
        }

        if (r.GradCheck is { } g)
        {
            foreach (var (backend, s) in g.Seconds)
            {
                table.AddRow($"(d) gradcheck fast, {g.Parameters:N0} params, {backend}, s", F(s, "F2") + (g.Passed[backend] ? " passed" : " FAILED"), "", "");
            }
        }

        if (r.Soaks is { } soaks)
        {
            foreach (var s in soaks)
            {
                var at = s.Samples.FirstOrDefault(x => x.Step == BenchSettings.WarmupSteps, s.Samples[0]);
                table.AddRow(
                    $"(e) soak {s.Loop}, {s.Steps:N0} steps, RSS MiB step {at.Step}→{s.Samples[^1].Step}",
                    string.Create(CultureInfo.InvariantCulture, $"{at.Megabytes:F0} → {s.Samples[^1].Megabytes:F0} ({s.GrowthPercent:+0.0;-0.0}%)"),
                    string.Create(CultureInfo.InvariantCulture, $".NET heap {at.ManagedMegabytes:F0} → {s.Samples[^1].ManagedMegabytes:F0}"),
                    "");
            }
        }

        if (r.Freezing is { } f)
        {
            table.AddRow(
                string.Create(CultureInfo.InvariantCulture, $"(f) MLP 784-512-512-10 Adam step, layers 1–2 frozen ({f.TrainableParameters:N0} trained), steps/s"),
                F(f.Frozen, "F0"), "all trainable " + F(f.Full, "F0"), "time " + F(f.TimeRatio, "F3"));
        }

        if (r.Lstm is { } lstm)
        {
            table.AddRow(
                "(g) LSTM 2×256, T=50, batch 64, float32, Adam step vs nn.LSTM, steps/s",
                F(lstm.Ours, "F2"), F(lstm.Theirs, "F2"), F(lstm.Ratio, "F3"));
        }

        if (r.Sweep is { } sweep)
        {
            foreach (var ((w, b), p) in sweep)
            {
                table.AddRow($"(i) MLP 784-{w}-{w}-10 Adam step, batch {b}, steps/s", F(p.Ours, "F0"), "TorchSharp " + F(p.Theirs, "F0"), F(p.Ratio, "F3"));
            }
        }

        if (r.Randomness is { } rnd)
        {
            table.AddRow("(j) MNIST MLP step, host-drawn dropout masks / precomputed on the device", "", "", F(rnd.Mlp.Ratio, "F3"));
            table.AddRow("(j) MNIST MLP, its dropout layers alone (host masks, multiply) / one step", "", "", F(rnd.Mlp.Share.Map(x => 100 * x), "F2") + " %");
            table.AddRow("(j) MNIST CNN step, host-drawn dropout masks / precomputed on the device", "", "", F(rnd.Cnn.Ratio, "F3"));
            table.AddRow("(j) MNIST CNN, its dropout layer alone (host mask, multiply) / one step", "", "", F(rnd.Cnn.Share.Map(x => 100 * x), "F2") + " %");
        }

        if (r.Cnn is { } cnn)
        {
            table.AddRow(
                "(h) CNN 32-32-64-64 + dense 128, batch 128, float32, Adam step vs nn.Module, steps/s",
                F(cnn.Ours, "F2"), F(cnn.Theirs, "F2"), F(cnn.Ratio, "F3"));
        }

        if (r.SparseEmbedding is { } sp)
        {
            table.AddRow("(k) embedding 100,000×100 float32, batch 4,096: sparse SGD step vs dense, steps/s", F(sp.SparseSgd, "F1"), F(sp.DenseSgd, "F1"), F(sp.SgdRatio, "F2"));
            table.AddRow("(k) the same with SparseAdam vs dense Adam, steps/s", F(sp.SparseAdam, "F1"), F(sp.DenseAdam, "F1"), F(sp.AdamRatio, "F2"));
        }

        if (r.Word2Vec is { } w2v)
        {
            table.AddRow(
                string.Create(CultureInfo.InvariantCulture, $"(l) word2vec Brown, {w2v.Epochs} epoch(s), words/s (tag probe ours {w2v.OurProbe.Accuracy:P1}, gensim {(w2v.GensimProbe is { } gp ? gp.Accuracy.ToString("P1", CultureInfo.InvariantCulture) : "-")})"),
                w2v.OursWordsPerSecond.ToString("N0", CultureInfo.InvariantCulture), w2v.GensimWordsPerSecond?.ToString("N0", CultureInfo.InvariantCulture) ?? Markup.Escape(w2v.GensimNote),
                w2v.Ratio?.ToString("F3", CultureInfo.InvariantCulture) ?? "-");
        }

        AnsiConsole.Write(table);
        foreach (var (bar, value, met) in r.Bars())
        {
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"{(met ? "[green]met[/]" : "[red]NOT met[/]")}  {Markup.Escape(bar)}: {value:F3}"));
        }
    }

    private static string F(Spread s, string format) => s.Format(format);
}
