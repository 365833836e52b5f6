using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// Random convolutional networks for the generated-CNN properties. A case is built from its seed alone
/// (<see cref="Build"/>), so the printed seed reproduces it: 1–3 stages on a [2–3, 1–4, 5–9, 5–9] input, each a
/// convolution stage (random output channels, kernel 1–3 per axis, stride 1–2, dilation 1–2, padding none / half /
/// full / explicit per side, groups a common divisor of the channels, an optional batch norm, ReLU / leaky ReLU / tanh /
/// identity, optional max or average pooling with stride, padding, ceil mode and count_include_pad), a ResNet basic
/// block, a bottleneck, squeeze-and-excitation, or a residual convolution; then no head, a global-pool head or a
/// flatten head with a dense layer. Half the cases run in training mode, half in evaluation mode. In training mode the
/// convolutions have no bias (as ResNet's): a bias whose shift reaches a training-mode batch norm through piecewise
/// linear maps (a (leaky) ReLU whose inputs in that channel share one sign, a pool, an unpadded convolution) is removed
/// by the batch mean, so its gradient is exactly zero and the two backends' values are rounding alone (seen −4.2e-17
/// against 1.4e-16), with no meaningful relative error. Biases are covered in evaluation mode, and by SE and the head.
/// </summary>
public static class CnnGenerator
{
    /// <summary>The arbitrary of generated networks (shrinking keeps the seed: the seed is the reproduction).</summary>
    public static Arbitrary<CnnCase> Arbitrary { get; } = Arb.From(Gen.Choose(0, int.MaxValue).Select(s => Build(s)));

    /// <summary>The network, input shape and mode of seed <paramref name="seed"/>.</summary>
    public static CnnCase Build(long seed)
    {
        var rng = new Random(checked((int)(seed % int.MaxValue)));
        var mode = rng.Next(2) == 0 ? Mode.Train : Mode.Eval;
        var input = new Shape(2 + rng.Next(2), 1 + rng.Next(4), 5 + rng.Next(5), 5 + rng.Next(5));
        var layers = new List<Layer>();
        var shape = input;
        var stages = 1 + rng.Next(3);
        for (var i = 0; i < stages; i++)
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var stage = Stage(rng, shape, mode);
                // A training-mode batch norm needs several values per channel: with two, its output is ±1 whatever
                // the input, and its gradient is of order ε and made only of cancellation.
                if (TryShape(stage, shape) is { } next && (mode == Mode.Eval || (next[0] * next[2] * next[3] >= 4 && !HasScaleFreeScalar(stage))))
                {
                    layers.Add(stage);
                    shape = next;
                    break;
                }
            }
        }

        switch (rng.Next(3))
        {
            case 1:
                layers.Add(AdaptiveAvgPool2d.Global);
                layers.Add(new Flatten());
                layers.Add(new Dense(shape[1], 1 + rng.Next(3)));
                break;
            case 2:
                layers.Add(new Flatten());
                layers.Add(new Dense(checked(shape[1] * shape[2] * shape[3]), 1 + rng.Next(3)));
                break;
        }

        if (layers.Count == 0)
        {
            layers.Add(new Conv2d(input[1], 2, 1));
        }

        return new CnnCase(seed, new Sequential(layers), input, mode);
    }

    private static Layer Stage(Random rng, Shape shape, Mode mode)
    {
        var c = shape[1];
        var kind = rng.Next(12);
        return kind switch
        {
            < 6 => ConvStage(rng, c, mode),
            6 or 7 => Blocks.BasicBlock(c, 1 + rng.Next(6), 1 + rng.Next(2)),
            8 => Blocks.SqueezeExcitation(c, Pick(rng, Divisors(c))),
            9 => Bottleneck(rng, c),
            _ => new Residual(new Sequential(
                [new Conv2d(c, c, 1 + 2 * rng.Next(2), 1, Padding.Half, 1 + rng.Next(2), Pick(rng, Divisors(c)), bias: mode == Mode.Eval), new BatchNorm(c), Activation(rng, mode)])),
        };
    }

    private static Layer Bottleneck(Random rng, int c)
    {
        var planes = 1 + rng.Next(2);
        var groups = rng.Next(3) == 0 ? 2 : 1;
        return Blocks.Bottleneck(c, planes, 1 + rng.Next(2), groups);
    }

    private static Layer ConvStage(Random rng, int c, Mode mode)
    {
        var cOut = 1 + rng.Next(6);
        (int H, int W) kernel = (1 + rng.Next(3), 1 + rng.Next(3));
        (int H, int W) dilation = (1 + rng.Next(2), 1 + rng.Next(2));
        var stride = (1 + rng.Next(2), 1 + rng.Next(2));
        var oddH = dilation.H * (kernel.H - 1) % 2 == 0;
        var oddW = dilation.W * (kernel.W - 1) % 2 == 0;
        var padding = rng.Next(4) switch
        {
            0 => Padding.None,
            1 when oddH && oddW => Padding.Half,
            2 => Padding.Full,
            _ => Padding.Explicit((rng.Next(3), rng.Next(3)), (rng.Next(3), rng.Next(3))),
        };
        var groups = Pick(rng, Divisors(c).Where(g => cOut % g == 0).ToArray());
        var batchNorm = rng.Next(2) == 0;
        var bias = mode == Mode.Eval && rng.Next(3) > 0;
        var layers = new List<Layer> { new Conv2d(c, cOut, kernel, stride, padding, dilation, groups, bias) };
        if (batchNorm)
        {
            layers.Add(new BatchNorm(cOut, momentum: 0.05 + rng.NextDouble() / 2));
        }

        layers.Add(Activation(rng, mode));
        switch (rng.Next(4))
        {
            case 1:
                var k = 1 + rng.Next(3);
                layers.Add(new MaxPool2d(PoolWindow.Square(k, 1 + rng.Next(2), rng.Next(k / 2 + 1), ceilMode: rng.Next(2) == 0)));
                break;
            case 2:
                var a = 2 + rng.Next(2);
                layers.Add(new AvgPool2d(PoolWindow.Square(a, 1 + rng.Next(2), rng.Next(a / 2 + 1), ceilMode: rng.Next(2) == 0), countIncludePad: rng.Next(2) == 0));
                break;
        }

        return new Sequential(layers);
    }

    /// <summary>
    /// The activation after a convolution (or batch norm). In training mode it is a nonlinearity: through an identity
    /// and linear maps into a training-mode batch norm, a shift upstream (a bias, a β) is removed by its batch mean, so
    /// the shift's gradient and that batch mean are exactly zero, sums of rounding (seen 1.7e-18 against 5.3e-10 in
    /// float32; 3.3e-15 against −8.9e-16 in float64), values with no meaningful relative error.
    /// </summary>
    private static Layer Activation(Random rng, Mode mode) => rng.Next(mode == Mode.Train ? 3 : 4) switch
    {
        0 => new ReLU(),
        1 => new LeakyReLU(0.1),
        2 => new Tanh(),
        _ => new Identity(),
    };

    /// <summary>
    /// Whether a convolution whose filters hold one weight (fan-in 1) feeds a training-mode batch norm. Batch norm
    /// on batch statistics is invariant to scaling its input channel, so ⟨∂L/∂w, w⟩ = 0 for each output filter w;
    /// with one weight per filter that makes the gradient exactly zero, and the two backends' values are rounding
    /// alone (seen: 7.5e-10 against 7.5e-10 with 1.4e-5 relative difference) — the bias case again.
    /// </summary>
    private static bool HasScaleFreeScalar(Layer layer) =>
        layer is Sequential s && s.Layers.Zip(s.Layers.Skip(1)).Any(p => p.First is Conv2d { FanIn: 1 } && p.Second is BatchNorm)
        || layer.Children.Any(c => HasScaleFreeScalar(c.Layer));

    private static Shape? TryShape(Layer layer, Shape input)
    {
        try
        {
            return layer.OutputShape(input);
        }
        catch (ShapeMismatchException)
        {
            return null;
        }
    }

    private static int[] Divisors(int n) => [.. Enumerable.Range(1, n).Where(d => n % d == 0)];

    private static int Pick(Random rng, int[] values) => values[rng.Next(values.Length)];
}
