using System.Text;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// Issue 11, point 8: a checkpoint holds what a resume needs beyond the tensors (<see cref="FitProgress"/>). A run
/// resumed from any step, mid-epoch included, returns the uninterrupted run's history (every epoch's mean loss over
/// all its batches, accuracy, scalars) and state; a resume under another batch size, last-batch rule or training set
/// is refused, saying what differs; a record that does not match its step, or a damaged one, is refused too.
/// </summary>
public sealed class ResumeHistoryTests
{
    // 40 samples in batches of 16: 3 batches an epoch (16, 16, 8), so saves fall on both sides of every epoch boundary.
    private const int Samples = 40;
    private const int BatchSize = 16;
    private const int Epochs = 3;

    /// <summary>Resumed from the checkpoint of every step, the run ends where the uninterrupted one did, with its history.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void A_run_resumed_from_any_step_has_the_uninterrupted_history(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var (trainer, initial, data, validation) = Setup(backend, Samples);
        var options = new FitOptions { Epochs = Epochs, BatchSize = BatchSize };
        var saver = new CheckpointEverySteps(1, dir.File("step-{step}.safetensors"));
        var (uninterrupted, history) = trainer.Fit(initial, data, options, validation, saver);
        Assert.Equal(Epochs * 3, uninterrupted.Step);
        Assert.Equal(Epochs, history.Epochs.Count);

        for (var step = 1; step < Epochs * 3; step++)
        {
            var loaded = Checkpoint.Load(saver.PathFor(step), backend);
            Assert.NotNull(loaded.Progress);
            var (resumed, rest) = trainer.Fit(loaded, data, options, validation);
            Bits.Identical($"{combination}: resumed from step {step}", uninterrupted, resumed);
            SameHistory($"{combination}: resumed from step {step}", history, rest);
        }
    }

    /// <summary>A multi-part run (the toy GAN) resumed mid-epoch continues its per-part scalars' means too.</summary>
    [Fact]
    public void A_multi_part_run_resumed_mid_epoch_keeps_its_scalar_means()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        using var dir = new ScratchDirectory();
        using var data = Functional.Nets.Tests.Training.ToyGan.Data(backend, Samples);
        var trainer = Functional.Nets.Tests.Training.ToyGan.Trainer();
        var start = Functional.Nets.Tests.Training.ToyGan.Create(backend, 4);
        var options = new FitOptions { Epochs = 2, BatchSize = BatchSize };
        var saver = new CheckpointEverySteps(2, dir.File("step-{step}.safetensors"));
        var (_, history) = trainer.Fit(start, data, options, callbacks: saver);
        Assert.NotEmpty(history.Epochs[0].TrainScalars);

        var (_, rest) = trainer.Fit(Checkpoint.Load(saver.PathFor(4), backend, like: start), data, options);
        SameHistory("toy GAN resumed from step 4 (mid-epoch 2)", history, rest);
    }

    /// <summary>Another batch size, last-batch rule or training set: refused before any step, naming each difference.</summary>
    [Fact]
    public void A_resume_under_other_settings_is_refused_saying_what_differs()
    {
        using var dir = new ScratchDirectory();
        var (backend, trainer, data, options, path) = SavedAtStep4(dir);
        var loaded = Checkpoint.Load(path, backend);

        var batch = Assert.Throws<ArgumentException>(() => trainer.Fit(loaded, data, options with { BatchSize = 8 }));
        Assert.Contains("step 4", batch.Message, StringComparison.Ordinal);
        Assert.Contains("batch size 16 then, 8 now", batch.Message, StringComparison.Ordinal);

        var last = Assert.Throws<ArgumentException>(() => trainer.Fit(loaded, data, options with { LastBatch = LastBatch.Drop }));
        Assert.Contains("LastBatch.Keep then, LastBatch.Drop now", last.Message, StringComparison.Ordinal);

        var (_, _, smaller, _) = Setup(backend, 32);
        var set = Assert.Throws<ArgumentException>(() => trainer.Fit(loaded, smaller, options));
        Assert.Contains("40 training samples then, 32 now", set.Message, StringComparison.Ordinal);

        // Without its record the state resumes by its step count alone, as a checkpoint saved outside Fit does.
        var (byStep, _) = trainer.Fit(loaded with { Progress = null }, data, options);
        Assert.Equal(Epochs * 3, byStep.Step);
    }

    /// <summary>A record taken at another step than the state's is refused rather than continued.</summary>
    [Fact]
    public void A_record_of_another_step_is_refused()
    {
        using var dir = new ScratchDirectory();
        var (backend, trainer, data, options, path) = SavedAtStep4(dir);
        var loaded = Checkpoint.Load(path, backend);

        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(loaded with { Step = 5 }, data, options));
        Assert.Contains("step 5 means 1 completed epochs and 2 batches", e.Message, StringComparison.Ordinal);
        Assert.Contains("1 completed epochs and 1 batches of the next", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A damaged record is the file's error, naming the file, the metadata key and the field.</summary>
    [Fact]
    public void A_damaged_record_names_the_file_and_the_field()
    {
        using var dir = new ScratchDirectory();
        var (backend, _, _, _, path) = SavedAtStep4(dir);

        // The same number of bytes, so the header's length prefix still holds: batch size 16 becomes -1.
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.Latin1.GetString(bytes);
        const string Field = "\\\"batch_size\\\":16";
        Assert.Contains(Field, text, StringComparison.Ordinal);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text.Replace(Field, "\\\"batch_size\\\":-1", StringComparison.Ordinal)));

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, backend));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"metadata '{Checkpoint.FitKey}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'batch_size' is -1", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The record's JSON round-trips exactly, NaN and infinite means included.</summary>
    [Fact]
    public void The_record_round_trips_exactly()
    {
        var epochs = new[]
        {
            new EpochMetrics(1, 3, 0.1 + 0.2, 1.0 / 3, double.NaN, null, 1234.5678, TimeSpan.FromTicks(98_765_432_101))
            {
                TrainScalars = [new Metric("generator.loss", double.PositiveInfinity), new Metric("discriminator.loss", Math.PI)],
            },
        };
        var current = new EpochProgress(2, 1, 16 * 0.7000000000000001, 16, null, 0.25, [new ScalarSum("generator.loss", -1e-300, 16)]);
        var p = new FitProgress(16, LastBatch.Keep, 40, 3, epochs, current, TimeSpan.FromTicks(123_456_789));

        var back = FitProgress.FromJson(p.ToJson());

        Assert.Equal(p.ToJson(), back.ToJson());
        Assert.Equal(BitConverter.DoubleToInt64Bits(epochs[0].TrainLoss), BitConverter.DoubleToInt64Bits(back.Epochs[0].TrainLoss));
        Assert.True(double.IsNaN(back.Epochs[0].ValidationLoss!.Value));
        Assert.Null(back.Epochs[0].ValidationAccuracy);
        Assert.Equal(double.PositiveInfinity, back.Epochs[0].TrainScalars[0].Value);
        Assert.Equal(current, back.Current! with { Scalars = current.Scalars });
        Assert.Equal(current.Scalars, back.Current!.Scalars);
        Assert.Equal(p.Elapsed, back.Elapsed);
    }

    /// <summary>Every epoch's figures bit-identical, except the wall-clock ones (throughput and elapsed time).</summary>
    private static void SameHistory(string what, History expected, History actual)
    {
        Assert.Equal(expected.Epochs.Count, actual.Epochs.Count);
        for (var i = 0; i < expected.Epochs.Count; i++)
        {
            var (e, a) = (expected.Epochs[i], actual.Epochs[i]);
            var where = $"{what}, epoch {e.Epoch}";
            Assert.True(e.Epoch == a.Epoch && e.Step == a.Step, $"{where}: epoch/step {a.Epoch}/{a.Step}, expected {e.Epoch}/{e.Step}");
            Assert.True(Same(e.TrainLoss, a.TrainLoss), $"{where}: train loss {a.TrainLoss:R}, expected {e.TrainLoss:R}");
            Assert.True(Same(e.TrainAccuracy, a.TrainAccuracy), $"{where}: train accuracy {a.TrainAccuracy:R}, expected {e.TrainAccuracy:R}");
            Assert.True(Same(e.ValidationLoss, a.ValidationLoss), $"{where}: validation loss {a.ValidationLoss:R}, expected {e.ValidationLoss:R}");
            Assert.Equal(e.TrainScalars.Select(m => m.Name), a.TrainScalars.Select(m => m.Name));
            Assert.True(
                e.TrainScalars.Zip(a.TrainScalars).All(p => Same(p.First.Value, p.Second.Value)),
                $"{where}: scalars {string.Join(", ", a.TrainScalars)}, expected {string.Join(", ", e.TrainScalars)}");
        }
    }

    private static bool Same(double? x, double? y) =>
        x is null ? y is null : y is not null && BitConverter.DoubleToInt64Bits(x.Value) == BitConverter.DoubleToInt64Bits(y.Value);

    /// <summary>A Reference run of <see cref="Epochs"/> epochs saved every 4 steps; the file of step 4 (epoch 2, after 1 batch).</summary>
    private static (Backend Backend, Trainer Trainer, Dataset Data, FitOptions Options, string Path) SavedAtStep4(ScratchDirectory dir)
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var (trainer, initial, data, _) = Setup(backend, Samples);
        var options = new FitOptions { Epochs = Epochs, BatchSize = BatchSize };
        var saver = new CheckpointEverySteps(4, dir.File("step-{step}.safetensors"));
        trainer.Fit(initial, data, options, null, saver);
        return (backend, trainer, data, options, saver.PathFor(4));
    }

    private static (Trainer Trainer, TrainState Initial, Dataset Data, Dataset Validation) Setup(Backend backend, int samples)
    {
        var key = Key.FromSeed(11);
        var x = backend.FromArray(key.Fold(0).Normal(samples * 4), samples, 4);
        var labels = Enumerable.Range(0, samples).Select(i => (int)(key.Fold(1).Bits(i) % 3)).ToArray();
        var targets = backend.FromArray([.. labels.SelectMany(c => Enumerable.Range(0, 3).Select(k => k == c ? 1.0 : 0.0))], samples, 3);
        var trainer = new Trainer(
            new Sequential(new Dense(4, 8), new Tanh(), new Dense(8, 3)),
            (logits, y) => Losses.SoftmaxCrossEntropy(logits, y),
            Optim.Adam(0.01));
        var validation = new Dataset(x, targets, labels);
        return (trainer, trainer.Init(key.Fold(2), backend), new Dataset(x, targets, labels), validation);
    }
}
