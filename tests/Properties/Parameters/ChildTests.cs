namespace Functional.Nets.Tests.Parameters;

/// <summary>
/// <see cref="TensorTree.Child"/> is the prefix scan it always was (same names, order and tensors) on flat
/// and nested trees, on every backend, and is cached: repeated calls return the same instance, and a tree
/// made by <see cref="TensorTree.Nest"/> hands back the children it was given. A nested tree is
/// indistinguishable from the flat tree of the same leaves.
/// </summary>
public sealed class ChildTests
{
    /// <summary>Child(p) equals the scan for every prefix of a generated tree, flat or nested, and repeats return the same instance.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Child_is_the_prefix_scan_and_cached(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var flat = c.Tree(backend);

            // The same leaves nested under two new first segments (a container's children), then read back.
            var nested = TensorTree.Nest([("a", flat), ("b", TensorTree.Of(flat.Take(1)))]);
            foreach (var tree in new[] { flat, nested.Child("a") })
            {
                foreach (var p in c.Prefixes())
                {
                    var child = tree.Child(p);
                    Trees.Same($"{combination}, Child(\"{p}\") of {c}", Trees.ScanChild(flat, p), child);
                    if (!ReferenceEquals(child, tree.Child(p)))
                    {
                        throw new LawViolation($"{combination}, Child(\"{p}\") of {c}: a second call returned another instance");
                    }
                }
            }

            if (!ReferenceEquals(nested.Child("a"), flat) && flat.Count > 0)
            {
                throw new LawViolation($"Nest then Child(\"a\") did not return the child given to Nest, in {c}");
            }
        });
    }

    /// <summary>A nested tree enumerates, indexes, counts, describes and disposes as the flat tree of its leaves.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Nested_tree_behaves_as_its_flat_leaves(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var inner = c.Tree(backend);
            var nested = TensorTree.Nest([("x", inner), ("y", TensorTree.Empty), ("z", inner.WithPrefix("deep"))]);
            var flat = TensorTree.Of(
                inner.Select(l => KeyValuePair.Create("x." + l.Key, l.Value))
                    .Concat(inner.Select(l => KeyValuePair.Create("z.deep." + l.Key, l.Value))));

            // Lookups first, before anything materializes the nested tree's flat leaves.
            foreach (var (name, value) in flat)
            {
                if (!nested.Contains(name) || !ReferenceEquals(nested[name], value))
                {
                    throw new LawViolation($"nested lookup of '{name}' failed, in {c}");
                }
            }

            if (nested.Contains("x") || nested.Contains("y.weight") || nested.Contains("nothing.weight"))
            {
                throw new LawViolation($"nested tree claims a leaf it does not have, in {c}");
            }

            if (nested.Count != flat.Count || nested.ParameterCount != flat.ParameterCount)
            {
                throw new LawViolation($"nested Count {nested.Count} / ParameterCount {nested.ParameterCount}, flat {flat.Count} / {flat.ParameterCount}, in {c}");
            }

            Trees.Same($"nested tree, {c}", [.. flat], nested);
            Assert.Equal(flat.Describe(), nested.Describe());
            Trees.Same($"Child(\"z.deep\"), {c}", [.. inner], nested.Child("z.deep"));
        });
    }

    /// <summary>Many threads asking for the same child of a fresh tree get one instance.</summary>
    [Fact]
    public void Concurrent_Child_calls_share_one_instance()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var model = new Sequential(Enumerable.Range(0, 50).Select(_ => (Layer)new Dense(2, 2)));
        for (var round = 0; round < 20; round++)
        {
            var tree = model.Init(Key.FromSeed(round), backend).Map(t => t);
            var seen = new TensorTree[16];
            Parallel.For(0, seen.Length, i => seen[i] = tree.Child("7"));
            Assert.All(seen, s => Assert.Same(seen[0], s));
            Assert.Equal(["weight", "bias"], seen[0].Names);
        }
    }

    /// <summary>A Sequential's parameters: Child per layer returns the tree its Init nested, every time.</summary>
    [Fact]
    public void Sequential_parameters_hand_back_each_layer_tree()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var model = new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2));
        var parameters = model.Init(Key.FromSeed(1), backend);
        var first = parameters.Child("0");
        Assert.Same(first, parameters.Child("0"));
        Assert.Same(TensorTree.Empty, parameters.Child("1"));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], parameters.Names);
        Assert.Equal(["weight", "bias"], parameters.Child("2").Names);
    }

    /// <summary>A leaf named "a." still makes Child("a") fail as it always did, and leaves other children alone.</summary>
    [Fact]
    public void An_empty_rest_fails_only_its_own_child()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var tree = TensorTree.Of(("a.", backend.FromArray([1.0], 1)), ("b.w", backend.FromArray([2.0], 1)));
        Assert.Equal(["w"], tree.Child("b").Names);
        var e = Assert.Throws<ArgumentException>(() => tree.Child("a"));
        Assert.Contains("a leaf name must not be empty", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Nest with dotted or repeated names falls back to flat leaves, with the same names as before.</summary>
    [Fact]
    public void Nest_with_dotted_or_repeated_names_keeps_its_meaning()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var w = TensorTree.Of(("w", backend.FromArray([1.0], 1)));
        var b = TensorTree.Of(("b", backend.FromArray([2.0], 1)));
        var tree = TensorTree.Nest([("0", w), ("0", b), ("0.1", w)]);
        Assert.Equal(["0.w", "0.b", "0.1.w"], tree.Names);
        Assert.Equal(["w", "b", "1.w"], tree.Child("0").Names);
        var e = Assert.Throws<ArgumentException>(() => TensorTree.Nest([("0", w), ("0", w)]));
        Assert.Contains("duplicate leaf name '0.w'", e.Message, StringComparison.Ordinal);
    }
}
