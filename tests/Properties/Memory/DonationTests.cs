using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Memory;

/// <summary>
/// <see cref="Trainer.Step"/> with <c>donate: true</c> (what <see cref="Trainer.Fit"/> does with the states it made)
/// gives exactly the values of pure steps, on every backend and for optimizers with and without an in-place path, and on
/// Torch it really writes into the donated buffers instead of allocating new ones.
/// </summary>
public sealed class DonationTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var combination in BackendCombinations.All)
        {
            foreach (var optimizer in new[] { "adam", "adam with l2", "adamw", "adamw amsgrad", "nadam", "sgd", "sgd momentum", "frozen", "clipped rmsprop" })
            {
                data.Add(combination, optimizer);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Donated_steps_give_exactly_the_pure_values(string combination, string optimizer)
    {
        var backend = BackendCombinations.Resolve(combination);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Build(optimizer));
        using var data = Data(backend);
        var initial = trainer.Init(Key.FromSeed(1), backend);
        var pure = Run(trainer, initial, data, donate: false);
        var donated = Run(trainer, initial, data, donate: true);
        foreach (var (tree, name) in new[] { (pure.Parameters, "parameters"), (pure.OptimizerState, "optimizer state") })
        {
            var other = name == "parameters" ? donated.Parameters : donated.OptimizerState;
            Assert.Equal(tree.Names, other.Names);
            foreach (var (leaf, value) in tree)
            {
                Assert.True(value.ToArray().SequenceEqual(other[leaf].ToArray()), $"{optimizer} on {combination}: {name} leaf '{leaf}' differs");
            }
        }

        pure.ReleaseUnshared(initial);
        donated.ReleaseUnshared(initial);
    }

    [Fact]
    public void A_donated_step_writes_into_the_donated_buffers()
    {
        var backend = TorchBackend.CpuFloat32;
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2));
        using var data = Data(backend);
        var initial = trainer.Init(Key.FromSeed(2), backend);
        using var batch = data.Batches(16, null).First();
        var (first, _) = trainer.Step(initial, batch);
        var before = Address(first.Parameters[0].Value);
        var (second, _) = trainer.Step(first, batch, donate: true);
        Assert.Equal(before, Address(second.Parameters[0].Value));
        var (third, _) = trainer.Step(second, batch);
        Assert.NotEqual(Address(second.Parameters[0].Value), Address(third.Parameters[0].Value));
        first.ReleaseUnshared(second);
        second.ReleaseUnshared(third);
        third.ReleaseUnshared(initial);
    }

    // The address of the first byte, as a number (no unsafe code: the distance from address 0).
    private static nint Address(Tensor t) =>
        System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.CompilerServices.Unsafe.NullRef<byte>(),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(TorchBackend.ToTorch(t).bytes));

    private static TrainState Run(Trainer trainer, TrainState initial, Dataset data, bool donate)
    {
        var state = initial;
        for (var epoch = 0; epoch < 3; epoch++)
        {
            foreach (var batch in data.Batches(16, Key.FromSeed(3).Fold((ulong)epoch)))
            {
                using (batch)
                {
                    var (next, _) = trainer.Step(state, batch, donate: donate && !ReferenceEquals(state, initial));
                    if (!ReferenceEquals(state, initial))
                    {
                        state.ReleaseUnshared(next);
                    }

                    state = next;
                }
            }
        }

        return state;
    }

    private static Optimizer Build(string name) => name switch
    {
        "adam" => Optim.Adam(1e-2),
        "adam with l2" => Optim.Adam(1e-2, weightDecay: 1e-3),
        "adamw" => Optim.AdamW(1e-2),
        "adamw amsgrad" => Optim.AdamW(1e-2, amsgrad: true),
        "nadam" => Optim.NAdam(1e-2, weightDecay: 1e-3),
        "sgd" => Optim.Sgd(0.1),
        "sgd momentum" => Optim.Sgd(0.1, momentum: 0.9),
        "frozen" => Optim.Freeze(Optim.Adam(1e-2), "0"),
        _ => Optim.Chain(Optim.ClipByGlobalNorm(0.5), Optim.RmsProp(1e-2, centered: true)),
    };

    private static Sequential Model() => new(new Dense(5, 8), new Tanh(), new Dense(8, 3));

    private static Dataset Data(Backend backend)
    {
        const int n = 48;
        var labels = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        var x = backend.FromArray(Key.FromSeed(9).Normal(n * 5), n, 5);
        var t = backend.FromArray(labels.SelectMany(l => Enumerable.Range(0, 3).Select(c => c == l ? 1.0 : 0.0)).ToArray(), n, 3);
        return new Dataset(x, t, labels);
    }
}
