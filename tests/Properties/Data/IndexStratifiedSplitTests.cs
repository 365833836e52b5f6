using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// A stratified split of a dataset whose inputs are int64 sample indices (how examples/TextClassification splits its
/// e-mails): on SpamAssassin's class sizes (4,150 ham, 1,896 spam) an 80/20 split sends ⌊0.2·n⌋ or ⌈0.2·n⌉ of each class
/// to the held-out side, the sides partition the samples, and the same key gives the same split on every backend.
/// </summary>
public sealed class IndexStratifiedSplitTests
{
    [Fact]
    public void Index_dataset_split_keeps_each_class_within_one_sample_and_partitions()
    {
        // Labels interleaved unevenly, so a split that ignored them would not hit the per-class counts by chance.
        var labels = Enumerable.Range(0, 6046).Select(i => (i * 7919 % 6046) < 1896 ? 1 : 0).ToArray();
        Assert.Equal(1896, labels.Sum());
        long[]? first = null;
        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat32 })
        {
            using var scope = backend.Scope();
            var positions = backend.FromIndices([.. Enumerable.Range(0, labels.Length).Select(i => (long)i)], labels.Length);
            var (train, test) = new Dataset(positions, positions, labels).StratifiedSplit(0.2, Key.FromSeed(2026));
            var held = test.Inputs.ToIndexArray();
            var kept = train.Inputs.ToIndexArray();
            Assert.Equal(1209, held.Length);   // round(0.2 · 6046)
            Assert.Equal(379, held.Count(i => labels[i] == 1));   // 0.2 · 1896 = 379.2
            Assert.Equal(830, held.Count(i => labels[i] == 0));   // 0.2 · 4150 = 830
            Assert.Equal(Enumerable.Range(0, labels.Length).Select(i => (long)i), kept.Concat(held).Order());
            Assert.Equal(held.Select(i => labels[i]), test.Labels!);
            first ??= held;
            Assert.Equal(first, held);
        }
    }
}
