using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// A two-part adversarial run (<see cref="ToyGan"/>: generator and discriminator, alternating updates, each with its own
/// Adam state) checkpointed mid-run and resumed continues bit for bit: every leaf of every part's parameters, layer
/// state and optimizer state, the step and the key after N steps, save, load, M more steps equal those after N + M
/// uninterrupted steps. On every backend combination (float32 checkpoints are F32, exact for float32 values).
/// </summary>
public sealed class AdversarialResumeTests
{
    /// <summary>Every combination with (N, M) in {(1, 1), (6, 9)}.</summary>
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string name in BackendCombinations.All)
        {
            data.Add(name, 1, 1);
            data.Add(name, 6, 9);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_parts_resume_bit_exactly_from_a_step_loop(string combination, int n, int m)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var path = dir.File("gan.safetensors");
        using var data = ToyGan.Data(backend, 64);
        var trainer = ToyGan.Trainer();
        var start = ToyGan.Create(backend, 3);

        var uninterrupted = ToyGan.Run(trainer, start, data.Inputs, n + m);
        var first = ToyGan.Run(trainer, start, data.Inputs, n);
        Checkpoint.Save(path, first);
        var loaded = Checkpoint.Load(path, backend, like: start);
        Identical($"{combination}: the state loaded after {n} steps", first, loaded);
        var resumed = ToyGan.Run(trainer, loaded, data.Inputs, m);

        Identical($"{combination}: {n} + save/load + {m} steps against {n + m} uninterrupted", uninterrupted, resumed);
        Assert.Equal(n + m, resumed.Step);

        // Both parts moved: the comparison is not between untouched parts.
        foreach (var part in new[] { "generator", "discriminator" })
        {
            Assert.NotEqual(start[part].Parameters["0.weight"].ToArray(), resumed[part].Parameters["0.weight"].ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Both_parts_resume_bit_exactly_through_Fit_and_its_checkpoint_callback(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        using var data = ToyGan.Data(backend, 40);
        var trainer = ToyGan.Trainer();
        var start = ToyGan.Create(backend, 4);

        // 40 samples in batches of 16: 3 batches per epoch, the last of 8.
        var options = new FitOptions { Epochs = 4, BatchSize = 16 };
        var saver = new CheckpointEvery(1, dir.File("epoch-{epoch}.safetensors"));
        var (uninterrupted, history) = trainer.Fit(start, data, options, callbacks: saver);
        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal(12, uninterrupted.Step);

        var fromEpoch2 = Checkpoint.Load(saver.PathFor(2), backend, like: start);
        Assert.Equal(6, fromEpoch2.Step);
        var (resumed, rest) = trainer.Fit(fromEpoch2, data, options);
        // The checkpoint carries the run's history: the resumed Fit returns all four epochs, the first two as recorded.
        Assert.Equal([1, 2, 3, 4], rest.Epochs.Select(e => e.Epoch));
        Assert.Equal(history.Epochs.Select(e => e.TrainLoss), rest.Epochs.Select(e => e.TrainLoss));
        Identical($"{combination}: Fit resumed from the epoch-2 checkpoint against an uninterrupted Fit", uninterrupted, resumed);
        Identical($"{combination}: the last checkpoint against the final state", uninterrupted, Checkpoint.Load(saver.PathFor(4), backend, like: start));
    }

    /// <summary>Every tree of every part bit-identical, the same part names in order, the same step and key.</summary>
    internal static void Identical(string what, MultiPartState expected, MultiPartState actual)
    {
        Assert.Equal(expected.Names, actual.Names);
        foreach (var part in expected.Parts)
        {
            var other = actual[part.Name];
            Bits.Identical($"{what}, {part.Name} parameters", part.Parameters, other.Parameters);
            Bits.Identical($"{what}, {part.Name} layer state", part.LayerState, other.LayerState);
            Bits.Identical($"{what}, {part.Name} optimizer state", part.OptimizerState, other.OptimizerState);
            Assert.Same(part.Optimizer, other.Optimizer);
        }

        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Key, actual.Key);
    }
}
