using System.Collections;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Functional.Nets;

/// <summary>
/// An immutable record of named tensors: a model's parameters, its state (running statistics) or
/// its gradients. Leaves are named as in PyTorch's <c>state_dict</c> (<c>0.weight</c>, <c>0.bias</c>,
/// <c>1.running_mean</c>), in insertion order, so optimizers, checkpoints and gradient checks walk any
/// model without knowing its layers.
/// </summary>
public sealed partial class TensorTree : IReadOnlyList<KeyValuePair<string, Tensor>>, IDisposable
{
    // A tree is stored in one of two ways, never observably different: flat (the leaves with their full
    // names, built by Of, Map, ...) or nested (the (name, child) parts given to Nest, when their names are
    // distinct and contain no dot, so that the full names are distinct by construction). A nested tree
    // materializes its flat leaves only when something needs them (enumeration, an index, a name lookup
    // that is not a child's), once; Nest and Child on it cost O(children), not O(leaves).
    private readonly (string Name, TensorTree Child)[]? parts;
    private Flat? flat;

    // The first-level children (the text of each name before its first dot -> the subtree), built once per
    // tree on the first Child call, or at construction for a nested tree. A null value marks a prefix
    // whose subtree would be invalid (a leaf "a." gives the empty name), which Child reports as before.
    private Dictionary<string, TensorTree?>? children;

    private TensorTree(ImmutableArray<KeyValuePair<string, Tensor>> leaves)
    {
        foreach (var (name, _) in leaves)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("a leaf name must not be empty");
            }
        }

        flat = new Flat(leaves);
        if (leaves.Length <= Flat.ScanLimit)
        {
            for (var i = 1; i < leaves.Length; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(leaves[i].Key, leaves[j].Key, StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"duplicate leaf name '{leaves[i].Key}'");
                    }
                }
            }
        }
        else
        {
            flat.BuildIndex();
        }

        Count = leaves.Length;
    }

    // For leaves whose names are known to be non-empty and distinct (a child's, a nested tree's): no checks.
    private TensorTree(Flat trusted)
    {
        flat = trusted;
        Count = trusted.Leaves.Length;
    }

    private TensorTree((string Name, TensorTree Child)[] parts)
    {
        this.parts = parts;
        var map = new Dictionary<string, TensorTree?>(parts.Length, StringComparer.Ordinal);
        foreach (var (name, child) in parts)
        {
            Count += child.Count;
            if (child.Count > 0)
            {
                map.Add(name, child);
            }
        }

        children = map;
    }

    /// <summary>The tree with no leaves (the parameters of a parameter-free layer).</summary>
    public static TensorTree Empty { get; } = new(ImmutableArray<KeyValuePair<string, Tensor>>.Empty);

    /// <summary>A tree of the given leaves, in order.</summary>
    public static TensorTree Of(params (string Name, Tensor Value)[] leaves) =>
        new([.. leaves.Select(l => KeyValuePair.Create(l.Name, l.Value))]);

    /// <summary>A tree of the given leaves, in order.</summary>
    public static TensorTree Of(IEnumerable<KeyValuePair<string, Tensor>> leaves) => new([.. leaves]);

    /// <summary>
    /// A tree whose children are prefixed by their names: child "0" with leaf "weight" gives "0.weight".
    /// The leaves are the children's, in the order given. When the names are distinct and contain no dot
    /// (a container's children), the children are kept as they are, not copied: <see cref="Child"/> on the
    /// result returns each child instance itself.
    /// </summary>
    public static TensorTree Nest(IEnumerable<(string Name, TensorTree Child)> children)
    {
        var list = children.ToArray();
        var seen = new HashSet<string>(list.Length, StringComparer.Ordinal);
        foreach (var (name, _) in list)
        {
            if (name is null || name.Contains('.', StringComparison.Ordinal) || !seen.Add(name))
            {
                return new([.. list.SelectMany(c => c.Child.Leaves.Select(l => KeyValuePair.Create(c.Name + "." + l.Key, l.Value)))]);
            }
        }

        return new(list);
    }

    /// <summary>The number of leaves.</summary>
    public int Count { get; }

    /// <summary>The leaf names, in order.</summary>
    public IEnumerable<string> Names => Leaves.Select(l => l.Key);

    /// <summary>The leaves, in order.</summary>
    public IEnumerable<Tensor> Values => Leaves.Select(l => l.Value);

    /// <summary>The total number of scalar entries over all leaves.</summary>
    public long ParameterCount => parts is not null && flat is null ? parts.Sum(p => p.Child.ParameterCount) : Leaves.Sum(l => l.Value.Size);

    private ImmutableArray<KeyValuePair<string, Tensor>> Leaves => Materialized.Leaves;

    private Flat Materialized
    {
        get
        {
            var f = Volatile.Read(ref flat);
            if (f is not null)
            {
                return f;
            }

            // Two threads may both build it; the results are equal and the first one published wins.
            var leaves = ImmutableArray.CreateBuilder<KeyValuePair<string, Tensor>>(Count);
            foreach (var (name, child) in parts!)
            {
                foreach (var (leaf, value) in child.Leaves)
                {
                    leaves.Add(KeyValuePair.Create(name + "." + leaf, value));
                }
            }

            return Interlocked.CompareExchange(ref flat, new Flat(leaves.MoveToImmutable()), null) ?? flat;
        }
    }

    /// <summary>The i-th leaf.</summary>
    public KeyValuePair<string, Tensor> this[int i] => Leaves[i];

    /// <summary>The leaf named <paramref name="name"/>; throws listing the names present if absent.</summary>
    public Tensor this[string name] =>
        TryGet(name, out var value)
            ? value
            : throw new KeyNotFoundException($"no leaf named '{name}'; leaves: {Describe()}");

    /// <summary>Whether a leaf with this name exists.</summary>
    public bool Contains(string name) => TryGet(name, out _);

    /// <summary>Tries to find a leaf.</summary>
    public bool TryGet(string name, out Tensor value)
    {
        var f = Volatile.Read(ref flat);
        if (f is null)
        {
            // Nested: every leaf is "part.rest", so look in the part without materializing this tree.
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0 && children!.TryGetValue(name[..dot], out var child))
            {
                return child!.TryGet(name[(dot + 1)..], out value);
            }

            value = null!;
            return false;
        }

        var i = f.IndexOf(name);
        value = i >= 0 ? f.Leaves[i].Value : null!;
        return i >= 0;
    }

    /// <summary>
    /// The subtree under <paramref name="name"/> with the prefix removed ("0.weight" → "weight"); empty if none.
    /// Constant time after the first call on a tree: the first call groups the leaves by their first name
    /// segment once, and later calls return the same child instances. A dotted name ("0.1") walks the
    /// segments: <c>Child("0.1")</c> is <c>Child("0").Child("1")</c>.
    /// </summary>
    public TensorTree Child(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            return Child(name[..dot]).Child(name[(dot + 1)..]);
        }

        var map = Volatile.Read(ref children) ?? GroupChildren();
        if (!map.TryGetValue(name, out var child))
        {
            return Empty;
        }

        return child ?? ScanChild(name);
    }

    private Dictionary<string, TensorTree?> GroupChildren()
    {
        // Two passes: find each leaf's group, then fill arrays of the exact sizes. A container's children are
        // contiguous, so a prefix string is made once per run of leaves, not once per leaf.
        var leaves = Leaves;
        var groupOf = new int[leaves.Length];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var prefixes = new List<string>();
        var counts = new List<int>();
        string? run = null;
        var runId = -1;
        for (var i = 0; i < leaves.Length; i++)
        {
            var name = leaves[i].Key;
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                groupOf[i] = -1;
                continue;
            }

            if (run is null || dot != run.Length || !name.AsSpan(0, dot).SequenceEqual(run))
            {
                run = name[..dot];
                if (!ids.TryGetValue(run, out runId))
                {
                    runId = prefixes.Count;
                    ids.Add(run, runId);
                    prefixes.Add(run);
                    counts.Add(0);
                }
            }

            groupOf[i] = runId;
            counts[runId]++;
        }

        var arrays = counts.Select(n => new KeyValuePair<string, Tensor>[n]).ToArray();
        var filled = new int[arrays.Length];
        var invalid = new bool[arrays.Length];
        for (var i = 0; i < leaves.Length; i++)
        {
            var g = groupOf[i];
            if (g < 0)
            {
                continue;
            }

            var rest = leaves[i].Key[(prefixes[g].Length + 1)..];
            invalid[g] |= rest.Length == 0;
            arrays[g][filled[g]++] = KeyValuePair.Create(rest, leaves[i].Value);
        }

        // Names within a group are distinct (their full names are); only an empty rest ("a.") is invalid.
        var map = new Dictionary<string, TensorTree?>(prefixes.Count, StringComparer.Ordinal);
        for (var g = 0; g < prefixes.Count; g++)
        {
            map.Add(prefixes[g], invalid[g] ? null : new TensorTree(new Flat(ImmutableCollectionsMarshal.AsImmutableArray(arrays[g]))));
        }

        return Interlocked.CompareExchange(ref children, map, null) ?? map;
    }

    // The plain prefix scan, kept for the one case the cache does not hold: it throws as the constructor does.
    private TensorTree ScanChild(string name)
    {
        var prefix = name + ".";
        return new TensorTree([.. Leaves.Where(l => l.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(l => KeyValuePair.Create(l.Key[prefix.Length..], l.Value))]);
    }

    /// <summary>A tree of the same names with <paramref name="f"/> applied to each leaf.</summary>
    public TensorTree Map(Func<Tensor, Tensor> f) =>
        new([.. Leaves.Select(l => KeyValuePair.Create(l.Key, f(l.Value)))]);

    /// <summary>A tree of the same names with <paramref name="f"/>(name, leaf) applied to each leaf.</summary>
    public TensorTree Map(Func<string, Tensor, Tensor> f) =>
        new([.. Leaves.Select(l => KeyValuePair.Create(l.Key, f(l.Key, l.Value)))]);

    /// <summary>
    /// Combines two trees with the same leaf names and shapes, leaf by leaf, in this tree's order.
    /// Throws naming the first difference.
    /// </summary>
    public TensorTree Zip(TensorTree other, Func<Tensor, Tensor, Tensor> f)
    {
        RequireSameStructure(other, "Zip");
        return new([.. Leaves.Select(l => KeyValuePair.Create(l.Key, f(l.Value, other[l.Key])))]);
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

        foreach (var (name, value) in Leaves)
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
        new([.. Leaves.Select(l => replacements.TryGet(l.Key, out var r) ? KeyValuePair.Create(l.Key, r) : l)]);

    /// <summary>Releases every leaf's native memory (no-op on the Reference backend).</summary>
    public void Dispose()
    {
        if (parts is not null && Volatile.Read(ref flat) is null)
        {
            foreach (var (_, child) in parts)
            {
                child.Dispose();
            }

            return;
        }

        foreach (var l in Leaves)
        {
            l.Value.Dispose();
        }
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, Tensor>>)Leaves).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Lists each leaf with its shape: <c>0.weight [3, 2], 0.bias [3]</c>.</summary>
    public string Describe() => Count == 0 ? "(none)" : string.Join(", ", Leaves.Select(l => $"{l.Key} {l.Value.Shape}"));

    /// <inheritdoc />
    public override string ToString() => $"TensorTree({Describe()})";

    /// <summary>The leaves with their full names, and a name index built on demand.</summary>
    private sealed class Flat(ImmutableArray<KeyValuePair<string, Tensor>> leaves)
    {
        /// <summary>Up to this many leaves a name is found by scanning: a layer's 1–4 leaves need no dictionary.</summary>
        public const int ScanLimit = 8;

        private Dictionary<string, int>? index;

        public ImmutableArray<KeyValuePair<string, Tensor>> Leaves { get; } = leaves;

        public int IndexOf(string name)
        {
            if (Leaves.Length <= ScanLimit)
            {
                for (var i = 0; i < Leaves.Length; i++)
                {
                    if (string.Equals(Leaves[i].Key, name, StringComparison.Ordinal))
                    {
                        return i;
                    }
                }

                return -1;
            }

            return (Volatile.Read(ref index) ?? BuildIndex()).TryGetValue(name, out var at) ? at : -1;
        }

        /// <summary>Builds (and publishes) the index, throwing on a duplicate name.</summary>
        public Dictionary<string, int> BuildIndex()
        {
            var built = new Dictionary<string, int>(Leaves.Length, StringComparer.Ordinal);
            for (var i = 0; i < Leaves.Length; i++)
            {
                if (!built.TryAdd(Leaves[i].Key, i))
                {
                    throw new ArgumentException($"duplicate leaf name '{Leaves[i].Key}'");
                }
            }

            return Interlocked.CompareExchange(ref index, built, null) ?? built;
        }
    }
}
