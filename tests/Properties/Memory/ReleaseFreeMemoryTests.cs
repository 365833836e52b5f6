using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Memory;

/// <summary>
/// <see cref="Backend.ReleaseFreeMemory"/> is safe to call at any time on every backend (a no-op on the Reference backend,
/// glibc's <c>malloc_trim(0)</c> for Torch on Linux), also every step of <see cref="Trainer.Fit"/>
/// (<see cref="FitOptions.ReleaseMemoryEvery"/>, which must not be negative).
/// </summary>
public sealed class ReleaseFreeMemoryTests
{
    [Fact]
    public void Releasing_free_memory_is_harmless_on_every_backend()
    {
        ReferenceBackend.Instance.ReleaseFreeMemory();
        using var t = TorchBackend.CpuFloat32.FromArray([1.0, 2.0], 2);
        TorchBackend.CpuFloat32.ReleaseFreeMemory();
        Assert.Equal([1.0, 2.0], t.ToArray());
    }

    [Fact]
    public void Fit_accepts_a_schedule_and_refuses_a_negative_one()
    {
        var backend = TorchBackend.CpuFloat32;
        var model = new Dense(2, 1);
        using var data = new Dataset(backend.FromArray(new double[20], 10, 2), backend.FromArray(new double[10], 10, 1));
        var trainer = new Trainer(model, Losses.MeanSquaredError, Optim.Sgd(0.1));
        var initial = trainer.Init(Key.FromSeed(1), backend);
        var (final, history) = trainer.Fit(initial, data, new FitOptions { Epochs = 3, BatchSize = 2, ReleaseMemoryEvery = 1 });
        Assert.Equal(15, final.Step);
        Assert.Equal(3, history.Epochs.Count);
        final.ReleaseUnshared(initial);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FitOptions { ReleaseMemoryEvery = -1 }.Validate());
    }
}
