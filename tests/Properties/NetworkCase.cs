using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests;

/// <summary>The activations the generators draw from.</summary>
public enum ActivationKind
{
    Identity,
    Sigmoid,
    Tanh,
    ReLU,
    LeakyReLU,
    ELU,
    Softmax,
    LogSoftmax,
}

/// <summary>The losses the generators draw from.</summary>
public enum LossKind
{
    MeanSquaredError,
    HalfSquaredError,

    /// <summary>Binary cross-entropy on probabilities: the last activation is forced to Sigmoid.</summary>
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    SoftmaxCrossEntropyWithIndices,
    SoftmaxCrossEntropyWithProbabilities,
}

/// <summary>An optional weight penalty added to the loss (covers the Abs and Square primitives).</summary>
public enum PenaltyKind
{
    None,
    L1,
    L2,
}

/// <summary>How one Dense-and-activation unit of a generated network is wrapped.</summary>
public enum BlockKind
{
    /// <summary>Dense, then the activation, as two layers of the chain.</summary>
    Plain,

    /// <summary>Residual(Sequential(Dense, activation)): x + act(Wx + b), with a bias-free projection shortcut when the width changes.</summary>
    Residual,

    /// <summary>Branches(sum, Sequential(Dense, activation), Dense): act(W₁x + b₁) + W₂x + b₂.</summary>
    Sum,

    /// <summary>Branches(product, Sequential(Dense, activation), Dense): act(W₁x + b₁) ⊙ (W₂x + b₂).</summary>
    Product,

    /// <summary>
    /// Branches(concat, Sequential(Dense, activation), Dense): [act(W₁x + b₁), W₂x + b₂] along the features, of
    /// widths w − ⌊w/2⌋ and ⌊w/2⌋ (a unit of width 1 is made plain).
    /// </summary>
    Concat,

    /// <summary>
    /// Sequential(Dense, activation, <see cref="FeaturesAsSteps"/>): the unit's w outputs read as a sequence of w
    /// steps of one feature by Scan(RnnCell(1 → 1)), forward for even units, reversed for odd ones; its w outputs
    /// are the unit's. At most <see cref="NetworkCase.MaxScanSteps"/> wide.
    /// </summary>
    Scan,
}

/// <summary>
/// A test harness (not a library layer): [N, w] read as the sequence [N, w, 1], scanned, and the outputs
/// [N, w, 1] read back as [N, w]; the parameters are the scan's (its cell's, unprefixed).
/// </summary>
/// <param name="scan">A scan whose cell has one input and one output.</param>
public sealed class FeaturesAsSteps(Scan scan) : Layer
{
    /// <summary>The scan.</summary>
    public Scan Scan => scan;

    /// <inheritdoc />
    public override long ParameterCount => scan.ParameterCount;

    /// <inheritdoc />
    public override string Describe() => $"FeaturesAsSteps({scan.Describe()})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => new(input[0], scan.OutputShape(new Shape(input[0], input[1], 1))[1]);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => scan.Init(key, backend);

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var y = scan.Apply(parameters, state, input.Unsqueeze(2), context);
        return (y.Output.Squeeze(2), y.State);
    }
}

/// <summary>An activation with its hyperparameter.</summary>
/// <param name="Kind">Which function.</param>
/// <param name="Alpha">α for LeakyReLU (in [0, 1)) and ELU (in (0, 2]); ignored otherwise.</param>
public sealed record ActivationSpec(ActivationKind Kind, double Alpha = 0)
{
    /// <summary>Whether the function has a kink (a jump in its derivative) at 0.</summary>
    public bool HasKink => Kind is ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.ELU;

    /// <summary>The layer value.</summary>
    public Layer Build() => Kind switch
    {
        ActivationKind.Identity => new Identity(),
        ActivationKind.Sigmoid => new Sigmoid(),
        ActivationKind.Tanh => new Tanh(),
        ActivationKind.ReLU => new ReLU(),
        ActivationKind.LeakyReLU => new LeakyReLU(Alpha),
        ActivationKind.ELU => new ELU(Alpha),
        ActivationKind.Softmax => new Softmax(),
        ActivationKind.LogSoftmax => new LogSoftmax(),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown activation"),
    };

    /// <inheritdoc />
    public override string ToString() => Build().Describe();
}

/// <summary>
/// A generated test case: a multilayer perceptron (Dense, activation, Dense, activation, ...) whose units may
/// be residual blocks, parallel branches (summed, multiplied, concatenated) or followed by a scan over a small
/// RNN cell (<see cref="BlockKind"/>), a
/// batch of inputs, a loss with its targets and an optional penalty, all drawn deterministically
/// from <see cref="Seed"/> through <see cref="Key.FromSeed(long)"/>, so the case reproduces from its
/// printed form on every backend.
/// </summary>
public sealed class NetworkCase
{
    private NetworkCase(long seed, int inputWidth, int batch, int[] widths, ActivationSpec[] activations, LossKind loss, PenaltyKind penalty, double penaltyWeight, BlockKind[]? blocks)
    {
        blocks ??= new BlockKind[widths.Length];
        if (blocks.Length != widths.Length)
        {
            throw new ArgumentException("a network case needs one block kind per Dense layer");
        }

        if (widths.Length != activations.Length || widths.Length == 0)
        {
            throw new ArgumentException("a network case needs as many activations as Dense layers, at least one");
        }

        if (blocks.Where((b, i) => b == BlockKind.Scan && widths[i] > MaxScanSteps).Any())
        {
            throw new ArgumentException($"a scan unit is at most {MaxScanSteps} wide (one step per feature)");
        }

        // A concatenation needs two branches of width ≥ 1.
        if (blocks.Where((b, i) => b == BlockKind.Concat && widths[i] < 2).Any())
        {
            blocks = [.. blocks.Select((b, i) => b == BlockKind.Concat && widths[i] < 2 ? BlockKind.Plain : b)];
        }

        if (loss == LossKind.BinaryCrossEntropy)
        {
            // Binary cross-entropy takes probabilities: the network must end in a sigmoid.
            activations = [.. activations];
            activations[^1] = new ActivationSpec(ActivationKind.Sigmoid);

            // ... and a plain last unit: a residual or summed sigmoid is no probability.
            blocks = [.. blocks];
            blocks[^1] = BlockKind.Plain;
        }

        Seed = seed;
        InputWidth = inputWidth;
        Batch = batch;
        Widths = widths;
        Activations = activations;
        Loss = loss;
        Penalty = penalty;
        PenaltyWeight = penalty == PenaltyKind.None ? 0 : penaltyWeight;
        Blocks = blocks;
    }

    /// <summary>How each Dense-and-activation unit is wrapped (all <see cref="BlockKind.Plain"/> for a plain perceptron).</summary>
    public IReadOnlyList<BlockKind> Blocks { get; }

    /// <summary>The seed every random number of the case comes from.</summary>
    public long Seed { get; }

    /// <summary>The number of input features.</summary>
    public int InputWidth { get; }

    /// <summary>The batch size.</summary>
    public int Batch { get; }

    /// <summary>The output width of each Dense layer.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>The activation after each Dense layer.</summary>
    public IReadOnlyList<ActivationSpec> Activations { get; }

    /// <summary>The loss.</summary>
    public LossKind Loss { get; }

    /// <summary>The penalty added to the loss.</summary>
    public PenaltyKind Penalty { get; }

    /// <summary>The penalty's weight λ.</summary>
    public double PenaltyWeight { get; }

    /// <summary>The widest scan unit: its steps are one per feature, and the depth counts them.</summary>
    public const int MaxScanSteps = 4;

    /// <summary>The number of Dense layers (units).</summary>
    public int Depth => Widths.Count;

    /// <summary>
    /// Layers on the longest path from input to output, for the float32 bound: one per unit, plus one per step
    /// of a scan unit (the output of its last step read depends on the first through every step, each a
    /// layer: a dot product and a tanh).
    /// </summary>
    public int PathDepth => Depth + Widths.Where((w, i) => Blocks[i] == BlockKind.Scan).Sum();

    /// <summary>
    /// The longest dot product, inputs included: the largest width, and 2 where a scan unit's cell adds
    /// x_t·w_ih + h·w_hh (the length F + H of a step, as in the scan tests).
    /// </summary>
    public int MaxWidth => Math.Max(Math.Max(InputWidth, Widths.Max()), Blocks.Contains(BlockKind.Scan) ? 2 : 0);

    /// <summary>The output width (classes for the cross-entropies).</summary>
    public int OutputWidth => Widths[^1];

    /// <summary>The FsCheck arbitrary: generator and shrinker of cases.</summary>
    public static Arbitrary<NetworkCase> Arbitrary { get; } = Arb.From(Generator(), Shrink);

    /// <summary>Creates a case (normalizing it: BCE forces a final sigmoid).</summary>
    public static NetworkCase Create(long seed, int inputWidth, int batch, int[] widths, ActivationSpec[] activations, LossKind loss, PenaltyKind penalty = PenaltyKind.None, double penaltyWeight = 0, BlockKind[]? blocks = null) =>
        new(seed, inputWidth, batch, widths, activations, loss, penalty, penaltyWeight, blocks);

    /// <summary>
    /// The model: Dense(in→w₁), act₁, Dense(w₁→w₂), act₂, ... for plain units (Dense i at position 2i when all
    /// are plain); a wrapped unit (<see cref="BlockKind"/>) is one layer of the chain, its Dense the body's or
    /// first branch's child 0.
    /// </summary>
    public Sequential Model()
    {
        var layers = new List<Layer>();
        var input = InputWidth;
        for (var i = 0; i < Depth; i++)
        {
            var unit = new Sequential(new Dense(input, Widths[i]), Activations[i].Build());
            switch (Blocks[i])
            {
                case BlockKind.Residual:
                    layers.Add(new Residual(unit, input == Widths[i] ? null : new Dense(input, Widths[i], bias: false)));
                    break;
                case BlockKind.Sum:
                    layers.Add(new Branches(Join.Sum, unit, new Dense(input, Widths[i])));
                    break;
                case BlockKind.Product:
                    layers.Add(new Branches(Join.Product, unit, new Dense(input, Widths[i])));
                    break;
                case BlockKind.Concat:
                    layers.Add(new Branches(Join.Concat(), new Sequential(new Dense(input, DenseWidth(i)), Activations[i].Build()), new Dense(input, Widths[i] / 2)));
                    break;
                case BlockKind.Scan:
                    layers.Add(new Sequential(unit.Layers[0], unit.Layers[1], new FeaturesAsSteps(new Scan(new RnnCell(1, 1), reverse: i % 2 == 1))));
                    break;
                default:
                    layers.AddRange(unit.Layers);
                    break;
            }

            input = Widths[i];
        }

        return new Sequential(layers);
    }

    /// <summary>Where unit i's layers are: the chain position of its first layer, and the path of its Dense's parameters.</summary>
    private (int Position, string DensePath) Unit(int i)
    {
        var position = 0;
        for (var j = 0; j < i; j++)
        {
            position += Blocks[j] == BlockKind.Plain ? 2 : 1;
        }

        var p = position.ToString(CultureInfo.InvariantCulture);
        return (position, Blocks[i] switch
        {
            BlockKind.Residual => p + ".body.0",
            BlockKind.Sum or BlockKind.Product or BlockKind.Concat => p + ".0.0",
            BlockKind.Scan => p + ".0",
            _ => p,
        });
    }

    /// <summary>The output width of unit i's Dense (the first branch's share of a concatenation).</summary>
    private int DenseWidth(int i) => Blocks[i] == BlockKind.Concat ? Widths[i] - Widths[i] / 2 : Widths[i];

    /// <summary>The model's layers as <see cref="Layer.Describe"/> gives them.</summary>
    public string Architecture => string.Join(", ", Model().Layers.Select(l => l.Describe()));

    /// <summary>The parameters, drawn from the case's key (the same values on every backend, rounded to its dtype).</summary>
    public TensorTree Parameters(Backend backend) => Model().Init(Root.Fold(0), backend);

    /// <summary>The inputs [batch, inputWidth], standard normal, drawn from the case's key.</summary>
    public Tensor Input(Backend backend) => backend.FromArray(Root.Fold(1).Normal(Batch * InputWidth), new Shape(Batch, InputWidth));

    /// <summary>The loss as a function of the network's output, with its targets on <paramref name="backend"/>.</summary>
    public Func<Tensor, Tensor> LossFunction(Backend backend)
    {
        var key = Root.Fold(2);
        var n = Batch * OutputWidth;
        var shape = new Shape(Batch, OutputWidth);
        switch (Loss)
        {
            case LossKind.MeanSquaredError:
                {
                    var target = backend.FromArray(key.Normal(n), shape);
                    return y => Losses.MeanSquaredError(y, target);
                }

            case LossKind.HalfSquaredError:
                {
                    var target = backend.FromArray(key.Normal(n), shape);
                    return y => Losses.HalfSquaredError(y, target);
                }

            case LossKind.BinaryCrossEntropy:
                {
                    var target = backend.FromArray(key.Uniform(n), shape);
                    return p => Losses.BinaryCrossEntropy(p, target);
                }

            case LossKind.BinaryCrossEntropyWithLogits:
                {
                    var target = backend.FromArray(key.Uniform(n), shape);
                    return z => Losses.BinaryCrossEntropyWithLogits(z, target);
                }

            case LossKind.SoftmaxCrossEntropyWithIndices:
                {
                    var classes = ClassIndices();
                    return z => Losses.SoftmaxCrossEntropy(z, classes);
                }

            case LossKind.SoftmaxCrossEntropyWithProbabilities:
                {
                    var target = backend.FromArray(TargetProbabilities(), shape);
                    return z => Losses.SoftmaxCrossEntropy(z, target);
                }

            default:
                throw new InvalidOperationException($"unknown loss {Loss}");
        }
    }

    /// <summary>The class indices for <see cref="LossKind.SoftmaxCrossEntropyWithIndices"/>.</summary>
    public int[] ClassIndices() =>
        Root.Fold(2).Uniform(Batch).Select(u => Math.Min(OutputWidth - 1, (int)(u * OutputWidth))).ToArray();

    /// <summary>Target rows on the simplex (softmax of 2·N(0, 1)) for <see cref="LossKind.SoftmaxCrossEntropyWithProbabilities"/>.</summary>
    public double[] TargetProbabilities()
    {
        var z = Root.Fold(2).Normal(Batch * OutputWidth);
        var t = new double[z.Length];
        for (var r = 0; r < Batch; r++)
        {
            var row = z.AsSpan(r * OutputWidth, OutputWidth);
            var m = double.NegativeInfinity;
            foreach (var v in row)
            {
                m = Math.Max(m, 2 * v);
            }

            double s = 0;
            for (var j = 0; j < OutputWidth; j++)
            {
                t[r * OutputWidth + j] = Math.Exp(2 * row[j] - m);
                s += t[r * OutputWidth + j];
            }

            for (var j = 0; j < OutputWidth; j++)
            {
                t[r * OutputWidth + j] /= s;
            }
        }

        return t;
    }

    /// <summary>The penalty of the parameters (λ·Σ|w| or λ·Σw²), or null when there is none.</summary>
    public Tensor? PenaltyOf(TensorTree parameters) => Penalty switch
    {
        PenaltyKind.None => null,
        PenaltyKind.L1 => Penalties.L1(parameters) * PenaltyWeight,
        PenaltyKind.L2 => Penalties.L2(parameters) * PenaltyWeight,
        _ => throw new InvalidOperationException($"unknown penalty {Penalty}"),
    };

    /// <summary>The training objective on <paramref name="backend"/>: loss(model(p, x)) + penalty(p).</summary>
    public Func<TensorTree, Tensor> Objective(Backend backend)
    {
        var model = Model();
        var x = Input(backend);
        var loss = LossFunction(backend);
        return p =>
        {
            var value = loss(model.Apply(p, x));
            var penalty = PenaltyOf(p);
            return penalty is null ? value : value + penalty;
        };
    }

    /// <summary>
    /// Evaluates the objective layer by layer, returning also the pre-activation (the Dense output)
    /// of every kinked activation, from which <see cref="KinkSignature"/> is read. The same
    /// arithmetic as <see cref="Objective"/>: Sequential applies its children in this order.
    /// </summary>
    public (double Loss, List<double[]> KinkedPreActivations) Evaluate(TensorTree parameters, Tensor x, Func<Tensor, Tensor> loss)
    {
        var model = Model();
        var pre = new List<double[]>();
        var h = x;
        for (var unit = 0; unit < Depth; unit++)
        {
            var (position, densePath) = Unit(unit);
            var name = position.ToString(CultureInfo.InvariantCulture);
            if (Blocks[unit] == BlockKind.Plain)
            {
                var z = model.Layers[position].Apply(parameters.Child(name), TensorTree.Empty, h, Context.Eval).Output;
                if (Activations[unit].HasKink)
                {
                    pre.Add(z.ToArray());
                }

                h = model.Layers[position + 1].Apply(parameters.Child((position + 1).ToString(CultureInfo.InvariantCulture)), TensorTree.Empty, z, Context.Eval).Output;
                continue;
            }

            // A wrapped unit runs as the container runs it; its Dense's output (the kinked pre-activation) is
            // recomputed from the same parameters and input, the same arithmetic as inside the block.
            if (Activations[unit].HasKink)
            {
                pre.Add(new Dense(h.Shape[1], DenseWidth(unit)).Apply(parameters.Child(densePath), h).ToArray());
            }

            h = model.Layers[position].Apply(parameters.Child(name), TensorTree.Empty, h, Context.Eval).Output;
        }

        var value = loss(h);
        var penalty = PenaltyOf(parameters);
        return ((penalty is null ? value : value + penalty).Item(), pre);
    }

    /// <summary>
    /// Per leaf, the magnitude from which its gradient is made, for the floor of gradient comparisons: the largest
    /// entry of ∂(Σ r ⊙ z / N)/∂leaf on the Reference backend, z the network's output [N, K] and r standard normal
    /// (drawn from the case). Every loss here has ∂L/∂z a difference of terms of size about 1/N (p − y, σ(z) − y,
    /// z − y over the entries); where that difference cancels (a softmax saturated on its target: p − 1 ≈ −3e-18),
    /// the whole gradient is rounding of those O(1/N) terms carried back through the network, and its own size is the
    /// wrong yardstick, as the output's is for <see cref="OutputMagnitude"/>.
    /// </summary>
    public IReadOnlyDictionary<string, double> GradientMagnitude(Backend backend)
    {
        var model = Model();
        var x = Input(backend);
        var parameters = Parameters(backend);
        var r = backend.FromArray(Root.Fold(7).Normal(Batch * OutputWidth), new Shape(Batch, OutputWidth));
        var (_, g) = Grad.ValueAndGrad(p => (model.Apply(p, x) * r).Sum() * (1.0 / Batch), parameters);
        return g.ToDictionary(l => l.Key, l => l.Value.ToArray().Select(Math.Abs).DefaultIfEmpty(0).Max());
    }

    /// <summary>
    /// The magnitude from which the output is made, for the floor of output comparisons: the largest
    /// Σⱼ |Wᵢⱼ||hₙⱼ| + |bᵢ| of the last Dense layer (h its input), times the last activation's largest
    /// slope in ∞-norm (1 for Identity, Tanh, ReLU, LeakyReLU; ¼ for Sigmoid; max(1, α) for ELU; ½ for
    /// Softmax, ‖diag(y) − yyᵀ‖∞ ≤ ½; 2 for LogSoftmax, ‖I − 1yᵀ‖∞ ≤ 2). Rounding errors of a dot product
    /// are bounded relative to Σ|wⱼxⱼ|, not to |Σwⱼxⱼ| (Higham, Accuracy and Stability, §3.1): where the
    /// output cancels to nearly zero, its own size is the wrong yardstick.
    /// </summary>
    public double OutputMagnitude(TensorTree parameters, Tensor input)
    {
        var model = Model();
        var (last, prefix) = Unit(Depth - 1);
        var h = input;
        for (var i = 0; i < last; i++)
        {
            h = model.Layers[i].Apply(parameters.Child(i.ToString(CultureInfo.InvariantCulture)), TensorTree.Empty, h, Context.Eval).Output;
        }

        var x = h.ToArray();
        int rows = h.Shape[0], n = h.Shape[1];
        double Made(string weight, string? bias)
        {
            var w = parameters[weight].ToArray();
            var b = bias is null ? null : parameters[bias].ToArray();
            var m = w.Length / n;
            double largest = 0;
            for (var r = 0; r < rows; r++)
            {
                for (var i = 0; i < m; i++)
                {
                    var s = b is null ? 0 : Math.Abs(b[i]);
                    for (var j = 0; j < n; j++)
                    {
                        s += Math.Abs(w[i * n + j] * x[r * n + j]);
                    }

                    largest = Math.Max(largest, s);
                }
            }

            return largest;
        }

        var g = Made(prefix + ".weight", prefix + ".bias");
        var slope = Activations[^1].Kind switch
        {
            ActivationKind.Sigmoid => 0.25,
            ActivationKind.ELU => Math.Max(1, Activations[^1].Alpha),
            ActivationKind.Softmax => 0.5,
            ActivationKind.LogSoftmax => 2,
            _ => 1,
        };

        var lastName = last.ToString(CultureInfo.InvariantCulture);
        switch (Blocks[^1])
        {
            case BlockKind.Product:
                {
                    // y = a ⊙ b: an error δa reaches y as δa·b, an error δb as a·δb, so the terms a and b are
                    // made of are weighed by the other factor: slope·G_a·max|b| + max|a|·G_b.
                    var parts = ((Branches)model.Layers[last]).ApplyBranches(parameters.Child(lastName), TensorTree.Empty, h, Context.Eval).Outputs;
                    return slope * g * parts[1].ToArray().Max(Math.Abs) + parts[0].ToArray().Max(Math.Abs) * Made($"{last}.1.weight", $"{last}.1.bias");
                }

            case BlockKind.Concat:
                // Each output entry comes from one branch: the larger of the two magnitudes.
                return Math.Max(slope * g, Made($"{last}.1.weight", $"{last}.1.bias"));

            case BlockKind.Scan:
                return ScanMagnitude((Sequential)model.Layers[last], parameters.Child(lastName), h);
        }

        // A wrapped last unit adds the magnitude of the other summand: the input itself, the projection, or the
        // linear branch (the largest of each, a bound on the largest entry of the sum's terms).
        var other = Blocks[^1] switch
        {
            BlockKind.Residual when n == Widths[^1] => x.Max(Math.Abs),
            BlockKind.Residual => Made($"{last}.shortcut.weight", null),
            BlockKind.Sum => Made($"{last}.1.weight", $"{last}.1.bias"),
            _ => 0,
        };

        return slope * g + other;
    }

    /// <summary>
    /// The magnitude a last scan unit's output is made from: step t computes h_t = tanh(w_ih·x_t + b_ih +
    /// w_hh·h_prev + b_hh) (slope ≤ 1) from the unit's activations x and the previous step read, so the
    /// largest |w_ih·x_t| + |b_ih| + |w_hh·h_prev| + |b_hh| over the batch and the steps.
    /// </summary>
    private static double ScanMagnitude(Sequential unit, TensorTree parameters, Tensor input)
    {
        var dense = unit.Layers[0].Apply(parameters.Child("0"), TensorTree.Empty, input, Context.Eval).Output;
        var x = unit.Layers[1].Apply(TensorTree.Empty, TensorTree.Empty, dense, Context.Eval).Output;
        var steps = (FeaturesAsSteps)unit.Layers[2];
        var cell = parameters.Child("2");
        var y = steps.Apply(cell, x).ToArray();
        var xs = x.ToArray();
        double wih = cell["weight_ih"].Item(), whh = cell["weight_hh"].Item(), bih = cell["bias_ih"].Item(), bhh = cell["bias_hh"].Item();
        int rows = x.Shape[0], t = x.Shape[1];
        double largest = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < t; i++)
            {
                var previous = steps.Scan.Reverse ? i + 1 : i - 1;
                var h = previous < 0 || previous >= t ? 0 : y[r * t + previous];
                largest = Math.Max(largest, Math.Abs(wih * xs[r * t + i]) + Math.Abs(bih) + Math.Abs(whh * h) + Math.Abs(bhh));
            }
        }

        return largest;
    }

    /// <summary>Which side of its kink every kinked pre-activation lies on (true for x &gt; 0).</summary>
    public static bool[] KinkSignature(List<double[]> kinkedPreActivations) =>
        kinkedPreActivations.SelectMany(a => a.Select(v => v > 0)).ToArray();

    /// <summary>The case in one line: the seed, the shapes, the layers (via Describe), the loss.</summary>
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"NetworkCase(seed {Seed}, input [{Batch}, {InputWidth}], layers [{Architecture}]{(Blocks.All(b => b == BlockKind.Plain) ? "" : $", blocks [{string.Join(", ", Blocks)}]")}, loss {Loss}{(Penalty == PenaltyKind.None ? "" : $" + {PenaltyWeight:G}·{Penalty}")})");

    private Key Root => Key.FromSeed(Seed);

    private static Gen<NetworkCase> Generator()
    {
        var width = Gen.Frequency((1, Gen.Choose(1, 4)), (3, Gen.Choose(1, 64)));
        var activation = Gen.OneOf(
            Gen.Constant(new ActivationSpec(ActivationKind.Identity)),
            Gen.Constant(new ActivationSpec(ActivationKind.Sigmoid)),
            Gen.Constant(new ActivationSpec(ActivationKind.Tanh)),
            Gen.Constant(new ActivationSpec(ActivationKind.ReLU)),
            Gen.Choose(0, 99).Select(a => new ActivationSpec(ActivationKind.LeakyReLU, a / 100.0)),
            Gen.Choose(1, 20).Select(a => new ActivationSpec(ActivationKind.ELU, a / 10.0)),
            Gen.Constant(new ActivationSpec(ActivationKind.Softmax)),
            Gen.Constant(new ActivationSpec(ActivationKind.LogSoftmax)));
        var block = Gen.Frequency(
            (6, Gen.Constant(BlockKind.Plain)),
            (1, Gen.Constant(BlockKind.Residual)),
            (1, Gen.Constant(BlockKind.Sum)),
            (1, Gen.Constant(BlockKind.Product)),
            (1, Gen.Constant(BlockKind.Concat)),
            (1, Gen.Constant(BlockKind.Scan)));
        var penalty = Gen.Frequency(
            (4, Gen.Constant(PenaltyKind.None)),
            (1, Gen.Constant(PenaltyKind.L1)),
            (1, Gen.Constant(PenaltyKind.L2)));

        return
            from seed in Gen.Choose(0, int.MaxValue)
            from depth in Gen.Choose(1, 6)
            from inputWidth in width
            from widths in Gen.ArrayOf(width, depth)
            from activations in Gen.ArrayOf(activation, depth)
            from batch in Gen.Choose(1, 16)
            from loss in Gen.Elements(Enum.GetValues<LossKind>())
            from pen in penalty
            from lambda in Gen.Choose(1, 100)
            from blocks in Gen.ArrayOf(block, depth)
            // A scan unit reads one step per feature: its width is capped (see MaxScanSteps).
            select Create(seed, inputWidth, batch, [.. widths.Select((w, i) => blocks[i] == BlockKind.Scan ? Math.Min(w, MaxScanSteps) : w)], activations, loss, pen, lambda / 1000.0, blocks);
    }

    /// <summary>Smaller cases first: fewer layers, smaller batch and widths, plainer activations and loss. The seed stays.</summary>
    private static IEnumerable<NetworkCase> Shrink(NetworkCase c)
    {
        NetworkCase With(int? inputWidth = null, int? batch = null, int[]? widths = null, ActivationSpec[]? activations = null, LossKind? loss = null, PenaltyKind? penalty = null, BlockKind[]? blocks = null) =>
            Create(c.Seed, inputWidth ?? c.InputWidth, batch ?? c.Batch, widths ?? [.. c.Widths], activations ?? [.. c.Activations], loss ?? c.Loss, penalty ?? c.Penalty, c.PenaltyWeight, blocks ?? [.. c.Blocks]);

        for (var i = 0; i < c.Depth && c.Depth > 1; i++)
        {
            yield return With(widths: [.. c.Widths.Where((_, j) => j != i)], activations: [.. c.Activations.Where((_, j) => j != i)], blocks: [.. c.Blocks.Where((_, j) => j != i)]);
        }

        for (var i = 0; i < c.Depth; i++)
        {
            if (c.Blocks[i] != BlockKind.Plain)
            {
                var blocks = c.Blocks.ToArray();
                blocks[i] = BlockKind.Plain;
                yield return With(blocks: blocks);
            }
        }

        if (c.Penalty != PenaltyKind.None)
        {
            yield return With(penalty: PenaltyKind.None);
        }

        foreach (var b in Smaller(c.Batch))
        {
            yield return With(batch: b);
        }

        foreach (var w in Smaller(c.InputWidth))
        {
            yield return With(inputWidth: w);
        }

        for (var i = 0; i < c.Depth; i++)
        {
            foreach (var w in Smaller(c.Widths[i]))
            {
                var widths = c.Widths.ToArray();
                widths[i] = w;
                yield return With(widths: widths);
            }
        }

        for (var i = 0; i < c.Depth; i++)
        {
            if (c.Activations[i].Kind != ActivationKind.Identity && !(c.Loss == LossKind.BinaryCrossEntropy && i == c.Depth - 1))
            {
                var activations = c.Activations.ToArray();
                activations[i] = new ActivationSpec(ActivationKind.Identity);
                yield return With(activations: activations);
            }
        }

        if (c.Loss != LossKind.MeanSquaredError)
        {
            yield return With(loss: LossKind.MeanSquaredError);
        }
    }

    private static IEnumerable<int> Smaller(int n)
    {
        if (n > 1)
        {
            yield return 1;
        }

        if (n / 2 > 1)
        {
            yield return n / 2;
        }

        if (n - 1 > 1 && n - 1 != n / 2)
        {
            yield return n - 1;
        }
    }
}
