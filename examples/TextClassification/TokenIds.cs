namespace Functional.Nets.Examples.TextClassification;

/// <summary>
/// The classifiers' vocabulary: row 0 is padding, row 1 stands for every word outside the vocabulary, rows 2… are the
/// training split's words seen at least twice, the most frequent first, at most a cap. Built from the training
/// e-mails only, so nothing of the held-out 20% shapes it.
/// </summary>
internal sealed class TokenIds
{
    public const int Padding = 0;
    public const int Unknown = 1;

    private readonly Vocabulary words;
    private readonly int cap;

    public TokenIds(IEnumerable<string[]> trainingTokens, int cap)
    {
        words = Vocabulary.Build(trainingTokens, minCount: 2);
        this.cap = Math.Min(cap, words.Count);
    }

    /// <summary>Rows of the embedding table: padding, unknown and the kept words.</summary>
    public int Count => cap + 2;

    /// <summary>The word of each row (null for the padding and unknown rows), for <see cref="PretrainedVectors.Rows"/>.</summary>
    public IReadOnlyList<string?> Rows => [null, null, .. words.Words.Take(cap)];

    public long Id(string token) => words.TryGetId(token, out var id) && id < cap ? id + 2 : Unknown;

    /// <summary>Sequences [N, T] of ids, padded with <see cref="Padding"/> at the end; T = the longest, at least <paramref name="minLength"/>; an empty e-mail is one unknown word.</summary>
    public Tensor Sequences(IReadOnlyList<Email> emails, int minLength, Backend backend)
    {
        var t = Math.Max(minLength, emails.Max(e => Math.Max(1, e.Tokens.Length)));
        var ids = new long[checked(emails.Count * t)];
        for (var i = 0; i < emails.Count; i++)
        {
            var tokens = emails[i].Tokens;
            if (tokens.Length == 0)
            {
                ids[i * t] = Unknown;
            }

            for (var j = 0; j < tokens.Length; j++)
            {
                ids[i * t + j] = Id(tokens[j]);
            }
        }

        return backend.FromIndices(ids, emails.Count, t);
    }

    /// <summary>Bags [N, B] of each e-mail's distinct known ids (its set of words), padded with <see cref="Padding"/>.</summary>
    public Tensor Bags(IReadOnlyList<Email> emails, Backend backend)
    {
        var sets = emails.Select(e => e.Tokens.Select(Id).Where(id => id != Unknown).Distinct().ToArray()).ToArray();
        var b = Math.Max(1, sets.Max(s => s.Length));
        var ids = new long[checked(emails.Count * b)];
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i].CopyTo(ids, i * b);
        }

        return backend.FromIndices(ids, emails.Count, b);
    }
}
