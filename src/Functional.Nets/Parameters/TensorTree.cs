using System.Collections;
using System.Collections.Immutable;

namespace Functional.Nets;

/// <summary>
/// An immutable record of named tensors: a model's parameters, its state (running statistics) or
/// its gradients. Leaves are named as in PyTorch's <c>state_dict</c> (<c>0.weight</c>, <c>0.bias</c>,
/// <c>1.running_mean</c>), in insertion order, so optimizers, checkpoints and gradient checks walk any
/// model without knowing its layers.
/// </summary>
public sealed class TensorTree : IReadOnlyList<KeyValuePair<string, Tensor>>, IDisposable
{
    private readonly ImmutableArray<KeyValuePair<string, Tensor>> leaves;
    private readonly Dictionary<string, int> index;

    private TensorTree(ImmutableArray<KeyValuePair<string, Tensor>> leaves)
    {
        this.leaves = leaves;
        index = new Dictionary<string, int>(leaves.Length, StringComparer.Ordinal);
        for (var i = 0; i < leaves.Length; i++)
        {
            var name = leaves[i].Key;
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("a leaf name must not be empty");
            }

            if (!index.TryAdd(name, i))
            {
                throw new ArgumentException($"duplicate leaf name '{name}'");
            }
        }
    }

    /// <summary>The tree with no leaves (the parameters of a parameter-free layer).</summary>
    public static TensorTree Empty { get; } = new(ImmutableArray<KeyValuePair<string, Tensor>>.Empty);

    /// <summary>A tree of the given leaves, in order.</summary>
    public static TensorTree Of(params (string Name, Tensor Value)[] leaves) =>
        new([.. leaves.Select(l => KeyValuePair.Create(l.Name, l.Value))]);

    /// <summary>A tree of the given leaves, in order.</summary>
    public static TensorTree Of(IEnumerable<KeyValuePair<string, Tensor>> leaves) => new([.. leaves]);

    /// <summary>A tree whose children are prefixed by their names: child "0" with leaf "weight" gives "0.weight".</summary>
    public static TensorTree Nest(IEnumerable<(string Name, TensorTree Child)> children) =>
        new([.. children.SelectMany(c => c.Child.leaves.Select(l => KeyValuePair.Create(c.Name + "." + l.Key, l.Value)))]);

    /// <summary>The number of leaves.</summary>
    public int Count => leaves.Length;

    /// <summary>The leaf names, in order.</summary>
    public IEnumerable<string> Names => leaves.Select(l => l.Key);

    /// <summary>The leaves, in order.</summary>
    public IEnumerable<Tensor> Values => leaves.Select(l => l.Value);

    /// <summary>The total number of scalar entries over all leaves.</summary>
    public long ParameterCount => leaves.Sum(l => l.Value.Size);

    /// <summary>The i-th leaf.</summary>
    public KeyValuePair<string, Tensor> this[int i] => leaves[i];

    /// <summary>The leaf named <paramref name="name"/>; throws listing the names present if absent.</summary>
    public Tensor this[string name] =>
        index.TryGetValue(name, out var i)
            ? leaves[i].Value
            : throw new KeyNotFoundException($"no leaf named '{name}'; leaves: {Describe()}");

    /// <summary>Whether a leaf with this name exists.</summary>
    public bool Contains(string name) => index.ContainsKey(name);

    /// <summary>Tries to find a leaf.</summary>
    public bool TryGet(string name, out Tensor value)
    {
        if (index.TryGetValue(name, out var i))
        {
            value = leaves[i].Value;
            return true;
        }

        value = null!;
        return false;
    }

    /// <summary>The subtree under <paramref name="name"/> with the prefix removed ("0.weight" → "weight"); empty if none.</summary>
    public TensorTree Child(string name)
    {
        var prefix = name + ".";
        var found = leaves.Where(l => l.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => KeyValuePair.Create(l.Key[prefix.Length..], l.Value))
            .ToImmutableArray();
        return found.IsEmpty ? Empty : new TensorTree(found);
    }

    /// <summary>A tree of the same names with <paramref name="f"/> applied to each leaf.</summary>
    public TensorTree Map(Func<Tensor, Tensor> f) =>
        new([.. leaves.Select(l => KeyValuePair.Create(l.Key, f(l.Value)))]);

    /// <summary>A tree of the same names with <paramref name="f"/>(name, leaf) applied to each leaf.</summary>
    public TensorTree Map(Func<string, Tensor, Tensor> f) =>
        new([.. leaves.Select(l => KeyValuePair.Create(l.Key, f(l.Key, l.Value)))]);

    /// <summary>
    /// Combines two trees with the same leaf names and shapes, leaf by leaf, in this tree's order.
    /// Throws naming the first difference.
    /// </summary>
    public TensorTree Zip(TensorTree other, Func<Tensor, Tensor, Tensor> f)
    {
        RequireSameStructure(other, "Zip");
        return new([.. leaves.Select(l => KeyValuePair.Create(l.Key, f(l.Value, other[l.Key])))]);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="other"/> has the same leaf names and shapes.</summary>
    public void RequireSameStructure(TensorTree other, string operation)
    {
        var missing = Names.Except(other.Names).ToList();
        var extra = other.Names.Except(Names).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            throw new ArgumentException(
                $"{operation}: the trees differ in leaf names; only in the first: [{string.Join(", ", missing)}], only in the second: [{string.Join(", ", extra)}]");
        }

        foreach (var (name, value) in leaves)
        {
            var o = other[name];
            if (o.Shape != value.Shape)
            {
                throw new ArgumentException($"{operation}: leaf '{name}' has shape {value.Shape} in the first tree and {o.Shape} in the second");
            }
        }
    }

    /// <summary>A copy of every leaf on <paramref name="target"/> (exact from and to float64).</summary>
    public TensorTree ToBackend(Backend target) => Map(t => t.ToBackend(target));

    /// <summary>This tree with the leaves of <paramref name="replacements"/> replacing those of the same name.</summary>
    public TensorTree With(TensorTree replacements) =>
        new([.. leaves.Select(l => replacements.TryGet(l.Key, out var r) ? KeyValuePair.Create(l.Key, r) : l)]);

    /// <summary>Releases every leaf's native memory (no-op on the Reference backend).</summary>
    public void Dispose()
    {
        foreach (var l in leaves)
        {
            l.Value.Dispose();
        }
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, Tensor>>)leaves).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Lists each leaf with its shape: <c>0.weight [3, 2], 0.bias [3]</c>.</summary>
    public string Describe() => Count == 0 ? "(none)" : string.Join(", ", leaves.Select(l => $"{l.Key} {l.Value.Shape}"));

    /// <inheritdoc />
    public override string ToString() => $"TensorTree({Describe()})";
}
