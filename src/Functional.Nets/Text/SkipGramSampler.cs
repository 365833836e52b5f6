namespace Functional.Nets;

/// <summary>
/// Word2vec's training examples for skip-gram with negative sampling, drawn from a <see cref="Key"/> (so a run is
/// reproducible on every backend): each occurrence of a word w with count f is kept with word2vec's subsampling
/// probability min(1, (√(f/(s·T)) + 1)·s·T/f) (T the kept tokens, s = <see cref="Sample"/>, 1e-3); around each kept
/// centre a window of b ∈ {1, …, h} words on each side, b uniform (word2vec's random shrinking, so nearer words count
/// more); every (centre, context) pair gets k noise words from <see cref="NoiseDistribution"/> (unigram^¾), a draw equal
/// to the context word drawn again (word2vec skips it, leaving k − 1; we keep k so a batch is one rectangle).
/// </summary>
public sealed class SkipGramSampler
{
    /// <summary>Creates the sampler over <paramref name="vocabulary"/>.</summary>
    /// <param name="vocabulary">The words and counts.</param>
    /// <param name="window">h, the largest distance of a context word (&gt; 0).</param>
    /// <param name="negatives">k, noise words per pair (&gt; 0).</param>
    /// <param name="sample">s of the subsampling formula; 0 keeps every word.</param>
    public SkipGramSampler(Vocabulary vocabulary, int window = 5, int negatives = 5, double sample = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(negatives, 1);
        if (!(sample >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sample), sample, "SkipGramSampler: the subsampling threshold must be ≥ 0");
        }

        if (vocabulary.Count < 2)
        {
            throw new ArgumentException($"SkipGramSampler: negative sampling needs at least two words, the vocabulary has {vocabulary.Count}", nameof(vocabulary));
        }

        Vocabulary = vocabulary;
        Window = window;
        Negatives = negatives;
        Sample = sample;
        Noise = new NoiseDistribution(vocabulary.Counts);
        var st = sample * vocabulary.TotalCount;
        Keep = vocabulary.Counts.Select(f => sample == 0 ? 1.0 : Math.Min(1.0, (Math.Sqrt(f / st) + 1) * st / f)).ToArray();
    }

    /// <summary>The vocabulary.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>h.</summary>
    public int Window { get; }

    /// <summary>k.</summary>
    public int Negatives { get; }

    /// <summary>s.</summary>
    public double Sample { get; }

    /// <summary>The noise distribution.</summary>
    public NoiseDistribution Noise { get; }

    /// <summary>Each word's probability of being kept by subsampling.</summary>
    public IReadOnlyList<double> Keep { get; }

    /// <summary>
    /// One epoch over <paramref name="sentences"/> (ids, <see cref="Vocabulary.Encode"/>) in batches of
    /// <paramref name="batchSize"/> triples (the last may be smaller), every draw from <paramref name="key"/>.
    /// <paramref name="epoch"/> and <paramref name="epochs"/> place the batches in the whole training for
    /// <see cref="SkipGramBatch.Progress"/>; <paramref name="corpusWords"/> is the number of corpus words per epoch that
    /// progress counts (default: the encoded tokens).
    /// </summary>
    public IEnumerable<SkipGramBatch> Epoch(int[][] sentences, Key key, int batchSize, int epoch = 0, int epochs = 1, long? corpusWords = null)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var words = corpusWords ?? sentences.Sum(s => (long)s.Length);
        var encoded = sentences.Sum(s => (long)s.Length);
        if (encoded == 0)
        {
            throw new ArgumentException("SkipGramSampler: the corpus has no word of the vocabulary", nameof(sentences));
        }

        return Batches(sentences, key, batchSize, epoch, epochs, words, (double)words / encoded);
    }

    private IEnumerable<SkipGramBatch> Batches(int[][] sentences, Key key, int batchSize, int epoch, int epochs, long words, double perEncoded)
    {
        var k = Negatives;
        var centres = new long[batchSize];
        var outputs = new long[batchSize * (k + 1)];
        var n = 0;
        long draw = 0, read = 0;
        var kept = new int[64];
        foreach (var sentence in sentences)
        {
            // Subsampling, then windows over the kept words (as word2vec: dropped words do not count as distance).
            if (kept.Length < sentence.Length)
            {
                kept = new int[sentence.Length * 2];
            }

            var m = 0;
            foreach (var w in sentence)
            {
                if (Keep[w] >= 1 || Unit(key.Bits(draw++)) < Keep[w])
                {
                    kept[m++] = w;
                }
            }

            read += sentence.Length;
            for (var i = 0; i < m; i++)
            {
                var b = 1 + (int)(key.Bits(draw++) % (ulong)Window);   // the shrunk window, uniform on 1..h
                for (var j = Math.Max(0, i - b); j <= Math.Min(m - 1, i + b); j++)
                {
                    if (j == i)
                    {
                        continue;
                    }

                    var context = kept[j];
                    centres[n] = kept[i];
                    var row = n * (k + 1);
                    outputs[row] = context;
                    for (var q = 1; q <= k; q++)
                    {
                        int v;
                        do
                        {
                            v = Noise.Draw(key.Bits(draw++));
                        }
                        while (v == context);

                        outputs[row + q] = v;
                    }

                    if (++n == batchSize)
                    {
                        yield return new SkipGramBatch(centres, outputs, k, Progress(read), (long)(read * perEncoded));
                        centres = new long[batchSize];
                        outputs = new long[batchSize * (k + 1)];
                        n = 0;
                    }
                }
            }
        }

        if (n > 0)
        {
            yield return new SkipGramBatch(centres[..n], outputs[..(n * (k + 1))], k, Progress(read), (long)(read * perEncoded));
        }

        double Progress(long r) => Math.Min(1, (epoch + r * perEncoded / words) / epochs);
    }

    private static double Unit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));
}
