namespace Functional.Nets;

/// <summary>
/// Tree surgery for transfer learning: renaming, selecting, removing, replacing and merging leaves.
/// Every operation is pure (it returns a new tree and shares the tensors, copying none) and keeps leaf
/// order stable: the leaves that remain keep their relative order, as written on each method.
/// </summary>
/// <remarks>
/// A <em>prefix</em> here is a whole number of name segments: <c>"0"</c> is the prefix of <c>0.weight</c>
/// and of a leaf named <c>0</c> itself, but not of <c>10.weight</c> (PyTorch's <c>state_dict</c> naming,
/// where dots separate modules).
/// </remarks>
public sealed partial class TensorTree
{
    /// <summary>
    /// This tree with every name prefixed: <c>weight</c> becomes <c>backbone.weight</c>, in the same order.
    /// <c>tree.WithPrefix("p").Child("p")</c> gives the tree back.
    /// </summary>
    /// <example><code>
    /// var backbone = pretrained.WithPrefix("0");     // "weight" -> "0.weight", ready to merge into a Sequential's tree
    /// </code></example>
    /// <param name="prefix">The segments to put in front (without a trailing dot), e.g. <c>backbone</c> or <c>0.1</c>.</param>
    public TensorTree WithPrefix(string prefix)
    {
        RequirePrefix(prefix, "WithPrefix", nameof(prefix));
        return Nest([(prefix, this)]);
    }

    /// <summary>
    /// This tree with each name replaced by <paramref name="rename"/>(name), in the same order.
    /// Throws naming both original leaves when two names map to the same new name, and the leaf when a new
    /// name is empty.
    /// </summary>
    /// <example><code>
    /// // PyTorch's "fc.*" is our head, "layer1.*" ... our body:
    /// var ours = theirs.Rename(n => n.Replace("fc.", "head.", StringComparison.Ordinal));
    /// </code></example>
    public TensorTree Rename(Func<string, string> rename)
    {
        ArgumentNullException.ThrowIfNull(rename);
        var renamed = new List<KeyValuePair<string, Tensor>>(Count);
        var from = new Dictionary<string, string>(Count, StringComparer.Ordinal);
        foreach (var (name, value) in Leaves)
        {
            var next = rename(name);
            if (string.IsNullOrEmpty(next))
            {
                throw new ArgumentException($"Rename: leaf '{name}' was renamed to an empty name", nameof(rename));
            }

            if (!from.TryAdd(next, name))
            {
                throw new ArgumentException($"Rename: leaves '{from[next]}' and '{name}' were both renamed to '{next}'", nameof(rename));
            }

            renamed.Add(KeyValuePair.Create(next, value));
        }

        return new([.. renamed]);
    }

    /// <summary>
    /// This tree with the leaves under <paramref name="oldPrefix"/> moved under <paramref name="newPrefix"/>
    /// (<c>Rename("fc", "head")</c>: <c>fc.weight</c> → <c>head.weight</c>; <c>fc10.weight</c> stays), in the
    /// same order. An empty <paramref name="newPrefix"/> strips the prefix (<c>fc.weight</c> → <c>weight</c>).
    /// Throws if no leaf is under <paramref name="oldPrefix"/> (a typo would otherwise rename nothing), or if
    /// a new name clashes with another leaf.
    /// </summary>
    /// <example><code>
    /// var moved = tree.Rename("0", "backbone.0");   // "0.weight" -> "backbone.0.weight"
    /// </code></example>
    public TensorTree Rename(string oldPrefix, string newPrefix)
    {
        RequirePrefix(oldPrefix, "Rename", nameof(oldPrefix));
        ArgumentNullException.ThrowIfNull(newPrefix);
        if (newPrefix.EndsWith('.'))
        {
            throw new ArgumentException($"Rename: the new prefix '{newPrefix}' ends with a dot; give the segments only (the dot is added)", nameof(newPrefix));
        }

        RequireSomeUnder(oldPrefix, "Rename");
        return Rename(name =>
        {
            if (!IsUnder(name, oldPrefix))
            {
                return name;
            }

            // name is oldPrefix itself or oldPrefix + "." + rest.
            var rest = name[oldPrefix.Length..];
            return newPrefix.Length > 0 ? newPrefix + rest : rest.Length > 0 ? rest[1..] : rest;
        });
    }

    /// <summary>
    /// The leaves whose names satisfy <paramref name="keep"/>, in their order (the matching part of
    /// <see cref="Partition"/>). A lambda over <see cref="KeyValuePair{TKey, TValue}"/> still binds to LINQ's
    /// <c>Where</c>, which gives the same leaves as an enumerable.
    /// </summary>
    /// <example><code>
    /// var head = parameters.Where(name => name.StartsWith("2.", StringComparison.Ordinal));
    /// </code></example>
    public TensorTree Where(Func<string, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return new([.. Leaves.Where(l => keep(l.Key))]);
    }

    /// <summary>The leaves whose names fail <paramref name="remove"/>, in their order: <c>Where(n => !remove(n))</c>.</summary>
    /// <example><code>
    /// var noBias = parameters.Without(name => name.EndsWith(".bias", StringComparison.Ordinal));
    /// </code></example>
    public TensorTree Without(Func<string, bool> remove)
    {
        ArgumentNullException.ThrowIfNull(remove);
        return new([.. Leaves.Where(l => !remove(l.Key))]);
    }

    /// <summary>
    /// This tree without the leaves under <paramref name="prefix"/> (the leaf named <paramref name="prefix"/>
    /// and every <c>prefix.*</c>), the rest in order. Throws if no leaf is under it.
    /// </summary>
    /// <example><code>
    /// var backbone = pretrained.Without("fc");        // drop the classifier before loading into a new head
    /// </code></example>
    public TensorTree Without(string prefix)
    {
        RequirePrefix(prefix, "Without", nameof(prefix));
        RequireSomeUnder(prefix, "Without");
        return Without(name => IsUnder(name, prefix));
    }

    /// <summary>
    /// This tree with the leaves under <paramref name="prefix"/> replaced by <paramref name="subtree"/>'s,
    /// prefixed (<c>Replace("2", head)</c>: head's <c>weight</c> becomes <c>2.weight</c>). The new leaves
    /// take the place of the first leaf removed, in the subtree's order; the others keep theirs. Throws if no
    /// leaf is under <paramref name="prefix"/> (to add leaves, use <see cref="Merge"/>).
    /// </summary>
    /// <example><code>
    /// var fresh = new Dense(512, 10).Init(key, backend);
    /// var model = pretrained.Replace("fc", fresh);  // a new 10-class head on the pretrained body
    /// </code></example>
    public TensorTree Replace(string prefix, TensorTree subtree)
    {
        RequirePrefix(prefix, "Replace", nameof(prefix));
        ArgumentNullException.ThrowIfNull(subtree);
        RequireSomeUnder(prefix, "Replace");
        var result = new List<KeyValuePair<string, Tensor>>(Count + subtree.Count);
        var inserted = false;
        foreach (var leaf in Leaves)
        {
            if (!IsUnder(leaf.Key, prefix))
            {
                result.Add(leaf);
            }
            else if (!inserted)
            {
                result.AddRange(subtree.WithPrefix(prefix));
                inserted = true;
            }
        }

        return new([.. result]);
    }

    /// <summary>
    /// Splits the leaves by name: those satisfying <paramref name="matches"/> and the rest, each in their
    /// order; <c>matching.Merge(remaining)</c> has the same leaves (reordered if the two were interleaved).
    /// Equinox's <c>eqx.partition</c>: differentiate the trainable part, keep the frozen part as a constant.
    /// </summary>
    /// <example><code>
    /// var (trainable, frozen) = parameters.Partition(name => name.StartsWith("2.", StringComparison.Ordinal));
    /// </code></example>
    public (TensorTree Matching, TensorTree Remaining) Partition(Func<string, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var yes = new List<KeyValuePair<string, Tensor>>();
        var no = new List<KeyValuePair<string, Tensor>>();
        foreach (var leaf in Leaves)
        {
            (matches(leaf.Key) ? yes : no).Add(leaf);
        }

        return (new([.. yes]), new([.. no]));
    }

    /// <summary>
    /// The union of two trees with no name in common: this tree's leaves, then <paramref name="other"/>'s,
    /// each in order. Throws naming every shared leaf, with its shape in both trees.
    /// </summary>
    /// <example><code>
    /// var model = backbone.WithPrefix("0").Merge(head.WithPrefix("1"));
    /// </code></example>
    public TensorTree Merge(TensorTree other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var shared = other.Leaves.Where(l => Contains(l.Key)).Select(l => $"'{l.Key}' ({this[l.Key].Shape} in the first, {l.Value.Shape} in the second)").ToList();
        if (shared.Count > 0)
        {
            throw new ArgumentException($"Merge: the trees must be disjoint, but both have {string.Join(", ", shared)}", nameof(other));
        }

        return new([.. Leaves, .. other.Leaves]);
    }

    /// <summary>Whether <paramref name="name"/> is <paramref name="prefix"/> or starts with <paramref name="prefix"/> and a dot.</summary>
    private static bool IsUnder(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && (name.Length == prefix.Length || name[prefix.Length] == '.');

    private static void RequirePrefix(string prefix, string operation, string parameter)
    {
        ArgumentNullException.ThrowIfNull(prefix, parameter);
        if (prefix.Length == 0 || prefix.EndsWith('.'))
        {
            throw new ArgumentException($"{operation}: a prefix is one or more name segments without a trailing dot (e.g. 'backbone' or '0.1'), got '{prefix}'", parameter);
        }
    }

    private void RequireSomeUnder(string prefix, string operation)
    {
        if (!Leaves.Any(l => IsUnder(l.Key, prefix)))
        {
            throw new ArgumentException($"{operation}: no leaf is under '{prefix}'; leaves: {Describe()}");
        }
    }
}
