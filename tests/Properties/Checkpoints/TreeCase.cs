using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>One generated leaf: a name and a shape (rank 0–4, dimensions 0–5, so scalars and zero-size tensors occur).</summary>
/// <param name="Name">The leaf name; some contain characters JSON must escape or that are not ASCII.</param>
/// <param name="Dims">The dimensions.</param>
public sealed record LeafSpec(string Name, int[] Dims)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} [{string.Join(", ", Dims)}]";
}

/// <summary>
/// A generated tensor tree: leaf names and shapes, with values drawn from <see cref="Key.FromSeed(long)"/>
/// of <see cref="Seed"/> and sprinkled with the values a format most easily gets wrong (−0, ±∞, NaN,
/// subnormals, the largest and smallest normals), so the case reproduces from its printed form.
/// </summary>
/// <param name="Seed">The seed of every value.</param>
/// <param name="Leaves">The leaves, in tree order (names distinct).</param>
public sealed record TreeCase(long Seed, LeafSpec[] Leaves)
{
    private static readonly double[] Specials =
    [
        -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.Epsilon, 1e-310,
        double.MaxValue, double.MinValue, 2.2250738585072014e-308, 1.401298464324817e-45, 3.4028234663852886e38, 65504, 1,
    ];

    private static readonly string[] Stems = ["weight", "bias", "running_mean", "num_batches_tracked", "exp_avg", "ä→ö", "q\"uote", "back\\slash", "tab\tname", "space name"];

    /// <summary>The arbitrary: 0–6 leaves; shrinks by dropping leaves and shrinking dimensions to 0 or 1.</summary>
    public static Arbitrary<TreeCase> Arbitrary { get; } = Arb.From(Generator(), Shrink);

    /// <summary>The tree on <paramref name="backend"/> (values rounded to its dtype).</summary>
    public TensorTree Tree(Backend backend) =>
        TensorTree.Of(Leaves.Select((leaf, i) => KeyValuePair.Create(leaf.Name, backend.FromArray(Values(i, leaf), new Shape(leaf.Dims)))));

    /// <inheritdoc />
    public override string ToString() => $"TreeCase(seed {Seed}: {string.Join("; ", Leaves.Select(l => l.ToString()))})";

    private double[] Values(int index, LeafSpec leaf)
    {
        var key = Key.FromSeed(Seed).Fold((ulong)index);
        var n = (int)new Shape(leaf.Dims).Size;
        var values = key.Normal(n);
        var picks = key.Fold(1).Uniform(n);
        for (var i = 0; i < n; i++)
        {
            values[i] *= Math.Pow(10, (int)(picks[i] * 12) - 6);
            if (picks[i] < 0.25)
            {
                values[i] = Specials[(int)(picks[i] * 4 * Specials.Length)];
            }
        }

        return values;
    }

    private static Gen<TreeCase> Generator()
    {
        var dim = Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 5)));
        var leaf =
            from rank in Gen.Choose(0, 4)
            from dims in Gen.ArrayOf(dim, rank)
            from stem in Gen.Elements(Stems)
            select (stem, dims);
        return
            from seed in Gen.Choose(0, int.MaxValue)
            from count in Gen.Choose(0, 6)
            from leaves in Gen.ArrayOf(leaf, count)
            select new TreeCase(seed, [.. leaves.Select((l, i) => new LeafSpec($"{i}.{l.stem}", l.dims))]);
    }

    private static IEnumerable<TreeCase> Shrink(TreeCase c)
    {
        for (var i = 0; i < c.Leaves.Length; i++)
        {
            yield return c with { Leaves = [.. c.Leaves.Where((_, j) => j != i)] };
        }

        for (var i = 0; i < c.Leaves.Length; i++)
        {
            for (var d = 0; d < c.Leaves[i].Dims.Length; d++)
            {
                foreach (var smaller in new[] { 0, 1 }.Where(s => s < c.Leaves[i].Dims[d]))
                {
                    var dims = (int[])c.Leaves[i].Dims.Clone();
                    dims[d] = smaller;
                    var leaves = (LeafSpec[])c.Leaves.Clone();
                    leaves[i] = leaves[i] with { Dims = dims };
                    yield return c with { Leaves = leaves };
                }
            }
        }
    }
}

/// <summary>A fresh directory under the system's temporary folder, deleted with its contents on dispose.</summary>
public sealed class ScratchDirectory : IDisposable
{
    /// <summary>Creates the directory.</summary>
    public ScratchDirectory()
    {
        Path = Directory.CreateTempSubdirectory("fnets-ckpt-").FullName;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>A path for <paramref name="name"/> inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The names of the files in the directory, sorted.</summary>
    public string[] Files() => [.. Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Bit-for-bit comparison of trees and states, failing with the leaf, the index and both values.</summary>
public static class Bits
{
    /// <summary>Throws <see cref="LawViolation"/> unless the trees have the same names in the same order, the same shapes and bit-identical values.</summary>
    public static void Identical(string what, TensorTree expected, TensorTree actual)
    {
        var e = expected.Names.ToArray();
        var a = actual.Names.ToArray();
        if (!e.SequenceEqual(a))
        {
            throw new LawViolation($"{what}: leaf names [{string.Join(", ", a)}], expected [{string.Join(", ", e)}]");
        }

        foreach (var (name, tensor) in expected)
        {
            var other = actual[name];
            if (tensor.Shape != other.Shape)
            {
                throw new LawViolation($"{what}: leaf '{name}' has shape {other.Shape}, expected {tensor.Shape}");
            }

            if (tensor.DType != other.DType)
            {
                throw new LawViolation($"{what}: leaf '{name}' has dtype {other.DType}, expected {tensor.DType}");
            }

            var x = tensor.ToArray();
            var y = other.ToArray();
            for (var i = 0; i < x.Length; i++)
            {
                if (BitConverter.DoubleToInt64Bits(x[i]) != BitConverter.DoubleToInt64Bits(y[i]))
                {
                    throw new LawViolation($"{what}: leaf '{name}' flat index {i} is {y[i]:R} (0x{BitConverter.DoubleToInt64Bits(y[i]):X16}), expected {x[i]:R} (0x{BitConverter.DoubleToInt64Bits(x[i]):X16})");
                }
            }
        }
    }

    /// <summary>Throws unless the two states are bit-identical in every tree, the step and the key.</summary>
    public static void Identical(string what, TrainState expected, TrainState actual)
    {
        Identical($"{what}, parameters", expected.Parameters, actual.Parameters);
        Identical($"{what}, layer state", expected.LayerState, actual.LayerState);
        Identical($"{what}, optimizer state", expected.OptimizerState, actual.OptimizerState);
        if (expected.Step != actual.Step || expected.Key != actual.Key)
        {
            throw new LawViolation($"{what}: step {actual.Step} and key {actual.Key}, expected step {expected.Step} and key {expected.Key}");
        }
    }
}
