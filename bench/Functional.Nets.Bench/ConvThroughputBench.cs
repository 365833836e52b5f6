using Functional.Nets.Reference;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (m) Convolution forward and backward throughput in float64, the CNN issue's "Reference convolution GFLOP/s beside
/// libtorch's": y = conv2d(x, W, b) with 3×3 kernels and half padding on x [8, C, 28, 28] → [8, 2C, 28, 28] at C = 8
/// and 32 (the MNIST CNN's first and second stage), with the gradients of Σy with respect to x, W and b. The Reference
/// backend (its hand-written convolution VJPs on <see cref="TiledLinearAlgebraProvider"/>, through
/// <see cref="Grad.ValueAndGrad"/>) against libtorch (raw TorchSharp <c>conv2d</c> and <c>backward</c>) on the same
/// shapes, timed in alternation. Work counted: 3 · 2·N·C_out·H·W·C_in·9 flops (the forward product and the two
/// backward ones).
/// </summary>
public static class ConvThroughputBench
{
    /// <summary>The input channels measured (the output has twice as many).</summary>
    public static readonly int[] Channels = [8, 32];

    private const int Batch = 8;
    private const int Side = 28;

    /// <summary>GFLOP/s of each backend by input channels, and the per-repeat ratio Reference / libtorch.</summary>
    public static ConvResult Run(BenchSettings settings)
    {
        var result = new ConvResult();
        foreach (var c in Channels)
        {
            var cOut = 2 * c;
            var flops = 3.0 * 2 * Batch * cOut * Side * Side * c * 9;
            var x = Key.FromSeed(c).Normal(Batch * c * Side * Side);
            var weight = Key.FromSeed(c + 1).Normal(cOut * c * 9);
            var bias = Key.FromSeed(c + 2).Normal(cOut);

            var backend = ReferenceBackend.Instance;
            var layer = new Conv2d(c, cOut, 3, padding: Padding.Half);
            var tree = TensorTree.Of(
                ("x", backend.FromArray(x, Batch, c, Side, Side)), ("weight", backend.FromArray(weight, cOut, c, 3, 3)), ("bias", backend.FromArray(bias, cOut)));
            void Reference() => Grad.ValueAndGrad(p => layer.Apply(p.Where(n => n != "x"), p["x"]).Sum(), tree);

            using var tx = tensor(x, float64).reshape(Batch, c, Side, Side).requires_grad_(true);
            using var tw = tensor(weight, float64).reshape(cOut, c, 3, 3).requires_grad_(true);
            using var tb = tensor(bias, float64).requires_grad_(true);
            void Libtorch()
            {
                using var scope = NewDisposeScope();
                nn.functional.conv2d(tx, tw, tb, padding: [1, 1]).sum().backward();
                foreach (var t in new[] { tx, tw, tb })
                {
                    t.grad!.Dispose();
                    t.grad = null;
                }
            }

            var contenders = new Action[] { Reference, Libtorch };
            var rates = AlternatingRates.Measure(contenders, settings.DenseRepeats, flops, minSeconds: 0.2);
            result.Reference[c] = Spread.Of(rates[0]);
            result.Torch[c] = Spread.Of(rates[1]);
            result.Ratio[c] = Spread.Of(rates[0].Zip(rates[1], (a, b) => a / b));
        }

        return result;
    }
}

/// <summary>(m)'s figures by input channels: GFLOP/s of each backend and the per-repeat ratios Reference / libtorch.</summary>
public sealed class ConvResult
{
    /// <summary>The Reference backend.</summary>
    public Dictionary<int, Spread> Reference { get; } = [];

    /// <summary>libtorch on <c>TorchBackend.Threads</c> intra-op threads.</summary>
    public Dictionary<int, Spread> Torch { get; } = [];

    /// <summary>Reference / libtorch, per repeat.</summary>
    public Dictionary<int, Spread> Ratio { get; } = [];
}
