namespace Functional.Nets;

/// <summary>Loading a source tree into a target (PyTorch's <c>load_state_dict</c>) and building trees from arrays.</summary>
public sealed partial class TensorTree
{
    /// <summary>
    /// How <paramref name="source"/> fits this tree (the target), without loading anything: the report
    /// <see cref="LoadStateDict"/> would give.
    /// </summary>
    /// <example><code>
    /// var report = model.Init(key, backend).CompareStructure(theirWeights);
    /// if (!report.IsExact) Console.WriteLine(report.Describe());
    /// </code></example>
    public LoadReport CompareStructure(TensorTree source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return LoadReport.Compare(Shapes(), source.Shapes(), prefix: null);
    }

    /// <summary>
    /// This tree (the target) with each leaf that <paramref name="source"/> has under the same name and
    /// shape replaced by the source's value, moved to the target leaf's backend (and so its dtype and
    /// device); leaves already there are shared, not copied. The result has the target's names, in its order.
    /// </summary>
    /// <remarks>
    /// As PyTorch's <c>load_state_dict</c>: with <paramref name="strict"/> any missing, unexpected or
    /// mismatched leaf throws; without it missing leaves keep the target's values and unexpected ones are
    /// ignored (both listed in the report), but a shape mismatch still throws, because loading some leaves
    /// of a layer and not others silently gives a model that is neither.
    /// </remarks>
    /// <example><code>
    /// var (parameters, report) = model.Init(key, backend).LoadStateDict(pretrained.Without("fc"), strict: false);
    /// // report.Missing lists the new head's leaves, which keep their fresh initialization.
    /// </code></example>
    /// <exception cref="ArgumentException">A shape differs, or (strict) a leaf is missing or unexpected; the message lists each with its shapes.</exception>
    public (TensorTree Tree, LoadReport Report) LoadStateDict(TensorTree source, bool strict = true)
    {
        var report = CompareStructure(source);
        if (LoadFailure(report, strict) is { } problem)
        {
            throw new ArgumentException($"LoadStateDict: {problem}", nameof(source));
        }

        return (Map((name, leaf) => source.TryGet(name, out var s) ? s.ToBackend(leaf.Backend) : leaf), report);
    }

    /// <summary>
    /// A tree of named arrays on <paramref name="backend"/>, in the order given: each leaf's values are
    /// row-major for its shape (an empty shape is a scalar of one value). Everything is checked before any
    /// tensor is made: a name that is empty or repeated, values that are null, a negative dimension, or a
    /// count of values other than the product of the shape throws naming the leaf, the count its shape
    /// needs and the count given.
    /// </summary>
    /// <example><code>
    /// var weights = TensorTree.FromArrays(backend, [("0.weight", w, [3, 2]), ("0.bias", b, [3])]);
    /// var report = model.CheckParameters(weights);
    /// </code></example>
    public static TensorTree FromArrays(Backend backend, IEnumerable<(string Name, double[] Values, int[] Shape)> leaves)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(leaves);
        var list = leaves.ToList();
        var shapes = new Shape[list.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var (name, values, dims) = list[i];
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"FromArrays: leaf {i} has an empty name", nameof(leaves));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"FromArrays: duplicate leaf name '{name}'", nameof(leaves));
            }

            if (values is null || dims is null)
            {
                throw new ArgumentException($"FromArrays: leaf '{name}' has null {(values is null ? "values" : "shape")}", nameof(leaves));
            }

            if (dims.Any(d => d < 0))
            {
                throw new ArgumentException($"FromArrays: leaf '{name}' has shape [{string.Join(", ", dims)}]; dimensions must be non-negative", nameof(leaves));
            }

            shapes[i] = new Shape(dims);
            if (shapes[i].Size != values.Length)
            {
                throw new ArgumentException($"FromArrays: leaf '{name}' of shape {shapes[i]} needs {shapes[i].Size} values, got {values.Length}", nameof(leaves));
            }
        }

        var made = new List<KeyValuePair<string, Tensor>>(list.Count);
        try
        {
            for (var i = 0; i < list.Count; i++)
            {
                made.Add(KeyValuePair.Create(list[i].Name, backend.FromArray(list[i].Values, shapes[i])));
            }
        }
        catch
        {
            foreach (var (_, t) in made)
            {
                t.Dispose();
            }

            throw;
        }

        return new([.. made]);
    }

    /// <summary>
    /// A tree of named arrays on <paramref name="backend"/>, in the dictionary's enumeration order (use an
    /// ordered source, or the list overload, when order matters: optimizers and checkpoints keep it). The
    /// checks and messages are those of the list overload.
    /// </summary>
    /// <example><code>
    /// var weights = TensorTree.FromArrays(backend, new Dictionary&lt;string, (double[], int[])&gt; { ["weight"] = (w, [3, 2]) });
    /// </code></example>
    public static TensorTree FromArrays(Backend backend, IReadOnlyDictionary<string, (double[] Values, int[] Shape)> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        return FromArrays(backend, leaves.Select(kv => (kv.Key, kv.Value.Values, kv.Value.Shape)));
    }

    /// <summary>Why loading with <paramref name="report"/> must fail, or null if it may proceed.</summary>
    internal static string? LoadFailure(LoadReport report, bool strict)
    {
        if (report.ShapeMismatched.Count > 0)
        {
            return strict
                ? $"the source does not fit the target: {report.Describe()}"
                : $"shapes differ, which never loads, strict or not (as PyTorch's load_state_dict): {report.Describe()}";
        }

        return strict && !report.IsExact ? $"the source does not fit the target (strict): {report.Describe()}" : null;
    }

    private List<LeafShape> Shapes() => [.. Leaves.Select(l => new LeafShape(l.Key, l.Value.Shape))];
}
