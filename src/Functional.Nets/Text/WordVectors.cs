namespace Functional.Nets;

/// <summary>
/// Word vectors on the host, each normalized to unit length, for cosine similarity: ⟨x_a, x_b⟩/(‖x_a‖‖x_b‖) is the dot
/// product of the normalized rows. A zero row stays zero (similarity 0 to everything).
/// </summary>
public sealed class WordVectors
{
    private readonly float[] unit;
    private readonly Dictionary<string, int> ids;

    /// <summary>The vectors <paramref name="values"/> (row-major, [words.Count, dimension]) of <paramref name="words"/>.</summary>
    public WordVectors(IReadOnlyList<string> words, double[] values, int dimension)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (values.Length != checked(words.Count * dimension))
        {
            throw new ArgumentException($"WordVectors: {values.Length} values are not {words.Count} words × {dimension}", nameof(values));
        }

        Words = words;
        Dimension = dimension;
        unit = new float[values.Length];
        for (var w = 0; w < words.Count; w++)
        {
            var row = values.AsSpan(w * dimension, dimension);
            double norm = 0;
            foreach (var v in row)
            {
                norm += v * v;
            }

            var scale = norm > 0 ? 1 / Math.Sqrt(norm) : 0;
            for (var j = 0; j < dimension; j++)
            {
                unit[w * dimension + j] = (float)(row[j] * scale);
            }
        }

        ids = new Dictionary<string, int>(words.Count, StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            ids[words[i]] = i;
        }
    }

    /// <summary>The rows of <paramref name="table"/> [V, D] (e.g. <see cref="SkipGram.Input"/>) as the vectors of <paramref name="vocabulary"/>'s words.</summary>
    public static WordVectors FromTable(Vocabulary vocabulary, Tensor table)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(table);
        return new WordVectors(vocabulary.Words, table.ToArray(), table.Shape[1]);
    }

    /// <summary>The words.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Entries per vector.</summary>
    public int Dimension { get; }

    /// <summary>Whether <paramref name="word"/> has a vector, and its row.</summary>
    public bool TryGetId(string word, out int id) => ids.TryGetValue(word, out id);

    /// <summary>The unit vector of row <paramref name="id"/>.</summary>
    public ReadOnlySpan<float> Unit(int id) => unit.AsSpan(id * Dimension, Dimension);

    /// <summary>cos(x_a, x_b) of rows <paramref name="a"/> and <paramref name="b"/>.</summary>
    public double Cosine(int a, int b)
    {
        var x = Unit(a);
        var y = Unit(b);
        double s = 0;
        for (var j = 0; j < x.Length; j++)
        {
            s += x[j] * y[j];
        }

        return s;
    }

    /// <summary>The <paramref name="count"/> rows most similar to row <paramref name="id"/> by cosine among <paramref name="candidates"/> (all rows by default), itself excluded, most similar first.</summary>
    public (int Id, double Cosine)[] Nearest(int id, int count, IReadOnlyList<int>? candidates = null)
    {
        var best = new List<(int Id, double Cosine)>(count + 1);
        var n = candidates?.Count ?? Words.Count;
        for (var i = 0; i < n; i++)
        {
            var c = candidates is null ? i : candidates[i];
            if (c == id)
            {
                continue;
            }

            var s = Cosine(id, c);
            if (best.Count < count || s > best[^1].Cosine)
            {
                var at = best.FindIndex(b => s > b.Cosine);
                best.Insert(at < 0 ? best.Count : at, (c, s));
                if (best.Count > count)
                {
                    best.RemoveAt(best.Count - 1);
                }
            }
        }

        return [.. best];
    }

    /// <summary>The nearest words to <paramref name="word"/> by cosine.</summary>
    /// <exception cref="KeyNotFoundException">The word has no vector.</exception>
    public (string Word, double Cosine)[] Nearest(string word, int count) =>
        ids.TryGetValue(word, out var id)
            ? [.. Nearest(id, count).Select(n => (Words[n.Id], n.Cosine))]
            : throw new KeyNotFoundException($"WordVectors: no vector for '{word}'");
}
