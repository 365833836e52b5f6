using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Tests.Convolution;

namespace Functional.Nets.Tests.Onnx;

/// <summary>
/// Architectures for the ONNX export properties, as evaluation-mode <see cref="CnnCase"/>s (whose parameters draw batch
/// norm's γ and β and whose state draws running statistics, so that batch norm is not the identity):
/// <list type="bullet">
/// <item>MLPs from <see cref="NetworkCase"/> (every activation, residual, sum, product and concat blocks; its scan
/// blocks are left out, a test-only layer), with dropout (inverted or classic), batch norm and DropConnect put in;</item>
/// <item>CNNs from <see cref="CnnGenerator"/> (convolutions with padding, stride, dilation and groups, batch norm,
/// max and average pooling with ceil mode and count_include_pad, BasicBlock, Bottleneck, SqueezeExcitation, global
/// pooling, flatten and dense heads), in evaluation mode;</item>
/// <item>what neither covers: ConvTranspose2d, Conv1d with 1-d pooling, adaptive pooling to a size that divides the
/// input, Flatten from axis 2 feeding a Dense on rank 3 (MatMul), Dropout2d, EvalMode;</item>
/// <item>recurrent layers (<see cref="BuildRecurrent"/>).</item>
/// </list>
/// <see cref="Float64Capable"/> picks the cases whose every operator ONNX Runtime's CPU provider runs in float64.
/// </summary>
public static class OnnxCaseGenerator
{
    public static Arbitrary<CnnCase> Arbitrary { get; } = Arb.From(Gen.OneOf(Mlp, Cnn, Extra, Recurrent).Where(Expressible));

    /// <summary>The float64-capable cases: MLPs (dense, activations, dropout, batch norm, joins) and max-pool-only extras.</summary>
    public static Arbitrary<CnnCase> Float64Capable { get; } = Arb.From(Gen.OneOf(Mlp, Extra.Where(c => !UsesFloat32OnlyOperator(c.Layer))).Where(Expressible));

    /// <summary>
    /// False for a case whose ceil-mode pooling windows ONNX cannot express on its input size (neither ONNX mode gives
    /// PyTorch's windows and the end padding that would is not below the kernel): the export refuses those by design,
    /// with a clear error tested in <see cref="OnnxPoolingExportTests"/>, so the agreement properties draw the others.
    /// Any other refusal is not filtered: it fails the property as an export error.
    /// </summary>
    private static bool Expressible(CnnCase c)
    {
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        try
        {
            _ = Functional.Nets.Onnx.OnnxExport.ToModel(c.Layer, c.Parameters(reference), c.State(reference), c.InputShape, DType.Float64);
            return true;
        }
        catch (Functional.Nets.Onnx.OnnxExportException e) when (e.Message.Contains("with ceil mode on input", StringComparison.Ordinal))
        {
            return false;
        }
        catch (Functional.Nets.Onnx.OnnxExportException)
        {
            return true;
        }
    }

    private static Gen<CnnCase> Mlp =>
        from network in NetworkCase.Arbitrary.Generator.Where(n => !n.Blocks.Contains(BlockKind.Scan))
        from seed in Gen.Choose(0, int.MaxValue)
        select BuildMlp(network, seed);

    private static Gen<CnnCase> Cnn => Gen.Choose(0, int.MaxValue).Select(s => CnnGenerator.Build(s) with { Mode = Mode.Eval });

    private static Gen<CnnCase> Extra => Gen.Choose(0, int.MaxValue).Select(s => BuildExtra(s));

    private static Gen<CnnCase> Recurrent => Gen.Choose(0, int.MaxValue).Select(s => BuildRecurrent(s));

    /// <summary>
    /// Rnn (tanh or ReLU), Lstm or Gru (PyTorch's reset or the lecture's), 1–2 layers with dropout between them (the
    /// identity in evaluation), one or two directions, batch or time first, with or without biases; then a Dense on
    /// [*, D·H] (MatMul on rank 3).
    /// </summary>
    public static CnnCase BuildRecurrent(long seed)
    {
        var rng = new Random(checked((int)(seed % int.MaxValue)));
        var (n, t, f, h) = (1 + rng.Next(3), 1 + rng.Next(5), 1 + rng.Next(5), 1 + rng.Next(6));
        var (layers, bidirectional, batchFirst, bias) = (1 + rng.Next(2), rng.Next(2) == 0, rng.Next(2) == 0, rng.Next(3) > 0);
        var dropout = layers > 1 && rng.Next(2) == 0 ? 0.3 : 0;
        RecurrentLayer r = rng.Next(3) switch
        {
            0 => new Rnn(f, h, layers, bidirectional, batchFirst, dropout, bias, rng.Next(2) == 0 ? RnnNonlinearity.Tanh : RnnNonlinearity.ReLU),
            1 => new Lstm(f, h, layers, bidirectional, batchFirst, dropout, bias),
            _ => new Gru(f, h, layers, bidirectional, batchFirst, dropout, bias, resetBeforeWeight: rng.Next(2) == 0),
        };
        var input = batchFirst ? new Shape(n, t, f) : new Shape(t, n, f);
        return new CnnCase(seed, new Sequential(r, new Dense(r.Directions * h, 1 + rng.Next(3))), input, Mode.Eval);
    }

    /// <summary>
    /// ONNX Runtime 1.31.1's CPU provider has no float64 kernel for Conv, ConvTranspose, AveragePool,
    /// GlobalAveragePool, RNN, LSTM and GRU (measured: <see cref="OnnxRuntimeFloat64KernelTests"/>), so models with
    /// those run in float32 only.
    /// </summary>
    public static bool UsesFloat32OnlyOperator(Layer layer) =>
        layer is ConvolutionLayer or ConvTranspose2d or AvgPool2d or AvgPool1d or AdaptiveAvgPool2d or AdaptiveAvgPool1d or RecurrentLayer
        || layer.Children.Any(c => UsesFloat32OnlyOperator(c.Layer));

    public static CnnCase BuildMlp(NetworkCase network, long seed)
    {
        var rng = new Random(checked((int)(seed % int.MaxValue)));
        var input = new Shape(Math.Max(network.Batch, 2), network.InputWidth);
        var layers = new List<Layer>();
        var shape = input;
        foreach (var layer in network.Model().Layers)
        {
            var next = layer is Dense d && rng.Next(4) == 0
                ? new DropConnect(d.Inputs, d.Outputs, 0.05 + (rng.NextDouble() * 0.8), rng.Next(2) == 0 ? DropoutKind.Inverted : DropoutKind.Classic, d.HasBias)
                : layer;
            layers.Add(next);
            shape = next.OutputShape(shape);
            switch (rng.Next(6))
            {
                case 0:
                    layers.Add(new Dropout(0.05 + (rng.NextDouble() * 0.8), rng.Next(2) == 0 ? DropoutKind.Inverted : DropoutKind.Classic));
                    break;
                case 1:
                    layers.Add(new BatchNorm(shape[1], epsilon: rng.Next(2) == 0 ? 1e-5 : 1e-3, affine: rng.Next(4) > 0));
                    break;
            }
        }

        return new CnnCase(seed, new Sequential(layers), input, Mode.Eval);
    }

    public static CnnCase BuildExtra(long seed)
    {
        var rng = new Random(checked((int)(seed % int.MaxValue)));
        var n = 1 + rng.Next(3);
        var c = 1 + rng.Next(4);
        switch (rng.Next(4))
        {
            case 0:
            {
                // ConvTranspose2d: padding small enough to leave an output.
                var input = new Shape(n, c, 2 + rng.Next(4), 2 + rng.Next(4));
                var groups = Pick(rng, Divisors(c));
                var cOut = groups * (1 + rng.Next(3));
                var (k, s, d) = (1 + rng.Next(3), 1 + rng.Next(3), 1 + rng.Next(2));
                var p = rng.Next(((d * (k - 1)) / 2) + 1);
                var op = rng.Next(s); // below the stride: ONNX Runtime refuses more (an export error, tested on its own)
                var layers = new List<Layer> { new ConvTranspose2d(c, cOut, k, s, p, op, groups, bias: rng.Next(2) == 0, dilation: d), new BatchNorm(cOut), new Tanh(), new Dropout2d(0.3) };
                return new CnnCase(seed, new Sequential(layers), input, Mode.Eval);
            }

            case 1:
            {
                // Conv1d with 1-d pooling, adaptive pooling to a divisor of the length, then a softmax head.
                var length = 6 + rng.Next(6);
                var cOut = 1 + rng.Next(4);
                var conv = new Conv1d(c, cOut, 1 + rng.Next(3), 1 + rng.Next(2), rng.Next(2) == 0 ? Padding.None : Padding.Explicit((rng.Next(3), rng.Next(3))), 1 + rng.Next(2));
                var layers = new List<Layer> { conv, new ReLU() };
                var shape = conv.OutputShape(new Shape(n, c, length));
                if (shape[2] >= 2)
                {
                    layers.Add(rng.Next(2) == 0 ? new MaxPool1d(2, 1 + rng.Next(2), rng.Next(2), ceilMode: rng.Next(2) == 0) : new AvgPool1d(2, 1 + rng.Next(2), rng.Next(2), rng.Next(2) == 0, rng.Next(2) == 0));
                    shape = layers[^1].OutputShape(shape);
                }

                var pooled = Pick(rng, Divisors(shape[2]));
                layers.AddRange([new AdaptiveAvgPool1d(pooled), new Flatten(), new Dense(cOut * pooled, 1 + rng.Next(4)), new Softmax()]);
                return new CnnCase(seed, new Sequential(layers), new Shape(n, c, length), Mode.Eval);
            }

            case 2:
            {
                // Adaptive pooling to a size that divides H and W; Flatten from axis 2; Dense on [N, C, h·w] (MatMul).
                var (h, w) = (Pick(rng, [1, 2, 3]), Pick(rng, [1, 2, 3]));
                var input = new Shape(n, c, h * (1 + rng.Next(3)), w * (1 + rng.Next(3)));
                var layers = new List<Layer> { new AdaptiveAvgPool2d(h, w), new Flatten(2), new Dense(h * w, 1 + rng.Next(4)), new LeakyReLU(0.2), new Flatten() };
                return new CnnCase(seed, new Sequential(layers), input, Mode.Eval);
            }

            default:
            {
                // Float64-capable images: max pooling, batch norm, flatten and a dense head, inside EvalMode.
                var input = new Shape(n, c, 3 + rng.Next(4), 3 + rng.Next(4));
                var k = 1 + rng.Next(3);
                var pool = new MaxPool2d(PoolWindow.Of((k, 1 + rng.Next(3)), (1 + rng.Next(2), 1 + rng.Next(2)), (rng.Next((k / 2) + 1), 0), (1 + rng.Next(2), 1), rng.Next(2) == 0));
                Shape shape;
                try
                {
                    shape = pool.OutputShape(input);
                }
                catch (ShapeMismatchException)
                {
                    // A dilated window larger than the image: a 2×2 pool instead.
                    pool = new MaxPool2d(PoolWindow.Square(2, 1));
                    shape = pool.OutputShape(input);
                }

                var head = new Sequential(new BatchNorm(c), pool, new Flatten(), new Dense(checked(shape[1] * shape[2] * shape[3]), 1 + rng.Next(5)), new ELU(0.5 + rng.NextDouble()), new Dropout(0.5));
                return new CnnCase(seed, new EvalMode(head), input, Mode.Eval);
            }
        }
    }

    private static int[] Divisors(int n) => [.. Enumerable.Range(1, n).Where(d => n % d == 0)];

    private static int Pick(Random rng, int[] values) => values[rng.Next(values.Length)];
}
