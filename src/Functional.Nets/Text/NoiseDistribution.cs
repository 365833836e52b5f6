namespace Functional.Nets;

/// <summary>
/// Word2vec's noise distribution for negative sampling: P(w) ∝ count(w)^power (power ¾), drawn in O(1) per word by
/// Vose's alias method (exact up to the 53-bit uniforms, where word2vec's 10⁸-entry table rounds each probability to
/// a multiple of 10⁻⁸).
/// </summary>
public sealed class NoiseDistribution
{
    private readonly double[] threshold;
    private readonly int[] alias;

    /// <summary>The distribution ∝ <paramref name="counts"/>^<paramref name="power"/>.</summary>
    public NoiseDistribution(IReadOnlyList<long> counts, double power = 0.75)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0 || counts.Any(c => c <= 0))
        {
            throw new ArgumentException("NoiseDistribution: needs at least one word, every count positive", nameof(counts));
        }

        var n = counts.Count;
        var weights = counts.Select(c => Math.Pow(c, power)).ToArray();
        var total = weights.Sum();
        Probabilities = weights.Select(w => w / total).ToArray();
        // Vose: scale to mean 1, pair each light column with a heavy one.
        var scaled = Probabilities.Select(p => p * n).ToArray();
        threshold = new double[n];
        alias = new int[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (var i = 0; i < n; i++)
        {
            (scaled[i] < 1 ? small : large).Push(i);
        }

        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop(), l = large.Pop();
            threshold[s] = scaled[s];
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            (scaled[l] < 1 ? small : large).Push(l);
        }

        foreach (var i in small.Concat(large))
        {
            threshold[i] = 1;
            alias[i] = i;
        }
    }

    /// <summary>P(w) for each word id.</summary>
    public IReadOnlyList<double> Probabilities { get; }

    /// <summary>A word from 64 random bits: the alias column from the high 32 bits, the coin from the low 32.</summary>
    public int Draw(ulong bits)
    {
        var column = (int)((bits >> 32) * (ulong)threshold.Length >> 32);
        var coin = (bits & 0xFFFFFFFFUL) * (1.0 / 4294967296.0);
        return coin < threshold[column] ? column : alias[column];
    }
}
