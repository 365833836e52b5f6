using System.Globalization;
using Functional.Nets.Examples.Cnn;
using Functional.Nets.Reference;
using Functional.Nets.Reporting;
using Functional.Nets.Torch;

namespace Functional.Nets.Examples.Gan;

/// <summary>
/// The GAN on mnist10k's 8,000 training digits (the last 2,000 are the judge's test digits), on Torch float32: a
/// generator and a discriminator as two parts of one <see cref="MultiPartState"/>, each with its own Adam, alternating
/// pure updates through <see cref="MultiPartTrainer.Fit"/>; checkpoints, sample grids and the judge's verdicts every
/// few epochs; loss curves of both parts at the end; the closing line
/// <c>judge: N of 10 classes, largest share P%, smallest share Q%, mean top probability T</c>.
/// </summary>
internal static class MnistRun
{
    /// <summary>Runs with the options in <paramref name="args"/>; 0 on success, 2 on bad options or data.</summary>
    public static int Run(string[] args)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(GanOptions.Usage);
            return 0;
        }

        GanOptions options;
        try
        {
            options = GanOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"Gan mnist: {e.Message}");
            Console.Error.WriteLine(GanOptions.Usage);
            return 2;
        }

        var root = Repository.Root();
        var dataDirectory = options.Data ?? Path.Combine(root, "..", "shared", "data", "mnist10k");
        var outDirectory = options.Out ?? Path.Combine(root, "examples", "Gan", "out");
        TorchBackend.Threads = options.Threads;
        Backend backend = TorchBackend.CpuFloat32;

        Dataset train, test;
        try
        {
            (train, test) = CnnModel.Load(dataDirectory, ReferenceBackend.Instance);
        }
        catch (Exception e) when (e is IOException or IdxFormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Pass an MNIST IDX directory with --data DIR.");
            return 2;
        }

        if (options.Quick)
        {
            // Seconds of everything for CI: 512 training digits, 2 epochs of a few steps, a 1-epoch judge, 200 judged samples.
            (train, test) = (train.Slice(0, 512), test.Slice(0, 200));
            options = options with { Epochs = 2, Every = 1, Judged = 200, JudgeEpochs = 1, BatchSize = Math.Min(options.BatchSize, 32) };
        }

        Console.WriteLine($"data: {Path.GetFullPath(dataDirectory)}: {train.Count} digits to train, {test.Count} to test");
        var trainOn = train.ToBackend(backend);
        var testOn = test.ToBackend(backend);
        var pair = options.Pair == "conv" ? GanPair.Conv(options.Noise, options.Width, options.DiscriminatorWidth) : GanPair.Mlp(options.Noise);
        var objectives = new GanObjectives(pair, options.Criterion, options.K);
        // T = the run's steps: full batches of k·B real digits per epoch (the last partial one is dropped).
        var totalSteps = (long)options.Epochs * (train.Count / (options.BatchSize * options.K));
        var rateD = options.DiscriminatorLearningRate ?? options.LearningRate;
        Schedule Rate(double start) => options.Schedule == "cosine" ? Schedules.Cosine(start, Math.Max(totalSteps, 1)) : Schedules.Constant(start);
        var fresh = MultiPartState.Create(
            Key.FromSeed(options.Seed), backend,
            (GanObjectives.G, pair.Generator, options.Averages.Aggregate(Optim.Adam(Rate(options.LearningRate), beta1: options.Beta1), Optim.ParameterAverage)),
            (GanObjectives.D, pair.Discriminator, Optim.Adam(Rate(rateD), beta1: options.Beta1)));
        Console.WriteLine($"generator: {Describe(pair.Generator)}, {pair.Generator.ParameterCount:N0} parameters");
        Console.WriteLine($"discriminator: {Describe(pair.Discriminator)}, {pair.Discriminator.ParameterCount:N0} parameters");

        if (options.CompareCriteria > 0)
        {
            CriterionComparison.Run(pair, options, fresh, trainOn, outDirectory);
            return 0;
        }

        var judgePath = Path.Combine(outDirectory, options.Quick ? "judge-cnn-quick.safetensors" : "judge-cnn.safetensors");
        var judge = Judge.LoadOrTrain(judgePath, trainOn, testOn, backend, options.JudgeEpochs, options.PlainEverySteps);
        var judgedTest = testOn.Slice(0, Math.Min(options.Judged, testOn.Count));
        var testVerdict = judge.Measure(judgedTest.Inputs);
        var trainVerdict = judge.Measure(trainOn.Slice(0, judgedTest.Count).Inputs);
        var floor = Judge.Frechet(trainVerdict, testVerdict);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"judge on {judgedTest.Count} test digits: {testVerdict.Summary()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"floor: Fréchet distance between {judgedTest.Count} training digits and the {judgedTest.Count} test digits {floor:F2}"));

        var state = fresh;
        if (options.Resume is { } resume)
        {
            state = Checkpoint.Load(resume, backend, like: fresh);
            Console.WriteLine($"resumed from {Path.GetFullPath(resume)} at step {state.Step}");
        }

        var name = $"gan-{pair.Name}-{(options.Criterion == GeneratorCriterion.NonSaturating ? "ns" : "sat")}-k{options.K}{(options.Schedule == "cosine" ? "-cosine" : "")}{(options.Averages.Count > 0 ? "-avg" : "")}{(options.Quick ? "-quick" : "")}";
        var stem = Path.Combine(outDirectory, name);
        var fit = new FitOptions { Epochs = options.Epochs, BatchSize = options.BatchSize * options.K, LastBatch = LastBatch.Drop };
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"training: {options.Epochs} epochs, {options.K} discriminator update(s) of {options.BatchSize} real digits per generator update, {objectives.Criterion} generator criterion, Adam {options.LearningRate}{(rateD != options.LearningRate ? $" (D: {rateD})" : "")} ({options.Schedule}, β₁ {options.Beta1}) each{(options.Averages.Count > 0 ? $", samples from G's parameter average (β {string.Join(", ", options.Averages)})" : "")}, on {backend.Name} {backend.DType.Name()}, {options.Threads} thread(s)"));
        using var data = new Dataset(trainOn.Inputs);
        var watcher = new GanWatcher(pair, judge, testVerdict, stem, options.Every, options.Epochs, judgedTest.Count, options.SampleBatchStatistics, options.Averages);
        var trainer = objectives.Trainer();
        MultiPartState final;
        History history;
        using (var display = new ProgressDisplay($"GAN {pair.Name} on {backend.Name} {backend.DType.Name()}", options.PlainEverySteps))
        {
            (final, history) = trainer.Fit(state, data, fit, callbacks: [display, watcher]);
        }

        if (watcher.Rows.Count == 0 || watcher.Rows[^1].Step != final.Step)
        {
            // Resumed after the last epoch (or none ran): measure what there is.
            watcher.Measure(history.Epochs.Count == 0 ? 0 : history.Epochs[^1].Epoch, final);
        }

        if (options.Quick && watcher.Rows.Count > 1)
        {
            // Exact resume, shown on the quick run: from the first checkpoint to the end again, both parts bit for bit.
            var first = watcher.Rows[0];
            var (again, _) = trainer.Fit(Checkpoint.Load(first.Checkpoint, backend, like: fresh), data, fit);
            var difference = FirstDifference(final, again);
            Console.WriteLine(difference is null
                ? $"resume: from the epoch-{first.Epoch} checkpoint (step {first.Step}) to step {again.Step} again: both parts' parameters, layer and optimizer states bit-identical"
                : $"resume: FAILED, {difference}");
            if (difference is not null)
            {
                return 1;
            }
        }

        var smoothing = Math.Max(1, watcher.StepLosses.Values.First().Count / 100);
        Curves.WriteSeriesPng(
            stem + "-losses.png",
            watcher.StepLosses.Select(p => (p.Key, RunningMean(p.Value, smoothing))).ToArray(),
            $"GAN {pair.Name}: both parts' losses (running mean of {smoothing} steps)",
            "step (since this run started)",
            "loss");
        history.WriteCsv(stem + ".csv");
        Console.WriteLine($"pictures: {Path.GetFullPath(stem)}-samples-epoch*.png, -losses.png; history {name}.csv; checkpoints {name}-epoch*.safetensors");

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"epoch",5} {"step",6} {"time s",7} {"classes",7} {"largest",8} {"smallest",9} {"mean top p",10} {"Fréchet",8} (floor {floor:F2})"));
        foreach (var r in watcher.Rows)
        {
            var v = r.Verdict;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Epoch,5} {r.Step,6} {r.Seconds,7:F0} {v.ClassesPresent,7} {100 * v.LargestShare,7:F1}% {100 * v.SmallestShare,8:F1}% {v.MeanTopProbability,10:F4} {r.Frechet,8:F2}"));
        }

        var training = history.Epochs.Count == 0 ? 0 : history.Epochs[^1].Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall time: {clock.Elapsed.TotalSeconds:F1} s (GAN training with its checkpoints {training:F1} s){LoadAverage()}"));
        Console.WriteLine($"judge: {watcher.Rows[^1].Verdict.Summary()}");
        return 0;
    }

    /// <summary>The first leaf where two states differ in a bit (parameters, layer state, optimizer state, part by part), or null.</summary>
    private static string? FirstDifference(MultiPartState a, MultiPartState b)
    {
        foreach (var part in a.Parts)
        {
            var other = b[part.Name];
            foreach (var (what, x, y) in new[] { ("parameters", part.Parameters, other.Parameters), ("layer state", part.LayerState, other.LayerState), ("optimizer state", part.OptimizerState, other.OptimizerState) })
            {
                if (!x.Names.SequenceEqual(y.Names))
                {
                    return $"{part.Name} {what}: leaves [{string.Join(", ", y.Names)}], expected [{string.Join(", ", x.Names)}]";
                }

                foreach (var (name, t) in x)
                {
                    if (!t.ToArray().Select(BitConverter.DoubleToInt64Bits).SequenceEqual(y[name].ToArray().Select(BitConverter.DoubleToInt64Bits)))
                    {
                        return $"{part.Name} {what}: leaf '{name}' differs";
                    }
                }
            }
        }

        return a.Step == b.Step ? null : $"step {b.Step}, expected {a.Step}";
    }

    private static string Describe(Layer layer) => layer is Sequential s ? string.Join(" → ", s.Layers.Select(l => l.Describe())) : layer.Describe();

    /// <summary>The mean of each value and the <paramref name="window"/> − 1 before it (fewer at the start).</summary>
    private static double[] RunningMean(List<double> values, int window)
    {
        var result = new double[values.Count];
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }

    /// <summary>The 1, 5 and 15 minute load averages, where the system tells them.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";
}
