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

    /// <summary>A <see cref="Join"/>: <c>"join": "Sum"</c>, <c>"Product"</c> or <c>"Concat"</c> (the default) with <c>"axis"</c> (−1 by default).</summary>
    private static Join ReadJoin(FieldReader r) => r.Enum("join", JoinKind.Concat) switch
    {
        JoinKind.Sum => Join.Sum,
        JoinKind.Product => Join.Product,
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
