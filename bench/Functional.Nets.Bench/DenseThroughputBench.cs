using System.Diagnostics;
using Functional.Nets.Reference;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (c) Dense forward and backward throughput in float64: y = x·Wᵀ + b for x [128, w] and W [w, w], with the
/// gradients of Σy with respect to x, W and b, at widths 64, 256 and 1024. The Reference backend (MathNet's managed
/// products, through <see cref="Grad.ValueAndGrad"/>) against libtorch (raw TorchSharp <c>linear</c> and
/// <c>backward</c>) on the same shapes. Work counted: 6·B·w² flops (the forward product and the two backward ones).
/// </summary>
public static class DenseThroughputBench
{
    /// <summary>The widths measured.</summary>
    public static readonly int[] Widths = [64, 256, 1024];

    /// <summary>Rows of x.</summary>
    public const int Batch = 128;

    /// <summary>GFLOP/s of each backend by width.</summary>
    public static (Dictionary<int, Spread> Reference, Dictionary<int, Spread> Torch) Run(BenchSettings settings)
    {
        var reference = new Dictionary<int, Spread>();
        var libtorch = new Dictionary<int, Spread>();
        foreach (var w in Widths)
        {
            var flops = 6.0 * Batch * w * w;
            var x = Key.FromSeed(w).Normal(Batch * w);
            var weight = Key.FromSeed(w + 1).Normal(w * w);
            var bias = Key.FromSeed(w + 2).Normal(w);

            var backend = ReferenceBackend.Instance;
            var tree = TensorTree.Of(("x", backend.FromArray(x, Batch, w)), ("weight", backend.FromArray(weight, w, w)), ("bias", backend.FromArray(bias, w)));
            reference[w] = Gflops(flops, settings.DenseRepeats, () => Grad.ValueAndGrad(p => p["x"].Linear(p["weight"], p["bias"]).Sum(), tree));

            using var tx = tensor(x, float64).reshape(Batch, w).requires_grad_(true);
            using var tw = tensor(weight, float64).reshape(w, w).requires_grad_(true);
            using var tb = tensor(bias, float64).requires_grad_(true);
            libtorch[w] = Gflops(flops, settings.DenseRepeats, () =>
            {
                using var scope = NewDisposeScope();
                nn.functional.linear(tx, tw, tb).sum().backward();
                tx.grad!.Dispose();
                tw.grad!.Dispose();
                tb.grad!.Dispose();
                tx.grad = null;
                tw.grad = null;
                tb.grad = null;
            });
        }

        return (reference, libtorch);
    }

    /// <summary>GFLOP/s per repeat: each repeat runs the operation until 0.2 s have passed and divides.</summary>
    private static Spread Gflops(double flops, int repeats, Action op)
    {
        op();
        var rates = new double[repeats];
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            var count = 0;
            do
            {
                op();
                count++;
            }
            while (clock.Elapsed.TotalSeconds < 0.2);
            rates[r] = flops * count / clock.Elapsed.TotalSeconds / 1e9;
        }

        return Spread.Of(rates);
    }
}
