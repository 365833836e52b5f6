using Functional.Nets.Torch;

namespace Functional.Nets.Bench;

/// <summary>One soak's resident-memory samples and its growth after warm-up.</summary>
/// <param name="Loop">What ran: "fit", "value_and_grad", "fit_with_checkpoints" or "fit_recurrent".</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Samples">Resident and managed memory every <see cref="BenchSettings.SampleEvery"/> steps from step 0.</param>
/// <param name="GrowthPercent">(last − sample at step <see cref="BenchSettings.WarmupSteps"/>) / that sample × 100.</param>
/// <param name="Seconds">Wall time of the soak.</param>
public sealed record SoakResult(string Loop, long Steps, IReadOnlyList<Sample> Samples, double GrowthPercent, double Seconds);

/// <summary>
/// One memory sample: the resident size (what the bar is about) and, beside it, the .NET heap's committed size, which
/// is part of it: garbage waiting for a collection (checkpoint buffers, say) moves RSS by a few MiB either way without
/// anything leaking. No collection is forced before sampling, since that would also finalize, and so hide, leaked tensors.
/// </summary>
/// <param name="Step">The step count.</param>
/// <param name="Megabytes">Resident MiB (VmRSS).</param>
/// <param name="ManagedMegabytes">MiB committed by the .NET garbage collector.</param>
public sealed record Sample(long Step, double Megabytes, double ManagedMegabytes)
{
    /// <summary>A sample taken now.</summary>
    public static Sample Now(long step) => new(step, ResidentMemory.Megabytes(), GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0);
}

/// <summary>
/// (e) The memory soak: the MNIST MLP (784-256-256-10, Adam, batches of 128, float32 on Torch) trained for many steps
/// through the public <see cref="Trainer.Fit"/>, resident memory sampled every 500 steps; the same steps through
/// <see cref="Grad.ValueAndGrad"/> alone (a scoped loop with no optimizer); and <see cref="Trainer.Fit"/> again saving a
/// checkpoint every 1,000 steps; and <see cref="Trainer.Fit"/> of a recurrent stack (<see cref="Lstm"/>, <see cref="Gru"/>,
/// <see cref="Rnn"/>), whose fused paths call TorchScript functions of libtorch's sequence kernels. Growth is measured
/// from the sample at step 1,000 (after warm-up) to the last.
/// </summary>
public static class MemorySoak
{
    /// <summary>Runs the four soaks.</summary>
    public static IReadOnlyList<SoakResult> Run(Dataset train, BenchSettings settings, string checkpointPath) =>
    [
        Fit(train, settings, null),
        ValueAndGrad(train, settings),
        Fit(train, settings, checkpointPath),
        Recurrent(train.Backend, settings),
    ];

    // The recurrent soak: Lstm(8 → 32, 2 layers) → Gru(32 → 32) → Rnn(32 → 8) over sequences of 20 steps, batches of 32,
    // mean squared error against fixed random targets, Adam; each layer runs its whole stack in one fused call on Torch.
    private const int SequenceSteps = 20, SequenceFeatures = 8, SequenceHidden = 32, Sequences = 512, SequenceBatch = 32;

    private static SoakResult Recurrent(Backend backend, BenchSettings settings)
    {
        var model = new Sequential(
            new Lstm(SequenceFeatures, SequenceHidden, layers: 2),
            new Gru(SequenceHidden, SequenceHidden),
            new Rnn(SequenceHidden, SequenceFeatures));
        var keys = Key.FromSeed(34).Split(3);
        var x = backend.FromArray(keys[0].Normal(Sequences * SequenceSteps * SequenceFeatures), new Shape(Sequences, SequenceSteps, SequenceFeatures));
        var y = backend.FromArray(keys[1].Uniform(Sequences * SequenceSteps * SequenceFeatures, -0.5, 0.5), new Shape(Sequences, SequenceSteps, SequenceFeatures));
        using var data = new Dataset(x, y);
        return FitSoak("fit_recurrent", new Trainer(model, Losses.MeanSquaredError, Optim.Adam(1e-3)), keys[2], data, SequenceBatch, settings, null);
    }

    private static SoakResult Fit(Dataset train, BenchSettings settings, string? checkpointPath) =>
        FitSoak(
            checkpointPath is null ? "fit" : "fit_with_checkpoints",
            new Trainer(MlpStepBench.Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(MlpStepBench.LearningRate)),
            Key.FromSeed(31), train, MlpStepBench.BatchSize, settings, checkpointPath);

    /// <summary><see cref="Trainer.Fit"/> for the soak's steps from the trainer's initial state, sampled (and checkpointed when given a path), every state released.</summary>
    private static SoakResult FitSoak(string loop, Trainer trainer, Key key, Dataset data, int batchSize, BenchSettings settings, string? checkpointPath)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var initial = trainer.Init(key, data.Backend);
        var batchesPerEpoch = (data.Count + batchSize - 1) / batchSize;
        var options = new FitOptions { Epochs = (settings.SoakSteps + batchesPerEpoch - 1) / batchesPerEpoch, BatchSize = batchSize };
        var sampler = new Sampler(settings.SoakSteps, checkpointPath);
        var (final, _) = trainer.Fit(initial, data, options, null, sampler);
        var steps = final.Step;
        final.ReleaseUnshared(initial);
        initial.Parameters.Dispose();
        initial.OptimizerState.Dispose();
        return Result(loop, steps, sampler.Samples, clock.Elapsed.TotalSeconds);
    }

    private static SoakResult ValueAndGrad(Dataset train, BenchSettings settings)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var model = MlpStepBench.Model();
        var backend = train.Backend;
        using var parameters = model.Init(Key.FromSeed(32), backend);
        var samples = new List<Sample> { Sample.Now(0) };
        long step = 0;
        for (var epoch = 0; step < settings.SoakSteps; epoch++)
        {
            foreach (var batch in train.Batches(MlpStepBench.BatchSize, Key.FromSeed(33).Fold((ulong)epoch)))
            {
                using (batch)
                using (backend.Scope())
                {
                    var (loss, gradients) = Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, batch.Inputs), batch.Targets), parameters);
                    _ = loss.Item();
                }

                step++;
                if (step % BenchSettings.SampleEvery == 0)
                {
                    samples.Add(Sample.Now(step));
                }

                if (step >= settings.SoakSteps)
                {
                    break;
                }
            }
        }

        return Result("value_and_grad", step, samples, clock.Elapsed.TotalSeconds);
    }

    private static SoakResult Result(string loop, long steps, List<Sample> samples, double seconds)
    {
        var baseline = samples.FirstOrDefault(s => s.Step == BenchSettings.WarmupSteps, samples[0]).Megabytes;
        var growth = (samples[^1].Megabytes - baseline) / baseline * 100;
        return new SoakResult(loop, steps, samples, growth, seconds);
    }

    /// <summary>Samples resident memory every 500 steps and saves a checkpoint every 1,000 when given a path.</summary>
    private sealed class Sampler(int steps, string? checkpointPath) : TrainingCallback
    {
        public List<Sample> Samples { get; } = [Sample.Now(0)];

        public override void OnStep(int epoch, int batch, TrainState state, StepMetrics metrics)
        {
            if (state.Step > steps)
            {
                return;
            }

            if (checkpointPath is not null && state.Step % BenchSettings.CheckpointEvery == 0)
            {
                Checkpoint.Save(checkpointPath, state);
            }

            if (state.Step % BenchSettings.SampleEvery == 0)
            {
                Samples.Add(Sample.Now(state.Step));
            }
        }
    }
}
