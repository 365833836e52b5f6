using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Parameters;

/// <summary>
/// A generated tree with PyTorch-style dotted names of one to four segments (<c>step</c>, <c>0.weight</c>,
/// <c>fc.1.bias</c>, <c>10.bn.running_mean</c>), drawn from few segments so that prefixes are shared, and
/// <c>1</c> / <c>10</c> test that a prefix is a whole segment. Shapes are small (rank 0–2, dimensions 0–3).
/// </summary>
/// <param name="Seed">The seed of every value.</param>
/// <param name="Leaves">The leaves, in tree order (names distinct).</param>
public sealed record NamedTreeCase(long Seed, LeafShape[] Leaves)
{
    /// <summary>The segments names are made of, before the last.</summary>
    public static readonly string[] Segments = ["0", "1", "10", "fc", "bn", "head"];

    private static readonly string[] Stems = ["weight", "bias", "running_mean", "step"];

    /// <summary>The arbitrary: 0–8 leaves; shrinks by dropping leaves.</summary>
    public static Arbitrary<NamedTreeCase> Arbitrary { get; } = Arb.From(Generator(), Shrink);

    /// <summary>The tree on <paramref name="backend"/>.</summary>
    public TensorTree Tree(Backend backend) =>
        TensorTree.Of(Leaves.Select((leaf, i) => KeyValuePair.Create(leaf.Name, backend.FromArray(Key.FromSeed(Seed).Fold((ulong)i).Normal((int)leaf.Shape.Size), leaf.Shape))));

    /// <summary>Every prefix of every name (whole segments) and a few that no name has.</summary>
    public IEnumerable<string> Prefixes()
    {
        var all = new HashSet<string>(StringComparer.Ordinal) { "nothing", "1.nothing", "fc.0" };
        foreach (var leaf in Leaves)
        {
            var parts = leaf.Name.Split('.');
            for (var k = 1; k <= parts.Length; k++)
            {
                all.Add(string.Join('.', parts[..k]));
            }
        }

        return all.Order(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public override string ToString() => $"NamedTreeCase(seed {Seed}: {string.Join("; ", Leaves.Select(l => l.ToString()))})";

    private static Gen<NamedTreeCase> Generator()
    {
        var leaf =
            from depth in Gen.Choose(0, 3)
            from segments in Gen.ArrayOf(Gen.Elements(Segments), depth)
            from stem in Gen.Elements(Stems)
            from rank in Gen.Choose(0, 2)
            from dims in Gen.ArrayOf(Gen.Choose(0, 3), rank)
            select new LeafShape(string.Join('.', [.. segments, stem]), new Shape(dims));
        return
            from seed in Gen.Choose(0, int.MaxValue)
            from count in Gen.Choose(0, 8)
            from leaves in Gen.ArrayOf(leaf, count)
            select new NamedTreeCase(seed, [.. leaves.DistinctBy(l => l.Name)]);
    }

    private static IEnumerable<NamedTreeCase> Shrink(NamedTreeCase c)
    {
        for (var i = 0; i < c.Leaves.Length; i++)
        {
            yield return c with { Leaves = [.. c.Leaves.Where((_, j) => j != i)] };
        }
    }
}

/// <summary>Comparisons of trees by names, order and tensor identity, failing with what differs.</summary>
public static class Trees
{
    /// <summary>The subtree under <paramref name="name"/> by the definition: every leaf starting with <c>name.</c>, the prefix removed, in order.</summary>
    public static List<KeyValuePair<string, Tensor>> ScanChild(TensorTree tree, string name) =>
        [.. tree.Where(l => l.Key.StartsWith(name + ".", StringComparison.Ordinal)).Select(l => KeyValuePair.Create(l.Key[(name.Length + 1)..], l.Value))];

    /// <summary>Throws unless <paramref name="actual"/> has exactly these names in this order, holding the very same tensor instances.</summary>
    public static void Same(string what, IReadOnlyList<KeyValuePair<string, Tensor>> expected, TensorTree actual)
    {
        var e = expected.Select(l => l.Key).ToArray();
        var a = actual.Names.ToArray();
        if (!e.SequenceEqual(a, StringComparer.Ordinal))
        {
            throw new LawViolation($"{what}: leaf names [{string.Join(", ", a)}], expected [{string.Join(", ", e)}]");
        }

        if (actual.Count != expected.Count)
        {
            throw new LawViolation($"{what}: Count {actual.Count}, expected {expected.Count}");
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (!ReferenceEquals(expected[i].Value, actual[i].Value) || !ReferenceEquals(expected[i].Value, actual[expected[i].Key]))
            {
                throw new LawViolation($"{what}: leaf '{expected[i].Key}' holds another tensor than expected");
            }
        }
    }
}
