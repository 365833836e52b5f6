namespace Functional.Nets.Tests.Data;

/// <summary>
/// Issue 4, test (e), first half: shuffling is a permutation and is reproducible from the key; an epoch of
/// batches covers every sample exactly once with <see cref="LastBatch.Keep"/> and drops only the tail with
/// <see cref="LastBatch.Drop"/>; every gathered row is the row of the sample its index names, on every backend.
/// </summary>
public sealed class BatchingProperties
{
    /// <summary>Key.Permutation(n) is a permutation of 0..n−1 and depends only on the key.</summary>
    [Fact]
    public void Permutation_is_a_permutation_and_reproducible()
    {
        Law.Check(BatchCase.Arbitrary, c =>
        {
            var p = c.Key.Permutation(c.Count);
            if (!p.Order().SequenceEqual(Enumerable.Range(0, c.Count)))
            {
                throw new LawViolation($"Permutation({c.Count}) of seed {c.Seed} is not a permutation: [{string.Join(", ", p)}]");
            }

            if (!Key.FromSeed(c.Seed).Permutation(c.Count).SequenceEqual(p))
            {
                throw new LawViolation($"Permutation({c.Count}) of seed {c.Seed} differs between two calls");
            }
        }, cases: 500);
    }

    /// <summary>With Keep, an epoch's batches hold every index exactly once, all full but the last, each row the row of its index.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Keep_covers_every_sample_exactly_once(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(BatchCase.Arbitrary, c =>
        {
            using var data = c.Dataset(backend);
            var seen = new List<int>();
            var batches = data.Batches(c.BatchSize, c.Key, LastBatch.Keep).ToList();
            for (var b = 0; b < batches.Count; b++)
            {
                using var batch = batches[b];
                var expectedSize = b < batches.Count - 1 ? c.BatchSize : c.Count - c.BatchSize * (batches.Count - 1);
                if (batch.Count != expectedSize || expectedSize < 1 || expectedSize > c.BatchSize)
                {
                    throw new LawViolation($"{c}: batch {b} of {batches.Count} has {batch.Count} samples, expected {expectedSize}");
                }

                CheckContents(batch, c);
                seen.AddRange(batch.Indices);
            }

            if (!seen.Order().SequenceEqual(Enumerable.Range(0, c.Count)))
            {
                throw new LawViolation($"{c}: the epoch's indices are not each of 0..{c.Count - 1} once: [{string.Join(", ", seen)}]");
            }

            if (!seen.SequenceEqual(c.Key.Permutation(c.Count)))
            {
                throw new LawViolation($"{c}: the epoch's order is not the key's permutation");
            }
        }, cases: combination == BackendCombinations.Reference ? 200 : 50);
    }

    /// <summary>With Drop, only full batches come, their indices distinct, and exactly N mod B samples (the permutation's tail) are left out.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Drop_leaves_out_only_the_partial_tail(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(BatchCase.Arbitrary, c =>
        {
            using var data = c.Dataset(backend);
            var seen = new List<int>();
            foreach (var batch in data.Batches(c.BatchSize, c.Key, LastBatch.Drop))
            {
                using (batch)
                {
                    if (batch.Count != c.BatchSize)
                    {
                        throw new LawViolation($"{c}: Drop yielded a batch of {batch.Count}");
                    }

                    CheckContents(batch, c);
                    seen.AddRange(batch.Indices);
                }
            }

            var full = c.Count / c.BatchSize * c.BatchSize;
            if (!seen.SequenceEqual(c.Key.Permutation(c.Count).Take(full)))
            {
                throw new LawViolation($"{c}: Drop's {seen.Count} indices are not the first {full} of the key's permutation");
            }
        }, cases: combination == BackendCombinations.Reference ? 200 : 50);
    }

    /// <summary>The same key gives the same batches; folding in another epoch gives another order; no key gives the dataset's order.</summary>
    [Fact]
    public void Batches_are_reproducible_from_the_key()
    {
        Law.Check(BatchCase.Arbitrary, c =>
        {
            var data = c.Dataset(Reference.ReferenceBackend.Instance);
            int[] Epoch(Key? key) => data.Batches(c.BatchSize, key).SelectMany(b => b.Indices).ToArray();

            var first = Epoch(c.Key.Fold(0));
            if (!first.SequenceEqual(Epoch(Key.FromSeed(c.Seed).Fold(0))))
            {
                throw new LawViolation($"{c}: two epochs with the same key differ");
            }

            // Two independent permutations of n ≥ 8 elements coincide with probability 1/n! ≤ 2.5e-5.
            if (c.Count >= 8 && first.SequenceEqual(Epoch(c.Key.Fold(1))))
            {
                throw new LawViolation($"{c}: epochs 0 and 1 have the same order");
            }

            if (!Epoch(null).SequenceEqual(Enumerable.Range(0, c.Count)))
            {
                throw new LawViolation($"{c}: without a key the batches are not in the dataset's order");
            }
        }, cases: 300);
    }

    /// <summary>The order depends only on the key, not on the backend: the same batches on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Batches_are_the_same_on_every_backend(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var key = Key.FromSeed(7).Fold(3);
        using var data = IndexedData.Create(backend, 101);
        var reference = IndexedData.Create(Reference.ReferenceBackend.Instance, 101);
        var ours = data.Batches(16, key).ToList();
        var theirs = reference.Batches(16, key).ToList();
        Assert.Equal(theirs.Count, ours.Count);
        for (var b = 0; b < ours.Count; b++)
        {
            using var batch = ours[b];
            Assert.Equal(theirs[b].Indices, batch.Indices);
            Assert.Equal(theirs[b].Inputs.ToArray(), batch.Inputs.ToArray());
            Assert.Equal(theirs[b].Labels, batch.Labels);
        }
    }

    /// <summary>A batch size below 1 fails at the call, naming the parameter.</summary>
    [Fact]
    public void Batch_size_below_one_fails_at_the_call()
    {
        var data = IndexedData.Create(Reference.ReferenceBackend.Instance, 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => data.Batches(0, null));
        Assert.Equal("batchSize", e.ParamName);
    }

    private static void CheckContents(Batch batch, BatchCase c)
    {
        var held = IndexedData.IndicesOf(batch.Inputs, batch.Targets);
        if (!held.SequenceEqual(batch.Indices))
        {
            throw new LawViolation($"{c}: the batch's rows are samples [{string.Join(", ", held)}] but its Indices say [{string.Join(", ", batch.Indices)}]");
        }

        if (batch.Labels is null || !batch.Labels.SequenceEqual(batch.Indices.Select(i => i % 7)))
        {
            throw new LawViolation($"{c}: the batch's labels do not belong to its indices");
        }
    }
}
