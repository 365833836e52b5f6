namespace Functional.Nets;

/// <summary>
/// Elementwise work over the leaves of trees, done the cheap way for the backend: on a backend with flat buffers
/// (<see cref="IFlatBuffers"/>, Torch) once over them, so that an optimizer update costs a handful of kernels
/// whatever the number of leaves, and leaf by leaf otherwise (Reference), the plain path. Both give the same values,
/// because every operation the function applies is elementwise.
/// </summary>
internal static class Leafwise
{
    /// <summary>
    /// Applies <paramref name="f"/> to corresponding leaves of the lists in <paramref name="inputs"/> (all shaped like
    /// the first list) and returns its outputs per output and leaf: <c>result[k][i] = f(inputs[·][i])[k]</c>.
    /// <paramref name="f"/> must be elementwise: each output shaped like its inputs, entry j depending on entry j alone.
    /// </summary>
    public static Tensor[][] Map(IReadOnlyList<Tensor>[] inputs, int outputs, Func<Tensor[], Tensor[]> f) =>
        Map(inputs, outputs, (x, _) => f(x), donated: false);

    /// <summary>
    /// As the overload without a flag, telling <paramref name="f"/> whether it
    /// may write into its inputs: true only on the flat path with <paramref name="donated"/> inputs, where each flat input
    /// is either the donated buffer itself or a fresh concatenation, so nobody else can see the writes.
    /// </summary>
    public static Tensor[][] Map(IReadOnlyList<Tensor>[] inputs, int outputs, Func<Tensor[], bool, Tensor[]> f, bool donated)
    {
        var count = inputs[0].Count;
        if (count == 0)
        {
            return [.. Enumerable.Range(0, outputs).Select(_ => Array.Empty<Tensor>())];
        }

        if (Capabilities.Of<IFlatBuffers>(inputs[0][0].Backend) is { } backend)
        {
            // A leaf that appears in two inputs (a state whose slots share tensors) would be written twice: not donatable.
            donated = donated && DistinctLeaves(inputs);

            // Flat views (or concatenations, for leaves not yet packed) in, one call of f, results sliced back into
            // leaves that share one buffer per output. The flat handles are released here; the buffers live on in the leaves.
            var shapes = inputs[0].Select(t => t.Shape).ToArray();
            var flats = inputs.Select(backend.Flatten).ToArray();
            var results = f(flats, donated);
            var leaves = results.Select(r => backend.Unflatten(r, shapes).ToArray()).ToArray();
            foreach (var t in flats.Concat(results))
            {
                t.Dispose();
            }

            return leaves;
        }

        var byOutput = new Tensor[outputs][];
        for (var k = 0; k < outputs; k++)
        {
            byOutput[k] = new Tensor[count];
        }

        var args = new Tensor[inputs.Length];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < inputs.Length; j++)
            {
                args[j] = inputs[j][i];
            }

            var results = f(args, false);
            for (var k = 0; k < outputs; k++)
            {
                byOutput[k][i] = results[k];
            }
        }

        return byOutput;
    }

    /// <summary><paramref name="f"/> applied to every leaf of <paramref name="tree"/> (elementwise, as for Map).</summary>
    public static TensorTree Apply(TensorTree tree, Func<Tensor, Tensor> f) =>
        TensorTree.Of(Named(tree, Map([Leaves(tree)], 1, x => [f(x[0])])[0]));

    /// <summary>
    /// <paramref name="f"/> applied to the leaves of <paramref name="a"/> and the leaves of the same names in <paramref name="b"/>
    /// (elementwise, as for Map), named as in <paramref name="a"/>; throws naming the first difference in structure.
    /// </summary>
    public static TensorTree Zip(TensorTree a, TensorTree b, Func<Tensor, Tensor, Tensor> f) => Zip(a, b, (x, y, _) => f(x, y), false);

    /// <summary>As <see cref="Zip(TensorTree, TensorTree, Func{Tensor, Tensor, Tensor})"/>, where <paramref name="f"/> may write into its first operand when told so (see the flagged overload of Map).</summary>
    public static TensorTree Zip(TensorTree a, TensorTree b, Func<Tensor, Tensor, bool, Tensor> f, bool donated)
    {
        a.RequireSameStructure(b, "Zip");
        Tensor[] other = [.. a.Names.Select(n => b[n])];
        return TensorTree.Of(Named(a, Map([Leaves(a), other], 1, (x, reuse) => [f(x[0], x[1], reuse)], donated)[0]));
    }

    private static bool DistinctLeaves(IReadOnlyList<Tensor>[] inputs)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        return inputs.All(list => list.All(seen.Add));
    }

    /// <summary>The leaves of <paramref name="tree"/>, in order.</summary>
    public static Tensor[] Leaves(TensorTree tree) => [.. tree.Values];

    /// <summary>The leaves of <paramref name="state"/> named <c>&lt;leaf&gt;.&lt;slot&gt;</c> for each leaf of <paramref name="like"/>, in its order.</summary>
    public static Tensor[] Slot(TensorTree state, TensorTree like, string slot) => [.. like.Names.Select(n => state[LeafState.Name(n, slot)])];

    /// <summary>A tree naming <paramref name="leaves"/> after <paramref name="like"/>'s leaves (with <c>.&lt;slot&gt;</c> appended when given).</summary>
    public static (string Name, Tensor Value)[] Named(TensorTree like, Tensor[] leaves, string? slot = null) =>
        [.. like.Names.Select((n, i) => (slot is null ? n : LeafState.Name(n, slot), leaves[i]))];
}
