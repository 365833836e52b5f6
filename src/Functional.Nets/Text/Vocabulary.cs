namespace Functional.Nets;

/// <summary>
/// The words of a corpus seen at least a minimum number of times, numbered by decreasing count (ties in first-seen
/// order), with their counts: word2vec's and gensim's vocabulary. Words below the minimum are dropped from the corpus
/// (<see cref="Encode"/>), as word2vec drops them before windows are formed.
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> ids;

    private Vocabulary(string[] words, long[] counts, int minCount)
    {
        Words = words;
        Counts = counts;
        MinCount = minCount;
        ids = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            ids[words[i]] = i;
        }

        TotalCount = counts.Sum();
    }

    /// <summary>The words, most frequent first.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Their counts in the corpus.</summary>
    public IReadOnlyList<long> Counts { get; }

    /// <summary>The minimum count of a kept word.</summary>
    public int MinCount { get; }

    /// <summary>The number of kept tokens: the sum of <see cref="Counts"/>.</summary>
    public long TotalCount { get; }

    /// <summary>The number of words.</summary>
    public int Count => Words.Count;

    /// <summary>The vocabulary of <paramref name="sentences"/> with every word seen at least <paramref name="minCount"/> times.</summary>
    /// <exception cref="ArgumentException">The corpus is empty, or no word is seen <paramref name="minCount"/> times (the message gives the most frequent word's count).</exception>
    public static Vocabulary Build(IEnumerable<IReadOnlyList<string>> sentences, int minCount = 5)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var sentence in sentences)
        {
            foreach (var word in sentence)
            {
                if (counts.TryGetValue(word, out var n))
                {
                    counts[word] = n + 1;
                }
                else
                {
                    counts[word] = 1;
                    order.Add(word);
                }
            }
        }

        if (counts.Count == 0)
        {
            throw new ArgumentException("Vocabulary: the corpus is empty (no tokens)", nameof(sentences));
        }

        var kept = order.Where(w => counts[w] >= minCount).OrderByDescending(w => counts[w]).ToArray();   // stable: ties in first-seen order
        if (kept.Length == 0)
        {
            throw new ArgumentException(
                $"Vocabulary: no word is seen {minCount} times or more (the most frequent, '{order.MaxBy(w => counts[w])}', {counts.Values.Max()} times in {counts.Values.Sum()} tokens)",
                nameof(sentences));
        }

        return new Vocabulary(kept, kept.Select(w => counts[w]).ToArray(), minCount);
    }

    /// <summary>Whether <paramref name="word"/> is in the vocabulary, and its id.</summary>
    public bool TryGetId(string word, out int id) => ids.TryGetValue(word, out id);

    /// <summary>The id of <paramref name="word"/>.</summary>
    /// <exception cref="KeyNotFoundException">The word is not in the vocabulary.</exception>
    public int Id(string word) =>
        ids.TryGetValue(word, out var id) ? id : throw new KeyNotFoundException($"Vocabulary: '{word}' is not among the {Count:N0} words seen {MinCount} times or more");

    /// <summary>Each sentence as ids, words outside the vocabulary dropped; sentences left empty are dropped.</summary>
    public int[][] Encode(IEnumerable<IReadOnlyList<string>> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        return sentences
            .Select(s => s.Select(w => ids.TryGetValue(w, out var id) ? id : -1).Where(id => id >= 0).ToArray())
            .Where(s => s.Length > 0)
            .ToArray();
    }
}
