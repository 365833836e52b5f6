namespace Functional.Nets;

/// <summary>
/// A probe of word vectors that needs no outside data: each word's majority Brown tag class
/// (<see cref="BrownCorpus.MajorityTags"/>) predicted from its 10 nearest neighbours by cosine among a fixed random half
/// of the words (the reference set), by majority vote with the nearest voter breaking ties; the accuracy on the other
/// half, beside the rate of the reference half's most common class there. Words: those with vectors and at least
/// <c>minOccurrences</c> (5) tagged occurrences, in the vectors' order; the halves are drawn from a <see cref="Key"/>,
/// so two sets of vectors over the same words are scored on the same split.
/// </summary>
public static class TagProbe
{
    /// <summary>What the probe measured.</summary>
    /// <param name="Accuracy">The fraction of the scored half whose class the vote got right.</param>
    /// <param name="MajorityRate">The fraction of the scored half in the reference half's most common class.</param>
    /// <param name="MajorityTag">That class.</param>
    /// <param name="Words">The words probed (both halves).</param>
    /// <param name="Classes">The number of distinct classes among them.</param>
    public sealed record Result(double Accuracy, double MajorityRate, string MajorityTag, int Words, int Classes)
    {
        /// <summary>The reference half's most common class.</summary>
        /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
        public string MajorityTag { get; init => field = value ?? throw new ArgumentNullException(nameof(MajorityTag)); } = MajorityTag ?? throw new ArgumentNullException(nameof(MajorityTag));
    }

    /// <summary>Runs the probe on <paramref name="vectors"/>.</summary>
    public static Result Run(WordVectors vectors, IReadOnlyDictionary<string, (string Tag, int Occurrences)> tags, Key key, int neighbours = 10, int minOccurrences = 5)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(tags);
        var words = Enumerable.Range(0, vectors.Words.Count)
            .Where(i => tags.TryGetValue(vectors.Words[i], out var t) && t.Occurrences >= minOccurrences)
            .OrderBy(i => vectors.Words[i], StringComparer.Ordinal)   // the split depends on the words, not on the vectors' order
            .ToArray();
        if (words.Length < 2)
        {
            throw new ArgumentException($"TagProbe: needs at least two words with {minOccurrences} tagged occurrences and a vector, found {words.Length}", nameof(tags));
        }

        var order = key.Uniform(words.Length).Select((u, i) => (u, i)).OrderBy(p => p.u).Select(p => words[p.i]).ToArray();
        var reference = order[..(order.Length / 2)];
        var scored = order[(order.Length / 2)..];
        string Tag(int id) => tags[vectors.Words[id]].Tag;
        var majority = reference.GroupBy(Tag).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var correct = 0;
        var hitsMajority = 0;
        foreach (var w in scored)
        {
            var near = vectors.Nearest(w, neighbours, reference);
            // Votes per class; among the classes with most votes, the one whose best-ranked voter is nearest wins.
            var vote = near.Select((n, rank) => (Tag: Tag(n.Id), Rank: rank))
                .GroupBy(v => v.Tag)
                .OrderByDescending(g => g.Count())
                .ThenBy(g => g.Min(v => v.Rank))
                .First().Key;
            correct += vote == Tag(w) ? 1 : 0;
            hitsMajority += Tag(w) == majority ? 1 : 0;
        }

        return new Result((double)correct / scored.Length, (double)hitsMajority / scored.Length, majority, words.Length, words.Select(Tag).Distinct().Count());
    }
}
