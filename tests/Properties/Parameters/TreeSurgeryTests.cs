namespace Functional.Nets.Tests.Parameters;

/// <summary>
/// The tree surgery is what its definition says, on generated trees and every backend: names change as
/// written, leaves keep their order and their very tensors, and each error names the operation, what was
/// expected and what was found.
/// </summary>
public sealed class TreeSurgeryTests
{
    private static bool IsUnder(string name, string prefix) =>
        name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);

    /// <summary>WithPrefix puts the prefix in front of every name, and Child takes it off again.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void WithPrefix_then_Child_is_the_identity(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var tree = c.Tree(backend);
            foreach (var prefix in new[] { "backbone", "0", "a.b" })
            {
                var prefixed = tree.WithPrefix(prefix);
                Trees.Same($"WithPrefix(\"{prefix}\"), {c}", [.. tree.Select(l => KeyValuePair.Create(prefix + "." + l.Key, l.Value))], prefixed);
                Trees.Same($"WithPrefix(\"{prefix}\").Child, {c}", [.. tree], prefixed.Child(prefix));
            }
        });
    }

    /// <summary>Where, Without and Partition select by name in order; the two parts of Partition are Where and Without, and merge back to the same leaves.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Where_Without_and_Partition_split_by_name_in_order(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var tree = c.Tree(backend);
            foreach (var prefix in c.Prefixes())
            {
                bool Under(string n) => IsUnder(n, prefix);
                var yes = tree.Where(Under);
                var no = tree.Without(Under);
                var (matching, remaining) = tree.Partition(Under);
                Trees.Same($"Where, {prefix}, {c}", [.. Enumerable.Where(tree, l => Under(l.Key))], yes);
                Trees.Same($"Without, {prefix}, {c}", [.. Enumerable.Where(tree, l => !Under(l.Key))], no);
                Trees.Same($"Partition matching, {prefix}, {c}", [.. yes], matching);
                Trees.Same($"Partition remaining, {prefix}, {c}", [.. no], remaining);
                Trees.Same($"Merge of the parts, {prefix}, {c}", [.. yes, .. no], matching.Merge(remaining));
                if (yes.Count > 0)
                {
                    Trees.Same($"Without(\"{prefix}\"), {c}", [.. no], tree.Without(prefix));
                }
            }
        });
    }

    /// <summary>Rename(old, new) moves exactly the leaves under old, in place; Rename(old, "") strips it.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Rename_prefix_moves_whole_segments(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var tree = c.Tree(backend);
            foreach (var prefix in c.Prefixes().Where(p => tree.Any(l => IsUnder(l.Key, p) && l.Key != p)))
            {
                var moved = tree.Rename(prefix, "new.place");
                Trees.Same(
                    $"Rename(\"{prefix}\", \"new.place\"), {c}",
                    [.. tree.Select(l => IsUnder(l.Key, prefix) ? KeyValuePair.Create("new.place" + l.Key[prefix.Length..], l.Value) : l)],
                    moved);
                Trees.Same($"Rename back, {c}", [.. tree], moved.Rename("new.place", prefix));

                // Stripping clashes exactly when a stripped name equals another leaf's (or is empty): then it throws.
                var stripped = tree.Select(l => IsUnder(l.Key, prefix) ? l.Key.Length > prefix.Length ? l.Key[(prefix.Length + 1)..] : "" : l.Key).ToList();
                if (stripped.Distinct().Count() == stripped.Count && !stripped.Contains(""))
                {
                    Assert.Equal(stripped, tree.Rename(prefix, "").Names);
                }
                else
                {
                    var e = Assert.Throws<ArgumentException>(() => tree.Rename(prefix, ""));
                    Assert.Matches("^Rename: (leaves '.+' and '.+' were both renamed to '.*'|leaf '.+' was renamed to an empty name)", e.Message);
                }
            }
        });
    }

    /// <summary>Replace puts the subtree's leaves, prefixed, where the first replaced leaf was.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Replace_puts_the_subtree_in_place(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var tree = c.Tree(backend);
            using var head = TensorTree.Of(("weight", backend.FromArray([1.0, 2.0], 2)), ("bias", backend.FromArray([3.0], 1)));
            foreach (var prefix in c.Prefixes().Where(p => tree.Any(l => IsUnder(l.Key, p))))
            {
                var first = tree.Names.ToList().FindIndex(n => IsUnder(n, prefix));
                var kept = tree.Where(l => !IsUnder(l.Key, prefix)).ToList();
                var before = tree.Take(first).Count(l => !IsUnder(l.Key, prefix));
                List<KeyValuePair<string, Tensor>> expected = [.. kept.Take(before), .. head.Select(l => KeyValuePair.Create(prefix + "." + l.Key, l.Value)), .. kept.Skip(before)];
                if (expected.Select(l => l.Key).Distinct().Count() == expected.Count)
                {
                    Trees.Same($"Replace(\"{prefix}\", head), {c}", expected, tree.Replace(prefix, head));
                }
            }
        });
    }

    /// <summary>A concrete transfer: a pretrained Sequential's head swapped for a fresh one, its body moved under "backbone".</summary>
    [Fact]
    public void Transfer_surgery_on_a_Sequential()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var pretrained = new Sequential(new Dense(4, 8), new Tanh(), new Dense(8, 10)).Init(Key.FromSeed(1), backend);
        var head = new Dense(8, 3).Init(Key.FromSeed(2), backend);
        var swapped = pretrained.Replace("2", head);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], swapped.Names);
        Assert.Same(head["weight"], swapped["2.weight"]);
        Assert.Same(pretrained["0.weight"], swapped["0.weight"]);
        var moved = swapped.Rename("0", "backbone");
        Assert.Equal(["backbone.weight", "backbone.bias", "2.weight", "2.bias"], moved.Names);
        var (body, rest) = moved.Partition(n => n.StartsWith("backbone.", StringComparison.Ordinal));
        Assert.Equal(["backbone.weight", "backbone.bias"], body.Names);
        Assert.Equal(["2.weight", "2.bias"], rest.Names);
        Assert.Equal(["weight", "bias", "2.weight", "2.bias"], moved.Rename("backbone", "").Names);
    }

    /// <summary>Every surgery error names the operation, and what it expected against what it got.</summary>
    [Fact]
    public void Errors_name_the_operation_and_what_was_found()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var tree = TensorTree.Of(("0.weight", backend.FromArray([1.0, 2.0], 2)), ("0.bias", backend.FromArray([3.0], 1)), ("10.weight", backend.FromArray([4.0], 1)));

        var e = Assert.Throws<ArgumentException>(() => tree.Merge(TensorTree.Of(("0.bias", backend.FromArray([5.0, 6.0], 2)))));
        Assert.StartsWith("Merge: the trees must be disjoint, but both have '0.bias' ([1] in the first, [2] in the second)", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => tree.Rename(n => n.EndsWith("weight", StringComparison.Ordinal) ? "w" : n));
        Assert.StartsWith("Rename: leaves '0.weight' and '10.weight' were both renamed to 'w'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => tree.Rename(_ => ""));
        Assert.StartsWith("Rename: leaf '0.weight' was renamed to an empty name", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => tree.Rename("0", "1."));
        Assert.StartsWith("Rename: the new prefix '1.' ends with a dot", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => tree.Rename("0", "10"));
        Assert.StartsWith("Rename: leaves '0.weight' and '10.weight' were both renamed to '10.weight'", e.Message, StringComparison.Ordinal);

        foreach (var (operation, act) in new (string, Action)[]
        {
            ("Rename", () => tree.Rename("1", "x")),
            ("Without", () => tree.Without("1")),
            ("Replace", () => tree.Replace("fc", TensorTree.Empty)),
        })
        {
            e = Assert.Throws<ArgumentException>(act);
            Assert.StartsWith($"{operation}: no leaf is under '", e.Message, StringComparison.Ordinal);
            Assert.Contains("leaves: 0.weight [2], 0.bias [1], 10.weight [1]", e.Message, StringComparison.Ordinal);
        }

        foreach (var (operation, act) in new (string, Action)[]
        {
            ("WithPrefix", () => tree.WithPrefix("")),
            ("WithPrefix", () => tree.WithPrefix("a.")),
            ("Rename", () => tree.Rename("0.", "x")),
            ("Without", () => tree.Without("")),
            ("Replace", () => tree.Replace("0.", TensorTree.Empty)),
        })
        {
            e = Assert.Throws<ArgumentException>(act);
            Assert.StartsWith($"{operation}: a prefix is one or more name segments without a trailing dot (e.g. 'backbone' or '0.1'), got '", e.Message, StringComparison.Ordinal);
        }
    }
}
