using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Data;

/// <summary>A generated batching case: a dataset of <paramref name="Count"/> samples, a batch size and a key.</summary>
/// <param name="Seed">Seed of the shuffling key.</param>
/// <param name="Count">Samples N (0–300).</param>
/// <param name="BatchSize">Batch size (1–70; sometimes larger than N).</param>
public sealed record BatchCase(long Seed, int Count, int BatchSize)
{
    /// <summary>The arbitrary (shrinks toward fewer samples and smaller batches; the seed stays).</summary>
    public static Arbitrary<BatchCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from count in Gen.Choose(0, 300)
        from batch in Gen.Choose(1, 70)
        select new BatchCase(seed, count, batch),
        c => new[] { c with { Count = c.Count / 2 }, c with { Count = c.Count - 1 }, c with { BatchSize = c.BatchSize / 2 } }
            .Where(s => s.Count >= 0 && s.BatchSize >= 1 && s != c));

    /// <summary>The key of the case.</summary>
    public Key Key => Key.FromSeed(Seed);

    /// <summary>
    /// A dataset whose sample i is recognizable from its values: inputs row i = (i, −i/2, i²) as [N, 3],
    /// targets i + 1000 as [N], labels i mod 7.
    /// </summary>
    public Dataset Dataset(Backend backend) => IndexedData.Create(backend, Count);
}

/// <summary>A generated stratification case: sample counts per class, a validation fraction and a key.</summary>
/// <param name="Seed">Seed of the split key and of the sample order.</param>
/// <param name="ClassCounts">nᶜ for each class (0–60 each, 1–8 classes).</param>
/// <param name="FractionPercent">The validation fraction in percent (0–100).</param>
public sealed record StratifyCase(long Seed, int[] ClassCounts, int FractionPercent)
{
    /// <summary>The arbitrary.</summary>
    public static Arbitrary<StratifyCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from classes in Gen.Choose(1, 8)
        from counts in Gen.ArrayOf(Gen.Choose(0, 60), classes)
        from percent in Gen.Choose(0, 100)
        select new StratifyCase(seed, counts, percent));

    /// <summary>f.</summary>
    public double Fraction => FractionPercent / 100.0;

    /// <summary>N.</summary>
    public int Count => ClassCounts.Sum();

    /// <summary>Labels with the case's class counts, in an order shuffled by the seed (so classes interleave).</summary>
    public int[] Labels()
    {
        var ordered = ClassCounts.SelectMany((n, c) => Enumerable.Repeat(c, n)).ToArray();
        return Key.FromSeed(Seed).Fold(99).Permutation(ordered.Length).Select(i => ordered[i]).ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => $"StratifyCase(seed {Seed}, class counts [{string.Join(", ", ClassCounts)}], f = {Fraction})";
}

/// <summary>Datasets whose samples carry their own index, so a gathered row says where it came from.</summary>
public static class IndexedData
{
    /// <summary>Inputs row i = (i, −i/2, i²) [N, 3], targets i + 1000 [N], labels <paramref name="labels"/> or i mod 7.</summary>
    public static Dataset Create(Backend backend, int count, IReadOnlyList<int>? labels = null)
    {
        var inputs = new double[count * 3];
        var targets = new double[count];
        for (var i = 0; i < count; i++)
        {
            inputs[3 * i] = i;
            inputs[3 * i + 1] = -i / 2.0;
            inputs[3 * i + 2] = (double)i * i;
            targets[i] = i + 1000;
        }

        return new Dataset(
            backend.FromArray(inputs, new Shape(count, 3)),
            backend.FromArray(targets, new Shape(count)),
            labels ?? Enumerable.Range(0, count).Select(i => i % 7).ToArray());
    }

    /// <summary>The sample indices a dataset made by <see cref="Create"/> (or gathered from one) holds, checking every row against its index.</summary>
    public static int[] IndicesOf(Tensor inputs, Tensor targets)
    {
        var x = inputs.ToArray();
        var t = targets.ToArray();
        var n = inputs.Shape[0];
        var indices = new int[n];
        for (var r = 0; r < n; r++)
        {
            var i = (int)x[3 * r];
            if (x[3 * r] != i || x[3 * r + 1] != -i / 2.0 || x[3 * r + 2] != (double)i * i || t[r] != i + 1000)
            {
                throw new LawViolation($"row {r} is ({x[3 * r]}, {x[3 * r + 1]}, {x[3 * r + 2]}) with target {t[r]}: not the row of any one sample");
            }

            indices[r] = i;
        }

        return indices;
    }
}
