using System.Diagnostics;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests;

/// <summary>Tests that force garbage collections run alone: a full blocking GC pauses every test in the process.</summary>
[CollectionDefinition(nameof(GarbageCollectionStress), DisableParallelization = true)]
public sealed class GarbageCollectionStress;

/// <summary>
/// Torch arithmetic stays correct while the garbage collector runs finalizers. TorchSharp's
/// Tensor.add(Tensor) and add(Scalar) pass a temporary Scalar α = 1 whose handle is read before the
/// native call; if nothing keeps that Scalar alive, its finalizer can free it during the call and
/// libtorch then reads a freed Scalar ("Expected false to be true ... toDouble"; seen in the gradient
/// property after ~2,600 cases, reproduced here within a second before the backend passed α itself).
/// </summary>
[Collection(nameof(GarbageCollectionStress))]
public sealed class TorchScalarLifetimeTests
{
    [Fact]
    public async Task Add_and_sub_survive_concurrent_finalization()
    {
        var backend = TorchBackend.CpuFloat64;
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });

        try
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, 2, _ =>
            {
                using var a = backend.FromArray([1.5], Shape.Scalar);
                using var b = backend.FromArray([0.25], Shape.Scalar);
                for (var i = 0; i < 100_000 && clock.Elapsed < TimeSpan.FromSeconds(4); i++)
                {
                    using var s = a + b;
                    using var d = a - b;
                    using var t = a + 2.0;
                    using var u = a * 3.0 + 1.0;
                    if (i % 1000 == 0)
                    {
                        Assert.Equal(1.75, s.Item());
                        Assert.Equal(1.25, d.Item());
                        Assert.Equal(3.5, t.Item());
                        Assert.Equal(5.5, u.Item());
                    }
                }
            });
        }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }
    }
}
