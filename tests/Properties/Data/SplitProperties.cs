using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// Train/validation splits: every sample lands in exactly one part, in the dataset's order; the
/// validation part holds round(f·N) samples; a stratified split gives each class ⌊f·nᶜ⌋ or ⌈f·nᶜ⌉
/// validation samples; both are reproducible from the key.
/// </summary>
public sealed class SplitProperties
{
    /// <summary>The stratified split keeps each class's proportion to within one sample and the total exact.</summary>
    [Fact]
    public void Stratified_split_keeps_class_proportions()
    {
        Law.Check(StratifyCase.Arbitrary, c =>
        {
            var labels = c.Labels();
            var data = IndexedData.Create(ReferenceBackend.Instance, labels.Length, labels);
            var (train, validation) = data.StratifiedSplit(c.Fraction, Key.FromSeed(c.Seed));
            var trainIndices = Partition(data, train, validation, c.ToString());

            var expectedTotal = (int)Math.Round(c.Fraction * c.Count, MidpointRounding.AwayFromZero);
            if (validation.Count != expectedTotal)
            {
                throw new LawViolation($"{c}: validation holds {validation.Count} samples, expected round(f·N) = {expectedTotal}");
            }

            for (var k = 0; k < c.ClassCounts.Length; k++)
            {
                var inValidation = validation.Labels!.Count(l => l == k);
                var exact = c.Fraction * c.ClassCounts[k];
                if (inValidation < Math.Floor(exact) || inValidation > Math.Ceiling(exact))
                {
                    throw new LawViolation($"{c}: class {k} has {inValidation} of {c.ClassCounts[k]} samples in validation, expected ⌊{exact}⌋ or ⌈{exact}⌉");
                }

                if (train.Labels!.Count(l => l == k) + inValidation != c.ClassCounts[k])
                {
                    throw new LawViolation($"{c}: class {k} lost or gained samples");
                }
            }

            var (again, _) = data.StratifiedSplit(c.Fraction, Key.FromSeed(c.Seed));
            if (!IndexedData.IndicesOf(again.Inputs, again.Targets).SequenceEqual(trainIndices))
            {
                throw new LawViolation($"{c}: the same key gave a different split");
            }
        }, cases: 300);
    }

    /// <summary>The plain split sends round(f·N) samples to validation, the rest to training, reproducibly.</summary>
    [Fact]
    public void Split_has_the_rounded_size_and_is_reproducible()
    {
        Law.Check(StratifyCase.Arbitrary, c =>
        {
            var data = IndexedData.Create(ReferenceBackend.Instance, c.Count);
            var (train, validation) = data.Split(c.Fraction, Key.FromSeed(c.Seed));
            var trainIndices = Partition(data, train, validation, c.ToString());
            var expected = (int)Math.Round(c.Fraction * c.Count, MidpointRounding.AwayFromZero);
            if (validation.Count != expected)
            {
                throw new LawViolation($"{c}: validation holds {validation.Count} samples, expected {expected}");
            }

            var (again, _) = data.Split(c.Fraction, Key.FromSeed(c.Seed));
            if (!IndexedData.IndicesOf(again.Inputs, again.Targets).SequenceEqual(trainIndices))
            {
                throw new LawViolation($"{c}: the same key gave a different split");
            }
        }, cases: 300);
    }

    /// <summary>A 10% stratified split of 1,000 samples in classes of 500, 300, 150 and 50 takes exactly 50, 30, 15 and 5.</summary>
    [Fact]
    public void Stratified_split_example()
    {
        var labels = Enumerable.Repeat(0, 500).Concat(Enumerable.Repeat(1, 300)).Concat(Enumerable.Repeat(2, 150)).Concat(Enumerable.Repeat(3, 50)).ToArray();
        var data = IndexedData.Create(ReferenceBackend.Instance, labels.Length, labels);
        var (train, validation) = data.StratifiedSplit(0.1, Key.FromSeed(4));
        Assert.Equal([50, 30, 15, 5], Enumerable.Range(0, 4).Select(k => validation.Labels!.Count(l => l == k)));
        Assert.Equal(900, train.Count);
    }

    /// <summary>Splitting a dataset without labels by class fails, saying why; a fraction outside [0, 1] fails naming it.</summary>
    [Fact]
    public void Bad_split_arguments_are_explained()
    {
        var backend = ReferenceBackend.Instance;
        var unlabeled = new Dataset(backend.FromArray(new double[4], new Shape(4, 1)), backend.FromArray(new double[4], new Shape(4)));
        var e = Assert.Throws<InvalidOperationException>(() => unlabeled.StratifiedSplit(0.5, Key.FromSeed(1)));
        Assert.Contains("no labels", e.Message);
        var f = Assert.Throws<ArgumentOutOfRangeException>(() => unlabeled.Split(1.5, Key.FromSeed(1)));
        Assert.Equal("validationFraction", f.ParamName);
    }

    /// <summary>Constructing a dataset whose tensors disagree on N names both shapes.</summary>
    [Fact]
    public void Dataset_names_both_shapes_when_counts_differ()
    {
        var backend = ReferenceBackend.Instance;
        var e = Assert.Throws<ShapeMismatchException>(() =>
            new Dataset(backend.FromArray(new double[12], new Shape(4, 3)), backend.FromArray(new double[10], new Shape(5, 2))));
        Assert.Equal("Dataset: inputs [4, 3] and targets [5, 2] disagree on the number of samples (axis 0: 4 and 5)", e.Message);
        var g = Assert.Throws<ArgumentException>(() =>
            new Dataset(backend.FromArray(new double[12], new Shape(4, 3)), backend.FromArray(new double[4], new Shape(4)), [1, 2, 3]));
        Assert.Contains("3 labels for 4 samples", g.Message);
    }

    /// <summary>Slice and Subset return the named samples in order; out-of-range indices are refused.</summary>
    [Fact]
    public void Slice_and_subset_take_the_named_samples()
    {
        var data = IndexedData.Create(ReferenceBackend.Instance, 10);
        var slice = data.Slice(3, 4);
        Assert.Equal([3, 4, 5, 6], IndexedData.IndicesOf(slice.Inputs, slice.Targets));
        Assert.Equal([3, 4, 5, 6], slice.Labels!);
        var subset = data.Subset([9, 0, 9]);
        Assert.Equal([9, 0, 9], IndexedData.IndicesOf(subset.Inputs, subset.Targets));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Slice(8, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([10]));
    }

    /// <summary>Checks that train and validation partition the dataset, each in the original order; returns train's indices.</summary>
    private static int[] Partition(Dataset data, Dataset train, Dataset validation, string c)
    {
        var t = IndexedData.IndicesOf(train.Inputs, train.Targets);
        var v = IndexedData.IndicesOf(validation.Inputs, validation.Targets);
        if (!t.Concat(v).Order().SequenceEqual(Enumerable.Range(0, data.Count)))
        {
            throw new LawViolation($"{c}: train [{string.Join(", ", t)}] and validation [{string.Join(", ", v)}] do not partition 0..{data.Count - 1}");
        }

        if (!t.SequenceEqual(t.Order()) || !v.SequenceEqual(v.Order()))
        {
            throw new LawViolation($"{c}: a part is not in the dataset's order");
        }

        if (!train.Labels!.SequenceEqual(t.Select(i => data.Labels![i])) || !validation.Labels!.SequenceEqual(v.Select(i => data.Labels![i])))
        {
            throw new LawViolation($"{c}: labels do not follow their samples");
        }

        return t;
    }
}
