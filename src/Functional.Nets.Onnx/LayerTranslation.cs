namespace Functional.Nets.Onnx;

/// <summary>A value in the graph being written: its name and its shape for the example input.</summary>
internal readonly record struct OnnxValue(string Name, Shape Shape);

/// <summary>
/// Translates a model, layer by layer, into ONNX nodes in evaluation mode: what <c>Apply(p, s, x, Context.Eval)</c>
/// computes. Each layer becomes the ONNX operator with the same definition (Gemm for <c>Dense</c>, Conv for
/// <c>Conv2d</c>, ...); containers become the nodes of their children joined by Add, Mul or Concat.
/// </summary>
/// <remarks>
/// ONNX stores float attributes (LeakyRelu's and Elu's α, BatchNormalization's ε) as float32. In a float64 export an
/// α that float32 does not hold exactly is written as constant tensors instead (LeakyReLU as Max(x, α·x)); ELU is always
/// Relu(x) + α·(Exp(Min(x, 0)) − 1) in float64, since ONNX Runtime's CPU provider has no float64 Elu kernel; and ε's float32 rounding is moved into the running-variance initializer
/// (var + (ε − float32(ε)), so that var' + float32(ε) = var + ε up to one rounding), so that a float64 graph computes
/// what the model does to float64 precision.
/// </remarks>
internal sealed partial class LayerTranslation(OnnxGraph graph, TensorTree parameters, TensorTree state)
{
    /// <summary>The kinds this translation covers, for the message of a kind it does not.</summary>
    public const string Covered =
        "Dense, DropConnect, Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softmax, LogSoftmax, Dropout, Dropout2d, RandomShift, RandomAffine, " +
        "BatchNorm, Flatten, Sequential, Residual, Branches, EvalMode, Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d, " +
        "AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, Rnn, Lstm, Gru";

    private bool Float64 => graph.DType == DType.Float64;

    /// <summary>Writes the nodes of <paramref name="layer"/> at <paramref name="path"/> applied to <paramref name="x"/>.</summary>
    public OnnxValue Emit(Layer layer, string path, OnnxValue x)
    {
        var outShape = layer.OutputShape(x.Shape);
        var y = layer switch
        {
            Sequential s => s.Children.Aggregate(x, (v, c) => Emit(c.Layer, Join(path, c.Name), v)),
            EvalMode e => Emit(e.Inner, path, x),
            Residual r => Residual(r, path, x),
            Branches b => Branches(b, path, x),
            Dense d => Dense(path, x, d.Outputs, d.Inputs, d.HasBias, d, scale: null),
            DropConnect d => Dense(path, x, d.Outputs, d.Inputs, d.HasBias, d, scale: d.Kind == DropoutKind.Classic ? 1 - d.P : null),
            Activation a => Activation(a, path, x),
            Dropout d => d.Kind == DropoutKind.Classic ? Op("Mul", path, outShape, x.Name, graph.Scalar(1 - d.P)) : x,
            Dropout2d or RandomShift or RandomAffine => x,
            BatchNorm bn => BatchNorm(bn, path, x),
            Flatten f => Op("Reshape", path, outShape, x.Name, graph.Int64s([.. Enumerable.Repeat(0L, f.StartAxis), -1])),
            ConvolutionLayer c => Convolution(c, path, x),
            ConvTranspose2d c => ConvTranspose(c, path, x),
            MaxPool2d m => MaxPool(path, x, m.Window, oneD: false, m),
            MaxPool1d m => MaxPool(path, x, m.Window, oneD: true, m),
            AvgPool2d a => AvgPool(path, x, a.Window, a.CountIncludePad, oneD: false, a),
            AvgPool1d a => AvgPool(path, x, a.Window, a.CountIncludePad, oneD: true, a),
            AdaptiveAvgPool2d a => AdaptiveAvgPool(a, path, x, [a.OutH, a.OutW]),
            AdaptiveAvgPool1d a => AdaptiveAvgPool(a, path, x, [a.Output]),
            RecurrentLayer r => Recurrent(r, path, x),
            _ => throw new OnnxExportException(path, layer, $"this kind has no ONNX translation; the kinds that have one are {Covered}"),
        };
        return y.Shape == outShape
            ? y
            : throw new InvalidOperationException($"ONNX export: layer {path} {layer.Describe()}: the translation gives shape {y.Shape}, the layer {outShape} (a bug in the export)");
    }

    private static string Join(string path, string child) => child.Length == 0 ? path : path.Length == 0 ? child : $"{path}.{child}";

    private OnnxValue Op(string op, string path, Shape shape, params string[] inputs) => new(graph.Node(op, path, inputs), shape);

    private OnnxValue Op(string op, string path, Shape shape, string[] inputs, params global::Onnx.AttributeProto[] attributes) =>
        new(graph.Node(op, path, inputs, attributes), shape);

    /// <summary>The initializer of leaf <paramref name="name"/> of the layer at <paramref name="path"/>, checked against its expected shape.</summary>
    private string Leaf(Layer layer, string path, string name, Shape expected, bool isState = false, Func<double[], double[]>? adjust = null)
    {
        var full = Join(path, name);
        var tree = isState ? state : parameters;
        if (!tree.TryGet(full, out var t))
        {
            throw new OnnxExportException(path, layer, $"missing {(isState ? "state" : "parameter")} '{full}' (give the tree Init{(isState ? "State" : "")} makes, or one loaded from a checkpoint)");
        }

        if (t.Shape != expected)
        {
            throw new OnnxExportException(path, layer, $"{(isState ? "state" : "parameter")} '{full}' has shape {t.Shape}, expected {expected}");
        }

        var values = t.ToArray();
        return graph.Weight(full, adjust is null ? values : adjust(values), t.Shape);
    }

    private OnnxValue Dense(string path, OnnxValue x, int outputs, int inputs, bool bias, Layer layer, double? scale)
    {
        var w = Leaf(layer, path, "weight", new Shape(outputs, inputs));
        if (scale is { } s)
        {
            // Classic DropConnect in evaluation: W·(1 − p), as the layer computes it.
            w = graph.Node("Mul", path, [w, graph.Scalar(s)]);
        }

        var b = bias ? Leaf(layer, path, "bias", new Shape(outputs)) : null;
        var outShape = layer.OutputShape(x.Shape);
        if (x.Shape.Rank == 2)
        {
            // Gemm: y = x·Wᵀ + b with W as PyTorch stores it ([out, in]).
            return Op("Gemm", path, outShape, b is null ? [x.Name, w] : [x.Name, w, b], OnnxGraph.Int("transB", 1));
        }

        // [*, in] of any rank: MatMul broadcasts over the leading axes.
        var product = Op("MatMul", path, outShape, x.Name, graph.Node("Transpose", path, [w], OnnxGraph.Ints("perm", [1, 0])));
        return b is null ? product : Op("Add", path, outShape, product.Name, b);
    }

    private OnnxValue Activation(Activation a, string path, OnnxValue x) => a switch
    {
        Identity => x,
        Sigmoid => Op("Sigmoid", path, x.Shape, x.Name),
        Tanh => Op("Tanh", path, x.Shape, x.Name),
        ReLU => Op("Relu", path, x.Shape, x.Name),
        LeakyReLU l when HoldsExactly(l.Alpha) => Op("LeakyRelu", path, x.Shape, [x.Name], OnnxGraph.Float("alpha", l.Alpha)),
        LeakyReLU l => Op("Max", path, x.Shape, x.Name, graph.Node("Mul", path, [x.Name, graph.Scalar(l.Alpha)])),
        ELU e when !Float64 => Op("Elu", path, x.Shape, [x.Name], OnnxGraph.Float("alpha", e.Alpha)),
        ELU e => Op(
            "Add",
            path,
            x.Shape,
            graph.Node("Relu", path, [x.Name]),
            graph.Node("Mul", path, [graph.Node("Sub", path, [graph.Node("Exp", path, [graph.Node("Min", path, [x.Name, graph.Scalar(0)])]), graph.Scalar(1)]), graph.Scalar(e.Alpha)])),
        Softmax => Op("Softmax", path, x.Shape, [x.Name], OnnxGraph.Int("axis", -1)),
        LogSoftmax => Op("LogSoftmax", path, x.Shape, [x.Name], OnnxGraph.Int("axis", -1)),
        _ => throw new OnnxExportException(path, a, $"this activation kind has no ONNX translation (a custom activation is code, not a graph); the kinds that have one are {Covered}"),
    };

    /// <summary>Whether an attribute value survives ONNX's float32 attribute storage (always, in a float32 export).</summary>
    private bool HoldsExactly(double value) => !Float64 || (double)(float)value == value;

    private OnnxValue BatchNorm(BatchNorm bn, string path, OnnxValue x)
    {
        if (!bn.TrackRunningStats)
        {
            throw new OnnxExportException(path, bn, "without running statistics it normalizes by each batch's own statistics even in evaluation, which an inference graph does not do; export a BatchNorm with trackRunningStats");
        }

        var channel = new Shape(bn.Features);
        var scale = bn.Affine ? Leaf(bn, path, "weight", channel) : graph.Constant([.. Enumerable.Repeat(1.0, bn.Features)], channel);
        var bias = bn.Affine ? Leaf(bn, path, "bias", channel) : graph.Constant(new double[bn.Features], channel);
        var mean = Leaf(bn, path, "running_mean", channel, isState: true);

        // ONNX's ε is a float32 attribute: in float64 its rounding error goes into the variance (see the class remarks).
        var shift = Float64 ? bn.Epsilon - (float)bn.Epsilon : 0;
        var variance = Leaf(bn, path, "running_var", channel, isState: true, adjust: shift == 0 ? null : v => [.. v.Select(e => e + shift)]);
        return Op("BatchNormalization", path, x.Shape, [x.Name, scale, bias, mean, variance], OnnxGraph.Float("epsilon", bn.Epsilon));
    }

    private OnnxValue Residual(Residual r, string path, OnnxValue x)
    {
        var f = Emit(r.Body, Join(path, "body"), x);
        var s = r.Shortcut is null ? x : Emit(r.Shortcut, Join(path, "shortcut"), x);
        return Op("Add", path, f.Shape, f.Name, s.Name);
    }

    private OnnxValue Branches(Branches b, string path, OnnxValue x)
    {
        var outputs = b.Children.Select(c => Emit(c.Layer, Join(path, c.Name), x)).ToArray();
        var shape = b.OutputShape(x.Shape);
        if (b.Join is ConcatJoin concat)
        {
            var axis = concat.Axis < 0 ? concat.Axis + shape.Rank : concat.Axis;
            return outputs.Length == 1 ? outputs[0] : Op("Concat", path, shape, [.. outputs.Select(o => o.Name)], OnnxGraph.Int("axis", axis));
        }

        // Left to right, as the join folds: y = ((o₀ ∘ o₁) ∘ o₂) ∘ ...; ONNX broadcasting aligns at the last axis, as ours.
        var op = b.Join.Kind is JoinKind.Sum or JoinKind.BroadcastSum ? "Add" : "Mul";
        return outputs.Skip(1).Aggregate(outputs[0], (acc, o) => Op(op, path, shape, acc.Name, o.Name));
    }
}
