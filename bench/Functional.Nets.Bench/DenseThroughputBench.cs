using Functional.Nets.Reference;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (c) Dense forward and backward throughput in float64: y = x·Wᵀ + b for x [128, w] and W [w, w], with the
/// gradients of Σy with respect to x, W and b, at widths 64, 256 and 1024. The Reference backend (MathNet's managed
/// products on <see cref="TiledLinearAlgebraProvider"/>, through <see cref="Grad.ValueAndGrad"/>) against libtorch (raw TorchSharp <c>linear</c> and
/// <c>backward</c>) on the same shapes. Work counted: 6·B·w² flops (the forward product and the two backward ones).
/// </summary>
public static class DenseThroughputBench
{
    /// <summary>The widths measured.</summary>
    public static readonly int[] Widths = [64, 256, 1024];

    /// <summary>Rows of x.</summary>
    public const int Batch = 128;

    /// <summary>
    /// GFLOP/s of each backend by width, timed in alternation (Reference on all of MathNet's threads, libtorch, Reference
    /// on one thread, the order rotating every repeat) so that the load of the shared host falls on all three alike;
    /// ratios are taken per repeat.
    /// </summary>
    public static DenseResult Run(BenchSettings settings)
    {
        var result = new DenseResult();
        foreach (var w in Widths)
        {
            var flops = 6.0 * Batch * w * w;
            var x = Key.FromSeed(w).Normal(Batch * w);
            var weight = Key.FromSeed(w + 1).Normal(w * w);
            var bias = Key.FromSeed(w + 2).Normal(w);

            var backend = ReferenceBackend.Instance;
            var tree = TensorTree.Of(("x", backend.FromArray(x, Batch, w)), ("weight", backend.FromArray(weight, w, w)), ("bias", backend.FromArray(bias, w)));
            void Reference() => Grad.ValueAndGrad(p => p["x"].Linear(p["weight"], p["bias"]).Sum(), tree);

            using var tx = tensor(x, float64).reshape(Batch, w).requires_grad_(true);
            using var tw = tensor(weight, float64).reshape(w, w).requires_grad_(true);
            using var tb = tensor(bias, float64).requires_grad_(true);
            void Libtorch()
            {
                using var scope = NewDisposeScope();
                nn.functional.linear(tx, tw, tb).sum().backward();
                tx.grad!.Dispose();
                tw.grad!.Dispose();
                tb.grad!.Dispose();
                tx.grad = null;
                tw.grad = null;
                tb.grad = null;
            }

            var threads = MathNet.Numerics.Control.MaxDegreeOfParallelism;
            void ReferenceOneThread()
            {
                MathNet.Numerics.Control.MaxDegreeOfParallelism = 1;
                try
                {
                    Reference();
                }
                finally
                {
                    MathNet.Numerics.Control.MaxDegreeOfParallelism = threads;
                }
            }

            var contenders = new Action[] { Reference, Libtorch, ReferenceOneThread };
            var rates = AlternatingRates.Measure(contenders, settings.DenseRepeats, flops, minSeconds: 0.1);
            result.Reference[w] = Spread.Of(rates[0]);
            result.Torch[w] = Spread.Of(rates[1]);
            result.ReferenceOneThread[w] = Spread.Of(rates[2]);
            result.Ratio[w] = Spread.Of(rates[0].Zip(rates[1], (a, b) => a / b));
            result.RatioOneThread[w] = Spread.Of(rates[2].Zip(rates[1], (a, b) => a / b));
        }

        return result;
    }
}

/// <summary>(c)'s figures by width: GFLOP/s of each contender and the per-repeat ratios Reference / libtorch.</summary>
public sealed class DenseResult
{
    /// <summary>The Reference backend on MathNet's <c>Control.MaxDegreeOfParallelism</c> threads (the library's default).</summary>
    public Dictionary<int, Spread> Reference { get; } = [];

    /// <summary>libtorch on <c>TorchBackend.Threads</c> intra-op threads.</summary>
    public Dictionary<int, Spread> Torch { get; } = [];

    /// <summary>The Reference backend held to one thread.</summary>
    public Dictionary<int, Spread> ReferenceOneThread { get; } = [];

    /// <summary>Reference / libtorch, per repeat.</summary>
    public Dictionary<int, Spread> Ratio { get; } = [];

    /// <summary>Reference on one thread / libtorch, per repeat.</summary>
    public Dictionary<int, Spread> RatioOneThread { get; } = [];
}
