namespace Functional.Nets.Reference;

/// <summary>
/// One node of the tape: the result of one primitive, its parents, and the primitive's
/// vector-Jacobian product, which maps the gradient of the result (ȳ) to one gradient per parent
/// (null for a parent that needs none).
/// </summary>
internal sealed class Node
{
    public Node(Tape tape, int index, int size, Node?[] parents, Func<double[], double[]?[]>? vjp, string? label = null)
    {
        Tape = tape;
        Index = index;
        Size = size;
        Parents = parents;
        Vjp = vjp;
        Label = label;
    }

    public Tape Tape { get; }

    public int Index { get; }

    public int Size { get; }

    public Node?[] Parents { get; }

    public Func<double[], double[]?[]>? Vjp { get; }

    /// <summary>The primitive's name (<c>MatMul</c>, <c>Sigmoid</c>), for traces; declared in the core's <see cref="Primitive"/>.</summary>
    public string? Label { get; }
}

/// <summary>
/// The Reference backend's record of a computation, in execution order. Because every node is
/// appended after its parents, walking it backwards visits each node after all its consumers:
/// a topological order for reverse-mode accumulation, ḡ_parent += VJP(ḡ_node).
/// </summary>
internal sealed class Tape
{
    private readonly List<Node> nodes = [];

    /// <summary>Watches the tape when a trace asked for it (<see cref="ReferenceBackend.Trace"/>); null otherwise.</summary>
    public TapeRecorder? Recorder { get; init; }

    /// <summary>A variable to differentiate with respect to (no parents, no VJP).</summary>
    public Node Leaf(int size) => Add(size, [], null);

    /// <summary>Records a primitive's result.</summary>
    public Node Add(int size, Node?[] parents, Func<double[], double[]?[]>? vjp, string? label = null)
    {
        var node = new Node(this, nodes.Count, size, parents, vjp, label);
        nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Reverse accumulation from <paramref name="output"/> (seeded with ∂output/∂output = 1) and
    /// the gradient reaching each of <paramref name="leaves"/> (zeros where none does).
    /// </summary>
    public double[][] Backward(Node output, IReadOnlyList<Node> leaves)
    {
        var grads = new double[]?[nodes.Count];
        grads[output.Index] = Enumerable.Repeat(1.0, output.Size).ToArray();
        for (var i = output.Index; i >= 0; i--)
        {
            var node = nodes[i];
            var g = grads[i];
            if (g is null || node.Vjp is null)
            {
                continue;
            }

            var contributions = node.Vjp(g);
            Recorder?.Propagated(node, g, contributions);
            for (var p = 0; p < node.Parents.Length; p++)
            {
                var parent = node.Parents[p];
                var c = contributions[p];
                if (parent is null || c is null)
                {
                    continue;
                }

                var acc = grads[parent.Index];
                if (acc is null)
                {
                    // The VJPs return fresh arrays, so the first contribution can be taken as is.
                    grads[parent.Index] = c;
                }
                else
                {
                    for (var j = 0; j < acc.Length; j++)
                    {
                        acc[j] += c[j];
                    }
                }
            }

            // Interior gradients are no longer needed once passed on; leaves keep theirs.
            if (node.Parents.Length > 0)
            {
                grads[i] = null;
            }
        }

        return leaves.Select(l => grads[l.Index] ?? new double[l.Size]).ToArray();
    }
}
