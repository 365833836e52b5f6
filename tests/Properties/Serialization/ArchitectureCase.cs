using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Serialization;

namespace Functional.Nets.Tests.Serialization;

/// <summary>
/// Generated architecture files: nested <see cref="Sequential"/> containers of every layer kind in
/// <see cref="ArchitectureRegistry.Default"/> with random hyperparameters and initializers, and random
/// root fields. Shapes need not fit: serialization and initialization do not run the model.
/// </summary>
public static class ArchitectureCase
{
    /// <summary>The arbitrary of model files (no shrinking: the printed JSON is the reproduction).</summary>
    public static Arbitrary<ModelSpec> Arbitrary { get; } = Arb.From(Spec());

    /// <summary>One instance of every built-in layer kind, to prove the generator and registry cover each other.</summary>
    public static IReadOnlyList<Layer> OneOfEach =>
    [
        new Sequential(new Identity()),
        new Dense(3, 2, bias: false, weightInit: Initializer.HeUniform(FanMode.FanOut, 0.5)),
        new Identity(), new Sigmoid(), new Tanh(), new ReLU(), new LeakyReLU(0.2), new ELU(0.7),
        new Softmax(), new LogSoftmax(), new Dropout(0.25, DropoutKind.Classic), new BatchNorm(5, 0.2, 1e-3, affine: false, trackRunningStats: true),
        new DropConnect(4, 3, 0.3, DropoutKind.Classic, bias: true, weightInit: Initializer.GlorotNormal(), biasInit: Initializer.Zeros),
        new Residual(new Dense(3, 3), new Dense(3, 3, bias: false)),
        new Branches(Join.Product, new Tanh(), new Sigmoid()),
        new Branches(Join.BroadcastProduct, new Identity(), new Sigmoid()), new Branches(Join.BroadcastSum, new Identity(), new Tanh()),
        new Branches(Join.Concat(1), new Dense(3, 2), new Identity()),
        new Scan(new RnnCell(3, 4, bias: false, RnnNonlinearity.ReLU), reverse: true),
        new Scan(new LstmCell(3, 4)),
        new Scan(new PeepholeLstmCell(3, 4, LstmPeepholes.Forget | LstmPeepholes.Output, bias: false), reverse: true),
        new Scan(GruCell.Lecture(3, 4)),
        new EvalMode(new BatchNorm(3)),
        new MaxPool2d(PoolWindow.Of((3, 2), (2, 1), (1, 0), (2, 1), ceilMode: true)), new MaxPool1d(3, 2, 1, 2, ceilMode: true),
        new AvgPool2d(PoolWindow.Of((3, 3), (2, 2), (1, 1), ceilMode: true), countIncludePad: false), new AvgPool1d(2, 1, 1, false, countIncludePad: false),
        new AdaptiveAvgPool2d(3, 2), AdaptiveAvgPool2d.Global, new AdaptiveAvgPool1d(4), new Flatten(2), new Dropout2d(0.3), new RandomShift(2, 5, 4, horizontalFlip: true), new RandomAffine(10, 0.1, 1.5, 5, 4),
        new Conv1d(4, 6, 3, stride: 2, padding: Padding.Explicit((1, 2)), groups: 2, bias: false),
        new Conv2d(3, 6, (3, 5), (2, 1), Padding.Half, (1, 1), groups: 3),
        new Conv2d(2, 4, 3, padding: Padding.Full, weightInit: Initializer.HeNormal()),
        new ConvTranspose2d(4, 2, (3, 3), (2, 2), (1, 1), (1, 0), groups: 2, dilation: (1, 2)),
        new Rnn(3, 4, layers: 2, bidirectional: true, batchFirst: false, dropout: 0.1, bias: false, nonlinearity: RnnNonlinearity.ReLU),
        new Lstm(3, 4, layers: 3, dropout: 1.0 / 3),
        new Gru(3, 4, bidirectional: true, resetBeforeWeight: true),
        new Embedding(7, 3, paddingIndex: 2, maxNorm: 1.5, frozen: true, weightInit: Initializer.Uniform(-0.5, 0.5)), new Embedding(4, 2),
    ];

    private static Gen<ModelSpec> Spec() =>
        from model in Layer(2)
        from loss in Gen.Elements<ModelLoss?>(null, ModelLoss.MeanSquaredError, ModelLoss.BinaryCrossEntropy, ModelLoss.SoftmaxCrossEntropy, ModelLoss.HalfSquaredError, ModelLoss.BinaryCrossEntropyWithLogits)
        from input in Gen.Elements<Shape?>(null, new Shape(3), new Shape(784), new Shape(1, 28, 28))
        from description in Gen.Elements<string?>(null, "a model", "quotes \" and unicode → σ′")
        select new ModelSpec(model, loss, input, description);

    private static Gen<Layer> Layer(int depth) =>
        depth == 0
            ? Leaf()
            : Gen.Frequency(
                (3, Leaf()),
                (1, from n in Gen.Choose(1, 4) from children in Gen.ListOf(Layer(depth - 1), n) select (Layer)new Sequential(children)),
                (1, from body in Layer(depth - 1) from shortcut in Shortcut() select (Layer)new Residual(body, shortcut)),
                (1, from merge in Joins() from n in Gen.Choose(1, 3) from branches in Gen.ListOf(Layer(depth - 1), n) select (Layer)new Branches(merge, branches)),
                (1, from inner in Layer(depth - 1) select (Layer)new EvalMode(inner)));

    private static Gen<Layer?> Shortcut() => Gen.OneOf(Gen.Constant<Layer?>(null), Leaf().Select(l => (Layer?)l));

    private static Gen<Join> Joins() => Gen.OneOf(Gen.Elements(Join.Sum, Join.Product, Join.BroadcastSum, Join.BroadcastProduct), Gen.Choose(-3, 2).Select(Join.Concat));

    private static Gen<Layer> Leaf() => Gen.OneOf(
        from i in Gen.Choose(1, 8)
        from o in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        from w in Init()
        from b in Init()
        select (Layer)new Dense(i, o, bias, w, b),
        Gen.Elements<Layer>(new Identity(), new Sigmoid(), new Tanh(), new ReLU(), new Softmax(), new LogSoftmax()),
        from a in Fraction() select (Layer)new LeakyReLU(a * 0.999),
        from a in Fraction() select (Layer)new ELU(0.01 + 3 * a),
        from p in Fraction() from kind in Gen.Elements(DropoutKind.Inverted, DropoutKind.Classic) select (Layer)new Dropout(p * 0.99, kind),
        from i in Gen.Choose(1, 8)
        from h in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        from nonlinearity in Gen.Elements(RnnNonlinearity.Tanh, RnnNonlinearity.ReLU)
        from reverse in Gen.Elements(true, false)
        select (Layer)new Scan(new RnnCell(i, h, bias, nonlinearity), reverse),
        from i in Gen.Choose(1, 8)
        from h in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        from kind in Gen.Choose(0, 2)
        from flag in Gen.Elements(true, false)
        from peepholes in Gen.Choose(0, 7)
        from reverse in Gen.Elements(true, false)
        select (Layer)new Scan(
            kind switch
            {
                0 => new LstmCell(i, h, bias),
                1 => new PeepholeLstmCell(i, h, (LstmPeepholes)peepholes, bias),
                _ => new GruCell(i, h, bias, resetBeforeWeight: flag),
            },
            reverse),
        from i in Gen.Choose(1, 8)
        from o in Gen.Choose(1, 8)
        from p in Fraction()
        from kind in Gen.Elements(DropoutKind.Inverted, DropoutKind.Classic)
        from bias in Gen.Elements(true, false)
        from w in Init()
        from b in Init()
        select (Layer)new DropConnect(i, o, p * 0.99, kind, bias, w, b),
        from kind in Gen.Choose(0, 2)
        from i in Gen.Choose(1, 8)
        from h in Gen.Choose(1, 8)
        from layers in Gen.Choose(1, 3)
        from flags in Gen.Choose(0, 15)
        from p in Fraction()
        select kind switch
        {
            0 => (Layer)new Rnn(i, h, layers, (flags & 1) != 0, (flags & 2) != 0, p * 0.99, (flags & 4) != 0, (flags & 8) != 0 ? RnnNonlinearity.ReLU : RnnNonlinearity.Tanh),
            1 => new Lstm(i, h, layers, (flags & 1) != 0, (flags & 2) != 0, p * 0.99, (flags & 4) != 0),
            _ => new Gru(i, h, layers, (flags & 1) != 0, (flags & 2) != 0, p * 0.99, (flags & 4) != 0, (flags & 8) != 0),
        },
        from f in Gen.Choose(1, 8)
        from m in Fraction()
        from affine in Gen.Elements(true, false)
        from track in Gen.Elements(true, false)
        select (Layer)new BatchNorm(f, m, 1e-5 + m * 1e-3, affine, track),
        from count in Gen.Choose(1, 9)
        from dimension in Gen.Choose(1, 8)
        from flags in Gen.Choose(0, 7)
        from m in Fraction()
        from w in Init()
        select (Layer)new Embedding(count, dimension, (flags & 1) != 0 ? count - 1 : null, (flags & 2) != 0 ? 0.5 + m : null, (flags & 4) != 0, w));

    /// <summary>Doubles in [0, 1) with awkward decimal expansions (1/3, 0.1·k), to test shortest round-trip text.</summary>
    private static Gen<double> Fraction() =>
        Gen.OneOf(
            from k in Gen.Choose(0, 999) select k / 1000.0,
            from k in Gen.Choose(1, 99) select 1.0 / (k + 1),
            from k in Gen.Choose(0, 9) select 0.1 * k);

    private static Gen<Initializer> Init() => Gen.OneOf(
        Gen.Elements(Initializer.TorchDefault, Initializer.Zeros),
        from v in Fraction() select Initializer.Constant(v - 0.5),
        from m in Fraction() from s in Fraction() select Initializer.Normal(m - 0.5, s),
        from a in Fraction() from w in Fraction() select Initializer.Uniform(a - 1, a - 1 + w),
        from g in Fraction() select Initializer.GlorotUniform(0.5 + g),
        from g in Fraction() select Initializer.GlorotNormal(0.5 + g),
        from g in Fraction() from mode in Gen.Elements(FanMode.FanIn, FanMode.FanOut) select Initializer.HeNormal(mode, 1 + g),
        from g in Fraction() from mode in Gen.Elements(FanMode.FanIn, FanMode.FanOut) select Initializer.HeUniform(mode, 1 + g));
}
