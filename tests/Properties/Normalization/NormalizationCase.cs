using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Normalization;

/// <summary>The smooth activations (and ReLU) a normalization block may end with.</summary>
public enum BlockActivation
{
    Identity,
    Tanh,
    Sigmoid,
    ReLU,
}

/// <summary>
/// One block of a generated network: a Dense layer (or DropConnect), an optional BatchNorm, an activation and
/// an optional Dropout.
/// </summary>
/// <param name="Width">Output features (1–12).</param>
/// <param name="DropConnect">Whether the affine layer is a DropConnect rather than a Dense.</param>
/// <param name="Bias">Whether the affine layer has a bias (before a training-mode BatchNorm its gradient is exactly
/// zero: see <see cref="NormalizationCase.GradientFloors"/>).</param>
/// <param name="BatchNorm">Whether a BatchNorm follows the affine layer.</param>
/// <param name="Momentum">The BatchNorm's momentum.</param>
/// <param name="Activation">The activation.</param>
/// <param name="DropP">The Dropout's p after the activation; 0 for no Dropout.</param>
/// <param name="Kind">Inverted or classic (Dropout and DropConnect).</param>
public sealed record Block(int Width, bool DropConnect, bool Bias, bool BatchNorm, double Momentum, BlockActivation Activation, double DropP, DropoutKind Kind)
{
    /// <summary>The block's layers, in order.</summary>
    public IEnumerable<Layer> Layers(int inputs)
    {
        yield return DropConnect
            ? new DropConnect(inputs, Width, DropP > 0 ? DropP : 0.3, Kind, bias: Bias)
            : new Dense(inputs, Width, bias: Bias);
        if (BatchNorm)
        {
            yield return new BatchNorm(Width, Momentum);
        }

        yield return Activation switch
        {
            BlockActivation.Identity => new Identity(),
            BlockActivation.Tanh => new Tanh(),
            BlockActivation.Sigmoid => new Sigmoid(),
            BlockActivation.ReLU => new ReLU(),
            _ => throw new InvalidOperationException($"unknown activation {Activation}"),
        };
        if (DropP > 0)
        {
            yield return new Dropout(DropP, Kind);
        }
    }
}

/// <summary>
/// A generated network containing Dropout, DropConnect and BatchNorm, with its input batch, mode, key,
/// parameters and state, all drawn from <see cref="Seed"/> so the case reproduces from its printed form on
/// every backend. BatchNorm's γ and β are random (not ones and zeros) and its running statistics are random
/// (mean N(0, ½²), variance U(0.5, 2), count 0–99), so evaluation mode and the running update are exercised.
/// </summary>
/// <param name="Seed">Seed of every random value (parameters, state, inputs, targets, dropout key).</param>
/// <param name="InputWidth">Input features (1–12).</param>
/// <param name="Batch">Rows (3–16: two rows make a BatchNorm output ±1 whatever its input, a degenerate map whose
/// gradient is of order ε and made only of cancellation).</param>
/// <param name="Blocks">The blocks.</param>
/// <param name="Mode">Training or evaluation.</param>
public sealed record NormalizationCase(long Seed, int InputWidth, int Batch, Block[] Blocks, Mode Mode)
{
    /// <summary>The arbitrary: generator and shrinker (toward fewer, plainer blocks, smaller shapes; the seed stays).</summary>
    public static Arbitrary<NormalizationCase> Arbitrary { get; } = Arb.From(Generator(), Shrink);

    /// <summary>
    /// The arbitrary restricted to cases whose training-mode batch norms are well conditioned: every channel's batch
    /// variance is at least ε (see <see cref="DegenerateChannel"/>). Cases rejected by the filter are counted in
    /// <see cref="Rejected"/>.
    /// </summary>
    public static Arbitrary<NormalizationCase> WellConditioned { get; } = Arb.From(
        Generator().Where(c =>
        {
            if (c.DegenerateChannel() is null)
            {
                return true;
            }

            Interlocked.Increment(ref rejected);
            return false;
        }),
        c => Shrink(c).Where(s => s.DegenerateChannel() is null));

    private static int rejected;

    /// <summary>How many generated cases <see cref="WellConditioned"/> has rejected in this process.</summary>
    public static int Rejected => Volatile.Read(ref rejected);

    /// <summary>
    /// The first training-mode batch-norm channel whose batch variance σ² is below ε, as "layer i, channel c,
    /// σ² = ...", or null. Detected, not tolerated, like a kink: there ε dominates and x̂ = (x − μ)/√(σ² + ε)
    /// multiplies the absolute rounding error of x − μ (a few u·|x|, different on each backend: e.g. 0 on one
    /// and 1 ulp on the other for a channel whose values are all equal, as after dropout zeroed a one-wide
    /// column) by up to 1/√ε ≈ 316, and two such channels in a chain by 10⁵: the backends then disagree by
    /// 1e-11 on a value that is mathematically exact on both. Seen before this filter: 1.2e-13 from one such
    /// channel.
    /// </summary>
    public string? DegenerateChannel()
    {
        if (Mode != Mode.Train)
        {
            return null;
        }

        var backend = Functional.Nets.Reference.ReferenceBackend.Instance;
        var model = Model();
        var p = Parameters(backend);
        var s = State(backend);
        var h = Input(backend);
        for (var i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is BatchNorm bn)
            {
                var x = h.ToArray();
                for (var c = 0; c < bn.Features; c++)
                {
                    var column = Enumerable.Range(0, Batch).Select(n => x[n * bn.Features + c]).ToArray();
                    var mean = column.Average();
                    var variance = column.Sum(v => (v - mean) * (v - mean)) / Batch;
                    if (variance < bn.Epsilon)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"layer {i}, channel {c}, σ² = {variance:G3} < ε = {bn.Epsilon:G}");
                    }
                }
            }

            h = model.Layers[i].Apply(p.Child(Name(i)), s.Child(Name(i)), h, Context.ForChild(i)).Output;
        }

        return null;
    }

    /// <summary>The model.</summary>
    public Sequential Model()
    {
        var layers = new List<Layer>();
        var inputs = InputWidth;
        foreach (var block in Blocks)
        {
            layers.AddRange(block.Layers(inputs));
            inputs = block.Width;
        }

        return new Sequential(layers);
    }

    /// <summary>The output width.</summary>
    public int OutputWidth => Blocks[^1].Width;

    /// <summary>The parameters: the model's initialization, with every BatchNorm's γ ~ U(0.5, 1.5) and β ~ N(0, ½²).</summary>
    public TensorTree Parameters(Backend backend)
    {
        var model = Model();
        var p = model.Init(Root.Fold(0), backend);
        var replaced = new List<(string, Tensor)>();
        for (var i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is BatchNorm bn)
            {
                var key = Root.Fold(10 + (ulong)i);
                var name = i.ToString(CultureInfo.InvariantCulture);
                replaced.Add(($"{name}.weight", backend.FromArray(key.Fold(0).Uniform(bn.Features, 0.5, 1.5), new Shape(bn.Features))));
                replaced.Add(($"{name}.bias", backend.FromArray(key.Fold(1).Normal(bn.Features).Select(v => 0.5 * v).ToArray(), new Shape(bn.Features))));
            }
        }

        return p.With(TensorTree.Of([.. replaced]));
    }

    /// <summary>The state: random running statistics for every BatchNorm (see the class summary).</summary>
    public TensorTree State(Backend backend)
    {
        var model = Model();
        var leaves = new List<(string, Tensor)>();
        for (var i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is BatchNorm bn)
            {
                var key = Root.Fold(100 + (ulong)i);
                var name = i.ToString(CultureInfo.InvariantCulture);
                var c = new Shape(bn.Features);
                leaves.Add(($"{name}.running_mean", backend.FromArray(key.Fold(0).Normal(bn.Features).Select(v => 0.5 * v).ToArray(), c)));
                leaves.Add(($"{name}.running_var", backend.FromArray(key.Fold(1).Uniform(bn.Features, 0.5, 2), c)));
                leaves.Add(($"{name}.num_batches_tracked", backend.FromArray([Math.Floor(100 * key.Fold(2).Uniform(1)[0])], Shape.Scalar)));
            }
        }

        return TensorTree.Of([.. leaves]);
    }

    /// <summary>The input [batch, inputWidth], standard normal.</summary>
    public Tensor Input(Backend backend) => backend.FromArray(Root.Fold(1).Normal(Batch * InputWidth), new Shape(Batch, InputWidth));

    /// <summary>The targets [batch, outputWidth] of the mean squared error, standard normal.</summary>
    public Tensor Target(Backend backend) => backend.FromArray(Root.Fold(2).Normal(Batch * OutputWidth), new Shape(Batch, OutputWidth));

    /// <summary>The context: the mode and, in training, the key for the dropout masks (the same on every backend).</summary>
    public Context Context => Mode == Mode.Train ? Context.Train(Root.Fold(3)) : Context.Eval;

    /// <summary>The objective: mean squared error of the model's output, with the new state as auxiliary output.</summary>
    public Func<TensorTree, (Tensor Value, TensorTree Aux)> Objective(Backend backend)
    {
        var model = Model();
        var x = Input(backend);
        var target = Target(backend);
        var state = State(backend);
        var context = Context;
        return p =>
        {
            var (y, s) = model.Apply(p, state, x, context);
            return (Losses.MeanSquaredError(y, target), s);
        };
    }

    /// <summary>
    /// The floor of each gradient leaf's comparison: the magnitude the leaf's gradient is made from, computed on
    /// the Reference backend by the backward pass with every term replaced by its absolute value (a running error
    /// bound in Wilkinson's sense: the rounding error of a float64 reverse pass is a few u per operation times this
    /// magnitude). Writing A for the magnitude reaching a layer's output:
    /// <code>
    /// loss (mean squared error):  A = 2(|y| + |t|)/count
    /// Tanh, Sigmoid, ReLU:        A·|f′|            Dropout: A·(largest mask value)
    /// Dense, DropConnect:         A|W|  (DropConnect: times its largest mask value); floors Σₙ Aₙᵢ|hₙⱼ| and Σₙ Aₙᵢ
    /// BatchNorm, training, per channel, with a = A|γ|, s = √(σ² + ε), and |x − μ| replaced by |x| + |μ| (the
    /// bound on its rounding error):  V = Σ a(|x| + |μ|)·½s⁻³,  U = Σ a/s + V·Σ2(|x| + |μ|)/M,
    /// A_in = a/s + V·2(|x| + |μ|)/M + U/M;  floors Σ A(|x| + |μ|)/s (γ) and Σ A (β)
    /// BatchNorm, evaluation:      A|γ|/√(D + ε); floors Σ A(|x| + |E|)/√(D + ε) and Σ A
    /// </code>
    /// </summary>
    /// <remarks>
    /// Why a floor: a training-mode batch norm is invariant to a shift of its input per channel, so the gradient
    /// of a bias before it (through any chain of batch-uniform affine maps) is exactly zero; a channel whose batch
    /// values take only two distinct values (dropout and ReLU zero most rows of a narrow layer) normalizes to a
    /// fixed pattern whatever the values, so the gradient through it is of order ε and pure cancellation. Both
    /// backends then return rounding noise of order u times the magnitudes above, whose plain relative error is
    /// meaningless (seen: a bias gradient of 2.9e-15 vs −9.8e-15; a β gradient of −5.7e-9 whose two correct
    /// values differed in the 8th digit).
    /// </remarks>
    public Dictionary<string, double> GradientFloors()
    {
        var backend = Functional.Nets.Reference.ReferenceBackend.Instance;
        var model = Model();
        var layers = model.Layers;
        var p = Parameters(backend);
        var s = State(backend);
        var context = Context;
        var values = new double[layers.Count + 1][];
        var widths = new int[layers.Count + 1];
        var h = Input(backend);
        values[0] = h.ToArray();
        widths[0] = InputWidth;
        for (var i = 0; i < layers.Count; i++)
        {
            h = layers[i].Apply(p.Child(Name(i)), s.Child(Name(i)), h, context.ForChild(i)).Output;
            values[i + 1] = h.ToArray();
            widths[i + 1] = h.Shape[1];
        }

        var target = Target(backend).ToArray();
        var last = values[^1];
        var a = last.Select((v, k) => 2 * (Math.Abs(v) + Math.Abs(target[k])) / last.Length).ToArray();
        var floors = new Dictionary<string, double>();
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var x = values[i];
            var y = values[i + 1];
            int rows = Batch, ins = widths[i], outs = widths[i + 1];
            var name = Name(i);
            switch (layers[i])
            {
                case Tanh:
                    a = a.Select((v, k) => v * Math.Abs(1 - y[k] * y[k])).ToArray();
                    break;
                case Sigmoid:
                    a = a.Select((v, k) => v * y[k] * (1 - y[k])).ToArray();
                    break;
                case ReLU:
                    a = a.Select((v, k) => x[k] > 0 ? v : 0).ToArray();
                    break;
                case Dropout d:
                    var largest = MaskBound(d.P, d.Kind);
                    a = a.Select(v => v * largest).ToArray();
                    break;
                case Dense or DropConnect:
                    {
                        var factor = layers[i] is DropConnect dc ? MaskBound(dc.P, dc.Kind) : 1;
                        var w = p[$"{name}.weight"].ToArray();
                        double weightFloor = 0;
                        for (var o = 0; o < outs; o++)
                        {
                            for (var j = 0; j < ins; j++)
                            {
                                double sum = 0;
                                for (var n = 0; n < rows; n++)
                                {
                                    sum += a[n * outs + o] * Math.Abs(x[n * ins + j]);
                                }

                                weightFloor = Math.Max(weightFloor, factor * sum);
                            }
                        }

                        floors[$"{name}.weight"] = weightFloor;
                        floors[$"{name}.bias"] = ColumnSums(a, rows, outs).Max();
                        var next = new double[rows * ins];
                        for (var n = 0; n < rows; n++)
                        {
                            for (var j = 0; j < ins; j++)
                            {
                                for (var o = 0; o < outs; o++)
                                {
                                    next[n * ins + j] += a[n * outs + o] * factor * Math.Abs(w[o * ins + j]);
                                }
                            }
                        }

                        a = next;
                        break;
                    }

                case BatchNorm bn:
                    {
                        var gamma = p.TryGet($"{name}.weight", out var g) ? g.ToArray() : Enumerable.Repeat(1.0, outs).ToArray();
                        var runningMean = s[$"{name}.running_mean"].ToArray();
                        var runningVar = s[$"{name}.running_var"].ToArray();
                        var next = new double[a.Length];
                        double gammaFloor = 0;
                        for (var c = 0; c < outs; c++)
                        {
                            var column = Enumerable.Range(0, rows).Select(n => x[n * outs + c]).ToArray();
                            var mu = Mode == Mode.Train ? column.Average() : runningMean[c];
                            var variance = Mode == Mode.Train ? column.Sum(v => (v - column.Average()) * (v - column.Average())) / rows : runningVar[c];
                            var sd = Math.Sqrt(variance + bn.Epsilon);
                            var magnitude = column.Select(v => Math.Abs(v) + Math.Abs(mu)).ToArray();
                            gammaFloor = Math.Max(gammaFloor, Enumerable.Range(0, rows).Sum(n => a[n * outs + c] * magnitude[n]) / sd);
                            var dx = Enumerable.Range(0, rows).Select(n => a[n * outs + c] * Math.Abs(gamma[c])).ToArray();
                            if (Mode == Mode.Eval)
                            {
                                for (var n = 0; n < rows; n++)
                                {
                                    next[n * outs + c] = dx[n] / sd;
                                }

                                continue;
                            }

                            var v2 = Enumerable.Range(0, rows).Sum(n => dx[n] * magnitude[n]) * 0.5 / (sd * sd * sd);
                            var u = dx.Sum() / sd + v2 * magnitude.Sum(m => 2 * m) / rows;
                            for (var n = 0; n < rows; n++)
                            {
                                next[n * outs + c] = dx[n] / sd + v2 * 2 * magnitude[n] / rows + u / rows;
                            }
                        }

                        floors[$"{name}.weight"] = gammaFloor;
                        floors[$"{name}.bias"] = ColumnSums(a, rows, outs).Max();
                        a = next;
                        break;
                    }

                default:
                    // Identity: the magnitude passes unchanged.
                    break;
            }
        }

        return floors;
    }

    /// <summary>The largest value a dropout mask multiplies by: 1/(1 − p) inverted in training, else at most 1.</summary>
    private double MaskBound(double p, DropoutKind kind) => Mode == Mode.Train && kind == DropoutKind.Inverted ? 1 / (1 - p) : 1;

    private static double[] ColumnSums(double[] a, int rows, int cols) =>
        Enumerable.Range(0, cols).Select(o => Enumerable.Range(0, rows).Sum(n => a[n * cols + o])).ToArray();

    /// <summary>
    /// The floor of each state leaf's comparison: the magnitudes the running statistics are computed from. For a
    /// BatchNorm with input x: running_mean, max(|x|, |old running_mean|); running_var,
    /// max(x²·M/(M − 1), |old running_var|). A channel whose batch values are all equal has a batch variance that
    /// is exactly 0 or a few u²·x² depending on how the mean rounded, which is 1e-32, not an error.
    /// </summary>
    public Dictionary<string, double> StateFloors()
    {
        var backend = Functional.Nets.Reference.ReferenceBackend.Instance;
        var model = Model();
        var p = Parameters(backend);
        var s = State(backend);
        var context = Context;
        var h = Input(backend);
        var floors = new Dictionary<string, double>();
        for (var i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is BatchNorm)
            {
                var x = h.ToArray();
                var largest = x.Max(Math.Abs);
                floors[$"{Name(i)}.running_mean"] = Math.Max(largest, s[$"{Name(i)}.running_mean"].ToArray().Max(Math.Abs));
                floors[$"{Name(i)}.running_var"] = Math.Max(largest * largest * Batch / (Batch - 1.0), s[$"{Name(i)}.running_var"].ToArray().Max(Math.Abs));
            }

            h = model.Layers[i].Apply(p.Child(Name(i)), s.Child(Name(i)), h, context.ForChild(i)).Output;
        }

        return floors;
    }

    private static string Name(int i) => i.ToString(CultureInfo.InvariantCulture);

    /// <summary>The case in one line.</summary>
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"NormalizationCase(seed {Seed}, {Mode}, input [{Batch}, {InputWidth}], layers [{string.Join(", ", Model().Layers.Select(l => l.Describe()))}])");

    private Key Root => Key.FromSeed(Seed);

    private static Gen<NormalizationCase> Generator()
    {
        var block =
            from width in Gen.Choose(1, 12)
            from dropConnect in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            from bias in Gen.Elements(true, false)
            from batchNorm in Gen.Frequency((1, Gen.Constant(false)), (2, Gen.Constant(true)))
            from momentum in Gen.Choose(0, 10)
            from activation in Gen.Elements(Enum.GetValues<BlockActivation>())
            from drop in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 8)))
            from classic in Gen.Elements(false, true)
            select new Block(width, dropConnect, bias, batchNorm, momentum / 10.0, activation, drop / 10.0, classic ? DropoutKind.Classic : DropoutKind.Inverted);
        return
            from seed in Gen.Choose(0, int.MaxValue)
            from inputWidth in Gen.Choose(1, 12)
            from batch in Gen.Choose(3, 16)
            from depth in Gen.Choose(1, 4)
            from blocks in Gen.ArrayOf(block, depth)
            from train in Gen.Elements(false, true)
            select new NormalizationCase(seed, inputWidth, batch, blocks, train ? Mode.Train : Mode.Eval);
    }

    private static IEnumerable<NormalizationCase> Shrink(NormalizationCase c)
    {
        for (var i = 0; i < c.Blocks.Length && c.Blocks.Length > 1; i++)
        {
            yield return c with { Blocks = [.. c.Blocks.Where((_, j) => j != i)] };
        }

        if (c.Batch > 3)
        {
            yield return c with { Batch = 3 };
        }

        if (c.InputWidth > 1)
        {
            yield return c with { InputWidth = 1 };
        }

        for (var i = 0; i < c.Blocks.Length; i++)
        {
            var b = c.Blocks[i];
            var simpler = new[]
            {
                b with { Width = 1 }, b with { DropConnect = false }, b with { Bias = false }, b with { BatchNorm = false }, b with { Activation = BlockActivation.Identity },
                b with { DropP = 0 }, b with { Kind = DropoutKind.Inverted },
            };
            foreach (var s in simpler.Where(s => s != b))
            {
                var blocks = c.Blocks.ToArray();
                blocks[i] = s;
                yield return c with { Blocks = blocks };
            }
        }
    }
}
