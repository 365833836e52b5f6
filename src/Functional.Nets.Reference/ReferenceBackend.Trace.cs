namespace Functional.Nets.Reference;

/// <summary>The chain rule made visible: a traced <see cref="ValueAndGrad"/>.</summary>
public sealed partial class ReferenceBackend
{
    /// <summary>
    /// Computes <paramref name="f"/>(parameters, inputs) and its gradient exactly as <see cref="ValueAndGrad"/>
    /// does, on a tape that also records every primitive (its name, formula, operands and value) and every
    /// step of the backward pass (the incoming gradient ∂L/∂y and the product each VJP hands to each operand).
    /// The inputs are put on the tape too, so the graph shows them and their gradients; give intermediate
    /// results readable names with <see cref="Named"/> inside <paramref name="f"/>.
    /// </summary>
    /// <param name="f">A scalar function of the parameters and the inputs.</param>
    /// <param name="parameters">The parameters, named as leaves (<c>0.weight</c>).</param>
    /// <param name="inputs">Data the function reads (<c>x</c>, <c>y</c>); may be empty.</param>
    /// <exception cref="ShapeMismatchException">f does not return a scalar.</exception>
    public TapeTrace Trace(Func<TensorTree, TensorTree, Tensor> f, TensorTree parameters, TensorTree inputs)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(inputs);
        var recorder = new TapeRecorder();
        var tape = new Tape { Recorder = recorder };
        var leaves = new List<(Node Node, string Name, TraceNodeRole Role, Shape Shape, double[] Values)>();

        TensorTree Track(TensorTree tree, TraceNodeRole role) => tree.Map((name, t) =>
        {
            var values = Data(t).Values;
            var node = tape.Leaf(values.Length);
            leaves.Add((node, name, role, t.Shape, (double[])values.Clone()));
            return new Tensor(this, t.Shape, new ReferenceData(values, node));
        });

        var trackedInputs = Track(inputs, TraceNodeRole.Input);
        var trackedParameters = Track(parameters, TraceNodeRole.Parameter);
        var value = f(trackedParameters, trackedInputs);
        if (value.Shape.Size != 1)
        {
            throw new ShapeMismatchException($"Trace: the function must return a scalar, got shape {value.Shape}");
        }

        if (Data(value).Node is not { } output || !ReferenceEquals(output.Tape, tape))
        {
            throw new InvalidOperationException("Trace: the function's result does not depend on the parameters or inputs, so there is no backward pass to show");
        }

        var leafNodes = leaves.Select(l => l.Node).ToArray();
        var grads = tape.Backward(output, leafNodes);
        var nodes = new List<TraceNode>();
        for (var i = 0; i < leaves.Count; i++)
        {
            var l = leaves[i];
            nodes.Add(new TraceNode(l.Node.Index, l.Name, l.Role, "", "", l.Shape, [], l.Values, grads[i]));
        }

        // An operation's gradient ∂L/∂y is what reached it when the backward pass got there.
        var incoming = recorder.Steps.ToDictionary(s => s.Node.Index, s => s.Incoming);
        foreach (var (index, (node, shape, values)) in recorder.Forward.OrderBy(kv => kv.Key))
        {
            var formula = Primitive.Find(node.Label)
                ?? new Primitive(node.Label ?? "f", node.Label is null ? "y = f(x)" : $"y = {node.Label}(x)", "(the primitive's own hand-written VJP; no formula recorded)", []);
            nodes.Add(new TraceNode(
                index,
                recorder.Names.TryGetValue(index, out var name) ? name : $"v{index}",
                TraceNodeRole.Operation,
                node.Label ?? "?",
                formula.Forward,
                shape,
                node.Parents.Select(p => p?.Index ?? -1).ToArray(),
                values,
                incoming.TryGetValue(index, out var g) ? g : new double[values.Length]) { Local = formula.Local, Vjp = formula.Vjp });
        }

        var steps = recorder.Steps.Select((s, order) => new TraceStep(
            order + 1,
            s.Node.Index,
            s.Incoming,
            s.Node.Parents.Select((p, k) => p is null || s.Outgoing[k] is null ? null : new TraceFlow(p.Index, k, s.Outgoing[k]!))
                .OfType<TraceFlow>().ToArray())).ToArray();

        var parameterGradients = parameters.Map((name, t) =>
        {
            var k = leaves.FindIndex(l => l.Role == TraceNodeRole.Parameter && l.Name == name);
            return new Tensor(this, t.Shape, new ReferenceData(grads[k]));
        });

        return new TapeTrace(value.Item(), output.Index, nodes, steps, parameterGradients);
    }

    /// <summary>
    /// Names the node that computed <paramref name="tensor"/> in the trace being recorded (<c>z₁</c>, <c>h₁</c>);
    /// returns the tensor unchanged. Outside <see cref="Trace"/> it does nothing.
    /// </summary>
    public Tensor Named(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Payload is ReferenceData { Node: { Tape.Recorder: { } recorder } node })
        {
            recorder.Names[node.Index] = name;
        }

        return tensor;
    }
}
