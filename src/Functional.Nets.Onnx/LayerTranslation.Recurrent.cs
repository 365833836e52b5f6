using System.Globalization;

namespace Functional.Nets.Onnx;

internal sealed partial class LayerTranslation
{
    /// <summary>
    /// <c>Rnn</c>, <c>Lstm</c> and <c>Gru</c> as ONNX's RNN, LSTM and GRU operators, one per layer (every direction in
    /// one node), on [T, N, F] (a batch-first input is transposed first and back at the end).
    /// </summary>
    /// <remarks>
    /// ONNX stacks both directions in one W [D, G·H, F], R [D, G·H, H] and B [D, 2·G·H] = [W_b, R_b], and orders the
    /// gates otherwise than PyTorch: LSTM's PyTorch order (i, f, g, o) becomes ONNX's (i, o, f, c), GRU's (r, z, n) becomes
    /// (z, r, h). These regrouped tensors are the initializers <c>{path}.W_l{layer}</c>, <c>.R_l…</c>, <c>.B_l…</c>
    /// (not the state_dict names, which name one direction's tensor each). PyTorch's GRU applies r after W_hn
    /// (r ⊙ (h W_hnᵀ + b_hn)): ONNX's <c>linear_before_reset = 1</c>; <c>resetBeforeWeight</c> ((r ⊙ h) W_hnᵀ + b_hn) is 0.
    /// The inter-layer dropout is the identity in evaluation. Y is [T, D, N, H]; transposed to [T, N, D, H] and
    /// reshaped to [T, N, D·H] it is the concatenation of the directions, as ours.
    /// </remarks>
    private OnnxValue Recurrent(RecurrentLayer r, string path, OnnxValue x)
    {
        var (op, gates, order) = r switch
        {
            Lstm => ("LSTM", 4, new[] { 0, 3, 1, 2 }),
            Gru => ("GRU", 3, new[] { 1, 0, 2 }),
            Rnn => ("RNN", 1, new[] { 0 }),
            _ => throw new OnnxExportException(path, r, $"this recurrent kind has no ONNX translation; the kinds that have one are {Covered}"),
        };
        var h = r.Hidden;
        var d = r.Directions;
        var shape = x.Shape;
        var v = r.BatchFirst ? graph.Node("Transpose", path, [x.Name], OnnxGraph.Ints("perm", [1, 0, 2])) : x.Name;
        for (var l = 0; l < r.Layers; l++)
        {
            var inputs = l == 0 ? r.Inputs : d * h;
            var w = Stacked(r, path, "weight_ih", l, gates, order, inputs);
            var rr = Stacked(r, path, "weight_hh", l, gates, order, h);
            var arguments = new List<string> { v, w, rr };
            if (r.HasBias)
            {
                arguments.Add(StackedBias(r, path, l, gates, order));
            }

            var attributes = new List<global::Onnx.AttributeProto>
            {
                OnnxGraph.Int("hidden_size", h),
                OnnxGraph.String("direction", d == 2 ? "bidirectional" : "forward"),
            };
            if (r is Rnn rnn)
            {
                var f = rnn.Nonlinearity == RnnNonlinearity.ReLU ? "Relu" : "Tanh";
                attributes.Add(OnnxGraph.Strings("activations", [.. Enumerable.Repeat(f, d)]));
            }

            if (r is Gru gru)
            {
                attributes.Add(OnnxGraph.Int("linear_before_reset", gru.ResetBeforeWeight ? 0 : 1));
            }

            var y = graph.Fresh(Join(path, string.Create(CultureInfo.InvariantCulture, $"Y_l{l}")));
            graph.Node(op, arguments, [y], [.. attributes]);
            var time = graph.Node("Transpose", path, [y], OnnxGraph.Ints("perm", [0, 2, 1, 3]));
            v = graph.Node("Reshape", path, [time, graph.Int64s(0, 0, -1)]);
        }

        var outShape = r.OutputShape(shape);
        return r.BatchFirst ? Op("Transpose", path, outShape, [v], OnnxGraph.Ints("perm", [1, 0, 2])) : new OnnxValue(v, outShape);
    }

    /// <summary>W or R of one layer: each direction's [G·H, width] leaf with its gate chunks in ONNX's order, stacked.</summary>
    private string Stacked(RecurrentLayer r, string path, string leaf, int layer, int gates, int[] order, int width)
    {
        var h = r.Hidden;
        var values = new List<double>();
        for (var dir = 0; dir < r.Directions; dir++)
        {
            var a = LeafValues(r, path, leaf + RecurrentLayer.Suffix(layer, dir), new Shape(gates * h, width));
            foreach (var g in order)
            {
                values.AddRange(a.AsSpan(g * h * width, h * width).ToArray());
            }
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"{Join(path, leaf == "weight_ih" ? "W" : "R")}_l{layer}");
        return graph.Weight(name, values.ToArray(), new Shape(r.Directions, gates * h, width));
    }

    /// <summary>B of one layer: per direction [b_ih | b_hh], each in ONNX's gate order.</summary>
    private string StackedBias(RecurrentLayer r, string path, int layer, int gates, int[] order)
    {
        var h = r.Hidden;
        var values = new List<double>();
        for (var dir = 0; dir < r.Directions; dir++)
        {
            foreach (var leaf in new[] { "bias_ih", "bias_hh" })
            {
                var b = LeafValues(r, path, leaf + RecurrentLayer.Suffix(layer, dir), new Shape(gates * h));
                foreach (var g in order)
                {
                    values.AddRange(b.AsSpan(g * h, h).ToArray());
                }
            }
        }

        return graph.Weight(string.Create(CultureInfo.InvariantCulture, $"{Join(path, "B")}_l{layer}"), values.ToArray(), new Shape(r.Directions, 2 * gates * h));
    }

    private double[] LeafValues(Layer layer, string path, string name, Shape expected)
    {
        var full = Join(path, name);
        if (!parameters.TryGet(full, out var t))
        {
            throw new OnnxExportException(path, layer, $"missing parameter '{full}' (give the tree Init makes, or one loaded from a checkpoint)");
        }

        return t.Shape == expected
            ? t.ToArray()
            : throw new OnnxExportException(path, layer, $"parameter '{full}' has shape {t.Shape}, expected {expected}");
    }
}
