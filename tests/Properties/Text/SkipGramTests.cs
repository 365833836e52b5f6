using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Text;

/// <summary>
/// Word2vec's skip-gram with negative sampling: the objective's gradients (both tables) on the Reference backend against
/// Torch float64 (1e-10 per tensor) and against central differences (1e-6); the sparse step equals plain SGD on the
/// dense gradient, touched rows within rounding and the rest bit-identical; the sampler's subsampling formula, shrunk
/// windows and noise words; the vocabulary's errors.
/// </summary>
public sealed class SkipGramTests(ITestOutputHelper output)
{
    /// <summary>A tiny corpus with a skewed distribution (so subsampling and the noise distribution matter).</summary>
    internal static readonly string[][] Corpus =
    [
        ["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "log"], ["a", "cat", "saw", "a", "dog"],
        ["the", "dog", "saw", "the", "cat", "on", "the", "mat"], ["a", "log", "is", "not", "a", "mat"],
    ];

    private static (SkipGram Model, SkipGramBatch Batch, Vocabulary Vocabulary) Case(int seed, int batch = 12)
    {
        var vocabulary = Vocabulary.Build(Corpus, minCount: 1);
        var sampler = new SkipGramSampler(vocabulary, window: 2, negatives: 3, sample: 0.05);
        var b = sampler.Epoch(vocabulary.Encode(Corpus), Key.FromSeed(seed), batch).First();
        return (new SkipGram(vocabulary.Count, 4), b, vocabulary);
    }

    // Both tables random (the zero output table of Init would make the input's gradient vanish).
    private static TensorTree Tables(SkipGram model, Backend backend, int seed) => TensorTree.Of(
        (SkipGram.Input, backend.FromArray(Key.FromSeed(seed).Normal(model.Vocabulary * model.Dimension), model.Vocabulary, model.Dimension)),
        (SkipGram.Output, backend.FromArray(Key.FromSeed(seed + 1).Normal(model.Vocabulary * model.Dimension), model.Vocabulary, model.Dimension)));

    /// <summary>The objective and its gradients agree between the Reference backend and Torch float64.</summary>
    [Fact]
    public void Objective_gradients_agree_between_backends()
    {
        var worst = 0.0;
        for (var seed = 0; seed < 20; seed++)
        {
            var (model, batch, _) = Case(seed);
            var (vRef, gRef) = Grad.ValueAndGrad(t => model.Loss(t, batch), Tables(model, ReferenceBackend.Instance, seed));
            using var scope = TorchBackend.CpuFloat64.Scope();
            var (vTorch, gTorch) = Grad.ValueAndGrad(t => model.Loss(t, batch), Tables(model, TorchBackend.CpuFloat64, seed));
            var e = RelativeError.Of(vRef, vTorch);
            Assert.True(e.Value <= BackendAgreementProperties.OutputTolerance, $"seed {seed}: loss {e}");
            var (leaf, g) = RelativeError.WorstLeaf(gRef, gTorch);
            Assert.True(g.Value <= BackendAgreementProperties.GradientTolerance, $"seed {seed}: gradient of '{leaf}' {g}");
            worst = Math.Max(worst, g.Value);
        }

        output.WriteLine($"SGNS gradients, Reference vs Torch float64: worst {worst:G3}");
    }

    /// <summary>Reference gradients of both tables against central differences, within 1e-6 per table.</summary>
    [Fact]
    public void Objective_gradients_match_central_differences()
    {
        var backend = ReferenceBackend.Instance;
        var worst = 0.0;
        for (var seed = 0; seed < 5; seed++)
        {
            var (model, batch, _) = Case(seed, batch: 6);
            var tables = Tables(model, backend, seed);
            var (_, g) = Grad.ValueAndGrad(t => model.Loss(t, batch), tables);
            foreach (var name in new[] { SkipGram.Input, SkipGram.Output })
            {
                var values = tables[name].ToArray();
                var numeric = new double[values.Length];
                for (var j = 0; j < values.Length; j++)
                {
                    var h = CentralDifferences.Step * Math.Max(1, Math.Abs(values[j]));
                    double At(double v)
                    {
                        var copy = (double[])values.Clone();
                        copy[j] = v;
                        return model.Loss(tables.With(TensorTree.Of((name, backend.FromArray(copy, tables[name].Shape)))), batch).Item();
                    }

                    numeric[j] = (At(values[j] + h) - At(values[j] - h)) / (2 * h);
                }

                var e = RelativeError.Of(g[name].ToArray(), numeric);
                Assert.True(e.Value <= FiniteDifferenceProperties.Tolerance, $"seed {seed}, '{name}': {e}");
                worst = Math.Max(worst, e.Value);
            }
        }

        output.WriteLine($"SGNS gradients vs central differences: worst {worst:G3}");
    }

    /// <summary>
    /// The sparse step equals θ_r − η·∇_r/n_r^a of the dense objective (n_r the row's uses in the batch; a = 0, the plain sum, and 1): touched rows within
    /// 1e-15 relative per table (the same sums of the same terms), every untouched row bit-identical; on both backends.
    /// </summary>
    [Theory]
    [InlineData(BackendCombinations.Reference, 0.0)]
    [InlineData(BackendCombinations.Reference, 1.0)]
    [InlineData(BackendCombinations.TorchCpuFloat64, 0.0)]
    [InlineData(BackendCombinations.TorchCpuFloat64, 1.0)]
    public void Sparse_step_is_sgd_on_the_dense_gradient(string combination, double usesExponent)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var (model, batch, _) = Case(3);
        var tables = Tables(model, backend, 3);
        var (_, g) = Grad.ValueAndGrad(t => model.Loss(t, batch), tables);
        var (next, loss) = model.Step(tables, batch, 0.05, usesExponent: usesExponent);
        Assert.Equal(model.Loss(tables, batch).Item(), loss, 12);
        foreach (var (name, ids) in new[] { (SkipGram.Input, batch.Centres), (SkipGram.Output, batch.Outputs) })
        {
            var before = tables[name].ToArray();
            var uses = new double[model.Vocabulary];
            foreach (var id in ids)
            {
                uses[id]++;
            }

            var grad = g[name].ToArray();
            var expected = tables[name].ToArray().Select((p, j) => uses[j / model.Dimension] == 0 ? p : p - 0.05 * (grad[j] / Math.Pow(uses[j / model.Dimension], usesExponent))).ToArray();
            var after = next[name].ToArray();
            Assert.True(RelativeError.Of(after, expected).Value <= 1e-15, $"{name}: {RelativeError.Of(after, expected)}");
            for (var r = 0; r < model.Vocabulary; r++)
            {
                if (!ids.Contains(r))
                {
                    Assert.Equal(before[(r * model.Dimension)..((r + 1) * model.Dimension)], after[(r * model.Dimension)..((r + 1) * model.Dimension)]);
                }
            }
        }
    }

    /// <summary>
    /// The sampler: the same key gives the same batches; every context word lies within h kept positions of its centre;
    /// no noise word equals its context word; subsampling keeps word2vec's fraction min(1, (√(f/sT) + 1)·sT/f).
    /// </summary>
    [Fact]
    public void Sampler_follows_word2vec()
    {
        var vocabulary = Vocabulary.Build(Corpus, minCount: 1);
        var sampler = new SkipGramSampler(vocabulary, window: 2, negatives: 3, sample: 0.05);
        var ids = vocabulary.Encode(Corpus);
        var a = sampler.Epoch(ids, Key.FromSeed(9), 7).ToArray();
        var b = sampler.Epoch(ids, Key.FromSeed(9), 7).ToArray();
        Assert.Equal(a.SelectMany(x => x.Outputs), b.SelectMany(x => x.Outputs));
        Assert.All(a, x => Assert.Equal(x.Count * 4, x.Outputs.Length));
        foreach (var batch in a)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var context = batch.Outputs[i * 4];
                Assert.All(batch.Outputs[(i * 4 + 1)..(i * 4 + 4)], v => Assert.NotEqual(context, v));
            }
        }

        Assert.Equal(1.0, a[^1].Progress);
        var the = vocabulary.Id("the");
        var f = (double)vocabulary.Counts[the];
        var st = 0.05 * vocabulary.TotalCount;
        Assert.Equal(Math.Min(1, (Math.Sqrt(f / st) + 1) * st / f), sampler.Keep[the], 15);
        Assert.True(sampler.Keep[the] < 1);

        // The noise distribution is ∝ count^¾: measured over 200,000 draws within 5 standard errors.
        var counts = new int[vocabulary.Count];
        var key = Key.FromSeed(4);
        for (var i = 0; i < 200_000; i++)
        {
            counts[sampler.Noise.Draw(key.Bits(i))]++;
        }

        var weights = vocabulary.Counts.Select(c => Math.Pow(c, 0.75)).ToArray();
        for (var w = 0; w < vocabulary.Count; w++)
        {
            var p = weights[w] / weights.Sum();
            Assert.InRange(counts[w] / 200_000.0, p - 5 * Math.Sqrt(p * (1 - p) / 200_000), p + 5 * Math.Sqrt(p * (1 - p) / 200_000));
        }
    }

    /// <summary>Windows are shrunk: with no subsampling, distance-1 pairs outnumber distance-h pairs about h : 1.</summary>
    [Fact]
    public void Windows_shrink_at_random()
    {
        var sentence = Enumerable.Range(0, 2000).Select(i => $"w{i % 50}").ToArray();
        var vocabulary = Vocabulary.Build([sentence], minCount: 1);
        var sampler = new SkipGramSampler(vocabulary, window: 4, negatives: 1, sample: 0);
        var pairs = sampler.Epoch(vocabulary.Encode([sentence]), Key.FromSeed(2), 100_000).Single();
        var byDistance = new int[5];
        for (var i = 0; i < pairs.Count; i++)
        {
            var d = (int)(pairs.Outputs[i * 2] - pairs.Centres[i] + 50) % 50;
            byDistance[Math.Min(d, 50 - d)]++;
        }

        // P(distance d used) = (h − d + 1)/h for a window b uniform on 1..h: 4/4, 3/4, 2/4, 1/4.
        var ratio = (double)byDistance[1] / byDistance[4];
        Assert.InRange(ratio, 3.4, 4.6);
    }

    /// <summary>An empty corpus, and a corpus with no word at the minimum count, are named.</summary>
    [Fact]
    public void Bad_corpora_are_named()
    {
        var empty = Assert.Throws<ArgumentException>(() => Vocabulary.Build([], 5));
        Assert.StartsWith("Vocabulary: the corpus is empty", empty.Message, StringComparison.Ordinal);
        var rare = Assert.Throws<ArgumentException>(() => Vocabulary.Build([["a", "b", "a"]], 5));
        Assert.StartsWith("Vocabulary: no word is seen 5 times or more (the most frequent, 'a', 2 times in 3 tokens)", rare.Message, StringComparison.Ordinal);
    }

    /// <summary>Tag classes: suffixes and compounds dropped, two letters kept.</summary>
    [Theory]
    [InlineData("nn-tl", "nn")]
    [InlineData("vbd", "vb")]
    [InlineData("np$", "np")]
    [InlineData("vb+in", "vb")]
    [InlineData("bedz*", "be")]
    [InlineData("in", "in")]
    [InlineData("jj-hl", "jj")]
    [InlineData(".", ".")]
    public void Tags_normalize_to_their_class(string tag, string expected) => Assert.Equal(expected, BrownCorpus.NormalizeTag(tag));
}
