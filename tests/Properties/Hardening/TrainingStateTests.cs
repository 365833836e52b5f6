using Functional.Nets.Reference;
using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, points 3 (rest) and 8: <see cref="Trainer.Fit"/>'s batch and epoch counts are checked 64-bit, so a batch size
/// of int.MaxValue is one batch and an absurd step count is "past the last epoch", never a wrapped one; stale temporary
/// files of interrupted saves are removed by the next save of the same file, conservatively.
/// </summary>
public sealed class TrainingStateTests
{
    private static (Trainer Trainer, TrainState Start, Dataset Data) Small(int samples)
    {
        var backend = ReferenceBackend.Instance;
        var model = new Dense(3, 2);
        var key = Key.FromSeed(5);
        var x = backend.FromArray(key.Fold(0).Normal(samples * 3), new Shape(samples, 3));
        var y = backend.FromArray(key.Fold(1).Normal(samples * 2), new Shape(samples, 2));
        var optimizer = Optim.Sgd(0.1);
        return (new Trainer(model, Losses.MeanSquaredError, optimizer), TrainState.Create(model, optimizer, Key.FromSeed(6), backend), new Dataset(x, y));
    }

    [Fact]
    public void Batch_size_int_MaxValue_is_one_batch_of_the_whole_dataset()
    {
        var (trainer, start, data) = Small(10);
        var batches = data.Batches(int.MaxValue, Key.FromSeed(1)).ToList();
        Assert.Single(batches);
        Assert.Equal(10, batches[0].Count);
        batches.ForEach(b => b.Dispose());

        var (state, history) = trainer.Fit(start, data, new FitOptions { Epochs = 3, BatchSize = int.MaxValue });
        Assert.Equal(3, state.Step);
        Assert.Equal(new[] { 1, 2, 3 }, history.Epochs.Select(e => e.Epoch));

        // The same run with the batch size equal to N takes the same steps, bit for bit.
        var (same, _) = trainer.Fit(start, data, new FitOptions { Epochs = 3, BatchSize = 10 });
        Bits.Identical("batch int.MaxValue against batch N", same, state);
    }

    [Fact]
    public void Batch_size_int_MaxValue_with_LastBatch_Drop_is_refused_with_a_true_message()
    {
        var (trainer, start, data) = Small(10);
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(start, data, new FitOptions { Epochs = 1, BatchSize = int.MaxValue, LastBatch = LastBatch.Drop }));
        Assert.Equal("Fit: 10 training samples make no batch of 2147483647 with LastBatch.Drop", e.Message);
        Assert.Empty(data.Batches(int.MaxValue, null, LastBatch.Drop));
    }

    [Theory]
    [InlineData(1L << 32)]
    [InlineData((1L << 32) + 1)]
    [InlineData(Checkpoint.MaxStep)]
    public void A_step_count_beyond_int_epochs_is_past_the_last_epoch_not_a_wrapped_one(long step)
    {
        // One batch per epoch: the epoch number is the step count, beyond int; cast to int it would wrap to 0, 1 or -1.
        var (trainer, start, data) = Small(4);
        var late = start with { Step = step };
        var (state, history) = trainer.Fit(late, data, new FitOptions { Epochs = 5, BatchSize = 4 });
        Assert.Same(late, state);
        Assert.Empty(history.Epochs);
    }

    [Fact]
    public void The_batch_count_is_checked_64_bit()
    {
        Assert.Equal(1, MultiPartTrainer.BatchesPerEpoch(10, int.MaxValue, LastBatch.Keep));
        Assert.Equal(1, MultiPartTrainer.BatchesPerEpoch(int.MaxValue, int.MaxValue, LastBatch.Keep));
        Assert.Equal(2, MultiPartTrainer.BatchesPerEpoch(int.MaxValue, int.MaxValue - 1, LastBatch.Keep));
        Assert.Equal(int.MaxValue, MultiPartTrainer.BatchesPerEpoch(int.MaxValue, 1, LastBatch.Keep));
        Assert.Equal(0, MultiPartTrainer.BatchesPerEpoch(10, int.MaxValue, LastBatch.Drop));
    }

    /// <summary>
    /// A stale temporary file of this target (old, not held) is removed by the next save; a fresh one, one held open by a
    /// writer, another target's and a look-alike name are all left alone.
    /// </summary>
    [Fact]
    public void A_save_removes_its_own_stale_temporary_files_and_nothing_else()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("run.safetensors");
        const string Hex = "0123456789abcdef0123456789abcdef";
        var old = DateTime.UtcNow - TimeSpan.FromHours(1);
        string Make(string name, bool stale)
        {
            var file = dir.File(name);
            File.WriteAllBytes(file, [1, 2, 3]);
            if (stale)
            {
                File.SetLastWriteTimeUtc(file, old);
            }

            return name;
        }

        var staleOwn = Make($".run.safetensors.{Hex}.tmp", stale: true);
        var staleOwn2 = Make($".run.safetensors.{Hex.Replace('0', 'f')}.tmp", stale: true);
        var freshOwn = Make($".run.safetensors.{Hex.Replace('1', 'e')}.tmp", stale: false);
        var heldOwn = Make($".run.safetensors.{Hex.Replace('2', 'd')}.tmp", stale: true);
        var otherTarget = Make($".other.safetensors.{Hex}.tmp", stale: true);
        var lookAlike = Make($".run.safetensors.{Hex}x.tmp", stale: true);
        var notHex = Make($".run.safetensors.{Hex.Replace('a', 'g')}.tmp", stale: true);
        var state = TrainState.Create(new Dense(3, 2), Optim.Adam(), Key.FromSeed(1), ReferenceBackend.Instance);
        using (new FileStream(dir.File(heldOwn), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Checkpoint.Save(path, state);
        }

        Assert.Equal(
            new[] { freshOwn, heldOwn, lookAlike, notHex, otherTarget, "run.safetensors" }.Order(StringComparer.Ordinal),
            dir.Files());
        Assert.DoesNotContain(staleOwn, dir.Files());
        Assert.DoesNotContain(staleOwn2, dir.Files());
        Bits.Identical("the checkpoint saved beside stale temporaries", state, Checkpoint.Load(path, ReferenceBackend.Instance));

        // Once the writer has let go, an explicit sweep with a later cut-off removes the held file and the fresh one too.
        var removed = AtomicFile.RemoveStaleTemporaries(path, DateTime.UtcNow + TimeSpan.FromMinutes(1));
        Assert.Equal(new[] { freshOwn, heldOwn }.Order(StringComparer.Ordinal), removed.Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { lookAlike, notHex, otherTarget, "run.safetensors" }.Order(StringComparer.Ordinal), dir.Files());
    }
}
