using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// <see cref="CheckpointEvery"/>: a <see cref="Trainer.Fit"/> callback that saves the whole training state
/// every N epochs, from which the run resumes as if never stopped.
/// </summary>
public sealed class CheckpointEveryTests
{
    private const int Samples = 24;
    private const int BatchSize = 6;

    /// <summary>With {epoch} in the path, one file per save, each holding the state at the end of its epoch.</summary>
    [Fact]
    public void Saves_every_n_epochs_one_file_each()
    {
        using var dir = new ScratchDirectory();
        var callback = new CheckpointEvery(2, dir.File("sub/epoch-{epoch}.safetensors"));
        var (trainer, initial, data) = Setup();

        var (state, _) = trainer.Fit(initial, data, new FitOptions { Epochs = 5, BatchSize = BatchSize }, null, callback);

        var saved = Directory.GetFiles(Path.Combine(dir.Path, "sub")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["epoch-2.safetensors", "epoch-4.safetensors"], saved);
        Assert.Equal(dir.File("sub/epoch-4.safetensors"), callback.LastSaved);
        var four = Checkpoint.Load(dir.File("sub/epoch-4.safetensors"), ReferenceBackend.Instance);
        Assert.Equal(4 * (Samples / BatchSize), four.Step);

        // Resuming from epoch 4 and running epoch 5 gives the uninterrupted run's final state, bit for bit.
        var (resumed, _) = trainer.Fit(four, data, new FitOptions { Epochs = 5, BatchSize = BatchSize });
        Bits.Identical("resumed from the epoch-4 checkpoint vs uninterrupted", state, resumed);
    }

    /// <summary>Without {epoch}, each save replaces the last.</summary>
    [Fact]
    public void Without_a_placeholder_each_save_replaces_the_last()
    {
        using var dir = new ScratchDirectory();
        var (trainer, initial, data) = Setup();

        trainer.Fit(initial, data, new FitOptions { Epochs = 3, BatchSize = BatchSize }, null, new CheckpointEvery(1, dir.File("last.safetensors")));

        Assert.Equal(["last.safetensors"], dir.Files());
        Assert.Equal(3 * (Samples / BatchSize), Checkpoint.Load(dir.File("last.safetensors"), ReferenceBackend.Instance).Step);
    }

    /// <summary>Nonsense settings fail at construction, naming the argument.</summary>
    [Fact]
    public void Rejects_invalid_settings()
    {
        Assert.Equal("epochs", Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointEvery(0, "x.safetensors")).ParamName);
        Assert.Equal("path", Assert.ThrowsAny<ArgumentException>(() => new CheckpointEvery(1, " ")).ParamName);
    }

    private static (Trainer Trainer, TrainState Initial, Dataset Data) Setup()
    {
        var backend = ReferenceBackend.Instance;
        var key = Key.FromSeed(5);
        var x = backend.FromArray(key.Fold(0).Normal(Samples * 4), Samples, 4);
        var y = backend.FromArray(key.Fold(1).Normal(Samples * 2), Samples, 2);
        var trainer = new Trainer(new Sequential(new Dense(4, 8), new Tanh(), new Dense(8, 2)), Losses.MeanSquaredError, Optim.Adam(0.01));
        return (trainer, trainer.Init(key.Fold(2), backend), new Dataset(x, y));
    }
}
