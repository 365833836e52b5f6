namespace Functional.Nets.Serialization;

/// <summary>
/// The library's own layers and initializers in architecture JSON. A new layer joins the format with
/// one entry in <see cref="Layers"/> (tests/Properties round-trips every entry).
/// </summary>
internal static class BuiltInKinds
{
    public static IEnumerable<LayerKind> Layers =>
    [
        LayerKind.Of<Sequential>("Sequential", r => new Sequential(r.Layers("layers")), (s, w) => w.Layers("layers", s.Layers)),
        LayerKind.Of<Residual>(
            "Residual",
            r => new Residual(r.Layer("body"), r.Has("shortcut") ? r.Layer("shortcut") : null),
            (res, w) =>
            {
                w.Layer("body", res.Body);
                if (res.Shortcut is { } shortcut)
                {
                    w.Layer("shortcut", shortcut);
                }
            }),
        LayerKind.Of<Branches>(
            "Branches",
            r => new Branches(ReadJoin(r), r.Layers("branches")),
            (p, w) =>
            {
                WriteJoin(p.Join, w);
                w.Layers("branches", p.Layers);
            }),
        LayerKind.Of<Scan>("Scan", r => new Scan(ReadCell(r), r.Bool("reverse", false)), (s, w) => WriteCell(s.Cell, w).Bool("reverse", s.Reverse)),
        LayerKind.Of<Dense>(
            "Dense",
            r => new Dense(r.Int("inputs"), r.Int("outputs"), r.Bool("bias", true), r.Initializer("weightInit"), r.Initializer("biasInit")),
            (d, w) =>
            {
                w.Int("inputs", d.Inputs).Int("outputs", d.Outputs).Bool("bias", d.HasBias).Initializer("weightInit", d.WeightInit);
                if (d.HasBias)
                {
                    w.Initializer("biasInit", d.BiasInit);
                }
            }),
        LayerKind.Plain<Identity>("Identity"),
        LayerKind.Plain<Sigmoid>("Sigmoid"),
        LayerKind.Plain<Tanh>("Tanh"),
        LayerKind.Plain<ReLU>("ReLU"),
        LayerKind.Of<LeakyReLU>("LeakyReLU", r => new LeakyReLU(r.Double("alpha", 0.01)), (l, w) => w.Double("alpha", l.Alpha)),
        LayerKind.Of<ELU>("ELU", r => new ELU(r.Double("alpha", 1.0)), (l, w) => w.Double("alpha", l.Alpha)),
        LayerKind.Plain<Softmax>("Softmax"),
        LayerKind.Plain<LogSoftmax>("LogSoftmax"),
        LayerKind.Of<Dropout>("Dropout", r => new Dropout(r.Double("p", 0.5), r.Enum("kind", DropoutKind.Inverted)), (d, w) => w.Double("p", d.P).Enum("kind", d.Kind)),
        .. PoolingKinds.Layers,
        .. RecurrentKinds.Layers,
        .. EmbeddingKinds.Layers,
        LayerKind.Of<DropConnect>(
            "DropConnect",
            r => new DropConnect(
                r.Int("inputs"), r.Int("outputs"), r.Double("p", 0.5), r.Enum("kind", DropoutKind.Inverted), r.Bool("bias", true),
                r.Initializer("weightInit"), r.Initializer("biasInit")),
            (d, w) =>
            {
                w.Int("inputs", d.Inputs).Int("outputs", d.Outputs).Double("p", d.P).Enum("kind", d.Kind).Bool("bias", d.HasBias)
                    .Initializer("weightInit", d.WeightInit);
                if (d.HasBias)
                {
                    w.Initializer("biasInit", d.BiasInit);
                }
            }),
        LayerKind.Of<EvalMode>("EvalMode", r => new EvalMode(r.Layer("layer")), (e, w) => w.Layer("layer", e.Inner)),
        LayerKind.Of<Conv1d>(
            "Conv1d",
            r => new Conv1d(
                r.Int("inChannels"), r.Int("outChannels"), r.Int("kernel"), r.Int("stride", 1), ReadPadding(r), r.Int("dilation", 1), r.Int("groups", 1),
                r.Bool("bias", true), r.Initializer("weightInit"), r.Initializer("biasInit")),
            (c, w) => WriteConvolution(c, w.Int("inChannels", c.InChannels).Int("outChannels", c.OutChannels).Int("kernel", c.Kernel[0]).Int("stride", c.Stride[0]).Int("dilation", c.Dilation[0]))),
        LayerKind.Of<Conv2d>(
            "Conv2d",
            r => new Conv2d(
                r.Int("inChannels"), r.Int("outChannels"), Pair(r, "kernel", null), Pair(r, "stride", 1), ReadPadding(r), Pair(r, "dilation", 1), r.Int("groups", 1),
                r.Bool("bias", true), r.Initializer("weightInit"), r.Initializer("biasInit")),
            (c, w) => WriteConvolution(c, w.Int("inChannels", c.InChannels).Int("outChannels", c.OutChannels).Ints("kernel", c.Kernel).Ints("stride", c.Stride).Ints("dilation", c.Dilation))),
        LayerKind.Of<ConvTranspose2d>(
            "ConvTranspose2d",
            r => new ConvTranspose2d(
                r.Int("inChannels"), r.Int("outChannels"), Pair(r, "kernel", null), Pair(r, "stride", 1), Pair(r, "padding", 0), Pair(r, "outputPadding", 0), r.Int("groups", 1),
                r.Bool("bias", true), Pair(r, "dilation", 1), r.Initializer("weightInit"), r.Initializer("biasInit")),
            (c, w) =>
            {
                w.Int("inChannels", c.InChannels).Int("outChannels", c.OutChannels).Ints("kernel", c.Kernel).Ints("stride", c.Stride).Ints("padding", c.Padding)
                    .Ints("outputPadding", c.OutputPadding).Ints("dilation", c.Dilation).Int("groups", c.Groups).Bool("bias", c.HasBias).Initializer("weightInit", c.WeightInit);
                if (c.HasBias)
                {
                    w.Initializer("biasInit", c.BiasInit);
                }
            }),
        LayerKind.Of<BatchNorm>(
            "BatchNorm",
            r => new BatchNorm(r.Int("features"), r.Double("momentum", 0.1), r.Double("epsilon", 1e-5), r.Bool("affine", true), r.Bool("trackRunningStats", true)),
            (b, w) => w.Int("features", b.Features).Double("momentum", b.Momentum).Double("epsilon", b.Epsilon).Bool("affine", b.Affine).Bool("trackRunningStats", b.TrackRunningStats)),
    ];

    /// <summary>
    /// A scan's cell: <c>"cell"</c> names it (<c>RnnCell</c> by default, <c>LstmCell</c>, <c>PeepholeLstmCell</c>,
    /// <c>GruCell</c>), with <c>"inputs"</c>, <c>"hidden"</c>, <c>"bias"</c> and the cell's own options
    /// (<c>"nonlinearity"</c>; <c>"peepholeInput"</c>, <c>"peepholeForget"</c>, <c>"peepholeOutput"</c>; <c>"resetBeforeWeight"</c>).
    /// </summary>
    private static Cell ReadCell(FieldReader r) => r.String("cell", "RnnCell") switch
    {
        "RnnCell" => new RnnCell(r.Int("inputs"), r.Int("hidden"), r.Bool("bias", true), r.Enum("nonlinearity", RnnNonlinearity.Tanh)),
        "LstmCell" => new LstmCell(r.Int("inputs"), r.Int("hidden"), r.Bool("bias", true)),
        "PeepholeLstmCell" => new PeepholeLstmCell(r.Int("inputs"), r.Int("hidden"), ReadPeepholes(r), r.Bool("bias", true)),
        "GruCell" => new GruCell(r.Int("inputs"), r.Int("hidden"), r.Bool("bias", true), r.Bool("resetBeforeWeight", false)),
        var other => throw r.Error($"unknown cell '{other}' (RnnCell, LstmCell, PeepholeLstmCell, GruCell)", "cell"),
    };

    /// <summary>A peephole cell's gates that see c: <c>"peepholeInput"</c>, <c>"peepholeForget"</c>, <c>"peepholeOutput"</c>, each true by default.</summary>
    private static LstmPeepholes ReadPeepholes(FieldReader r) =>
        (r.Bool("peepholeInput", true) ? LstmPeepholes.Input : LstmPeepholes.None)
        | (r.Bool("peepholeForget", true) ? LstmPeepholes.Forget : LstmPeepholes.None)
        | (r.Bool("peepholeOutput", true) ? LstmPeepholes.Output : LstmPeepholes.None);

    private static FieldWriter WriteCell(Cell cell, FieldWriter w)
    {
        switch (cell)
        {
            case RnnCell c:
                w.String("cell", "RnnCell").Int("inputs", c.Inputs).Int("hidden", c.Hidden).Bool("bias", c.HasBias).Enum("nonlinearity", c.Nonlinearity);
                break;
            case LstmCell c:
                w.String("cell", "LstmCell").Int("inputs", c.Inputs).Int("hidden", c.Hidden).Bool("bias", c.HasBias);
                break;
            case PeepholeLstmCell c:
                w.String("cell", "PeepholeLstmCell").Int("inputs", c.Inputs).Int("hidden", c.Hidden).Bool("bias", c.HasBias)
                    .Bool("peepholeInput", c.Peepholes.HasFlag(LstmPeepholes.Input)).Bool("peepholeForget", c.Peepholes.HasFlag(LstmPeepholes.Forget))
                    .Bool("peepholeOutput", c.Peepholes.HasFlag(LstmPeepholes.Output));
                break;
            case GruCell c:
                w.String("cell", "GruCell").Int("inputs", c.Inputs).Int("hidden", c.Hidden).Bool("bias", c.HasBias).Bool("resetBeforeWeight", c.ResetBeforeWeight);
                break;
            default:
                throw new NotSupportedException($"architecture JSON: {cell.Describe()} is not in the format (RnnCell, LstmCell, PeepholeLstmCell, GruCell)");
        }

        return w;
    }

    /// <summary>
    /// A <see cref="Join"/>: <c>"join": "Sum"</c>, <c>"Product"</c>, <c>"BroadcastSum"</c>, <c>"BroadcastProduct"</c>
    /// or <c>"Concat"</c> (the default) with <c>"axis"</c> (−1 by default).
    /// </summary>
    private static Join ReadJoin(FieldReader r) => r.Enum("join", JoinKind.Concat) switch
    {
        JoinKind.Sum => Join.Sum,
        JoinKind.Product => Join.Product,
        JoinKind.BroadcastSum => Join.BroadcastSum,
        JoinKind.BroadcastProduct => Join.BroadcastProduct,
        _ => Join.Concat(r.Int("axis", -1)),
    };

    private static void WriteJoin(Join join, FieldWriter w)
    {
        w.Enum("join", join.Kind);
        if (join is ConcatJoin c)
        {
            w.Int("axis", c.Axis);
        }
    }

    /// <summary>
    /// A convolution's padding: <c>"padding": "None"</c> (the default), <c>"Half"</c>, <c>"Full"</c>, or
    /// <c>"Explicit"</c> with <c>"pads": [before₀, after₀, before₁, after₁, …]</c>, one pair per spatial axis.
    /// </summary>
    private static Padding ReadPadding(FieldReader r) => r.Enum("padding", PaddingKind.None) switch
    {
        PaddingKind.Half => Padding.Half,
        PaddingKind.Full => Padding.Full,
        PaddingKind.Explicit => r.Ints("pads") is { Length: > 0 } p && p.Length % 2 == 0 && p.All(v => v >= 0)
            ? Padding.Explicit(Enumerable.Range(0, p.Length / 2).Select(i => (p[2 * i], p[2 * i + 1])).ToArray())
            : throw r.Error("explicit padding needs \"pads\": an even number of non-negative integers, (before, after) per spatial axis", "pads"),
        _ => Padding.None,
    };

    private static void WriteConvolution(ConvolutionLayer c, FieldWriter w)
    {
        w.Enum("padding", c.Padding.Kind);
        if (c.Padding.Kind == PaddingKind.Explicit)
        {
            w.Ints("pads", c.Padding.Sides.SelectMany(s => new[] { s.Before, s.After }));
        }

        w.Int("groups", c.Groups).Bool("bias", c.HasBias).Initializer("weightInit", c.WeightInit);
        if (c.HasBias)
        {
            w.Initializer("biasInit", c.BiasInit);
        }
    }

    /// <summary>A (height, width) pair written as <c>[h, w]</c>; required when <paramref name="fallback"/> is null.</summary>
    private static (int H, int W) Pair(FieldReader r, string name, int? fallback) => r.Ints(name) switch
    {
        [var h, var w] => (h, w),
        null when fallback is { } f => (f, f),
        null => throw r.Error("is required: two integers [height, width]", name),
        _ => throw r.Error("must be two integers [height, width]", name),
    };

    /// <summary>The factories of <see cref="Initializer"/>, with the same argument names and defaults.</summary>
    public static IEnumerable<InitializerKind> Initializers =>
    [
        new("TorchDefault", _ => Initializer.TorchDefault),
        new("Zeros", _ => Initializer.Zeros),
        new("Constant", r => Initializer.Constant(r.Double("value"))),
        new("Normal", r => Initializer.Normal(r.Double("mean", 0), r.Double("std", 1))),
        new("Uniform", r => Initializer.Uniform(r.Double("low", 0), r.Double("high", 1))),
        new("GlorotUniform", r => Initializer.GlorotUniform(r.Double("gain", 1))),
        new("GlorotNormal", r => Initializer.GlorotNormal(r.Double("gain", 1))),
        new("HeNormal", r => Initializer.HeNormal(r.Enum("mode", FanMode.FanIn), r.Double("gain", Math.Sqrt(2)))),
        new("HeUniform", r => Initializer.HeUniform(r.Enum("mode", FanMode.FanIn), r.Double("gain", Math.Sqrt(2)))),
    ];
}
