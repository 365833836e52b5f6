using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// Datasets of int64 token sequences [N, T] (without targets, as word2vec or a language model reads them) and of images
/// [N, C, H, W] batch like any other: the batches hold the rows asked for, index batches stay int64 on the device, and
/// the two backends give the same batches.
/// </summary>
public sealed class IndexAndImageDatasetTests
{
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Token_sequences_batch_as_int64_rows(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var tokens = Enumerable.Range(0, 7 * 5).Select(i => (long)(i * 13 % 50)).ToArray();
        using var data = new Dataset(backend.FromIndices(tokens, 7, 5));
        var seen = new List<long>();
        foreach (var batch in data.Batches(3, shuffle: Key.FromSeed(4), LastBatch.Keep))
        {
            Assert.True(batch.Inputs.IsIndex);
            Assert.False(batch.HasTargets);
            Assert.Equal(5, batch.Inputs.Shape[1]);
            seen.AddRange(batch.Inputs.ToIndexArray());
        }

        // Every sequence once, each kept whole (rows are contiguous runs of 5 tokens).
        var rows = seen.Chunk(5).Select(r => string.Join(",", r)).Order().ToArray();
        var expected = tokens.Chunk(5).Select(r => string.Join(",", r)).Order().ToArray();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Image_batches_agree_across_backends()
    {
        var values = Key.FromSeed(1).Normal(6 * 2 * 3 * 3);
        using var reference = new Dataset(ReferenceBackend.Instance.FromArray(values, 6, 2, 3, 3), ReferenceBackend.Instance.FromArray(new double[6], 6, 1));
        using var torch = new Dataset(TorchBackend.CpuFloat64.FromArray(values, 6, 2, 3, 3), TorchBackend.CpuFloat64.FromArray(new double[6], 6, 1));
        var a = reference.Batches(4, shuffle: Key.FromSeed(2), LastBatch.Keep).Select(b => b.Inputs.ToArray()).ToArray();
        var b = torch.Batches(4, shuffle: Key.FromSeed(2), LastBatch.Keep).Select(b => b.Inputs.ToArray()).ToArray();
        Assert.Equal(a, b);
        Assert.Equal(new Shape(4, 2, 3, 3), reference.Batches(4, shuffle: null, LastBatch.Keep).First().Inputs.Shape);
    }
}
