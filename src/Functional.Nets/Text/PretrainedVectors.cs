using System.Globalization;
using System.Text;

namespace Functional.Nets;

/// <summary>
/// Word vectors as trained (not normalized), keyed by word, to initialize another model's <see cref="Embedding"/> over a
/// different vocabulary (<see cref="Rows"/>), and to keep them between runs in word2vec's text format
/// (<see cref="Save"/>, <see cref="Load"/>: a line "count dimension", then one line "word v₁ … v_D" per word).
/// </summary>
public sealed class PretrainedVectors
{
    private readonly double[] values;
    private readonly Dictionary<string, int> ids;

    /// <summary>The vectors <paramref name="values"/> (row-major [words.Count, dimension]) of <paramref name="words"/>, copied.</summary>
    /// <exception cref="ArgumentException">The values are not words × dimension, a word is repeated, empty or contains white space, or a value is not finite.</exception>
    public PretrainedVectors(IReadOnlyList<string> words, double[] values, int dimension)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (values.Length != checked((long)words.Count * dimension))
        {
            throw new ArgumentException($"PretrainedVectors: {values.Length} values are not {words.Count} words × {dimension}", nameof(values));
        }

        ids = new Dictionary<string, int>(words.Count, StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i] ?? throw new ArgumentException($"PretrainedVectors: word {i} is null", nameof(words));
            if (w.Length == 0 || w.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException($"PretrainedVectors: word {i} ('{w}') is empty or contains white space, which the text format cannot hold", nameof(words));
            }

            if (!ids.TryAdd(w, i))
            {
                throw new ArgumentException($"PretrainedVectors: the word '{w}' appears twice (rows {ids[w]} and {i})", nameof(words));
            }
        }

        var bad = Array.FindIndex(values, v => !double.IsFinite(v));
        if (bad >= 0)
        {
            throw new ArgumentException($"PretrainedVectors: the vector of '{words[bad / dimension]}' has a non-finite entry {values[bad]} at {bad % dimension}", nameof(values));
        }

        Words = [.. words];
        this.values = (double[])values.Clone();
        Dimension = dimension;
    }

    /// <summary>The rows of <paramref name="table"/> [V, D] (e.g. <see cref="SkipGram.Input"/>) as the vectors of <paramref name="vocabulary"/>'s words.</summary>
    /// <exception cref="ShapeMismatchException">The table is not [vocabulary.Count, D].</exception>
    public static PretrainedVectors FromTable(Vocabulary vocabulary, Tensor table)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(table);
        if (table.Shape.Rank != 2 || table.Shape[0] != vocabulary.Count)
        {
            throw new ShapeMismatchException($"PretrainedVectors.FromTable: expected a table [{vocabulary.Count}, D] for the {vocabulary.Count} words, got {table.Shape}");
        }

        return new PretrainedVectors(vocabulary.Words, table.ToArray(), table.Shape[1]);
    }

    /// <summary>The words, in row order.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Entries per vector.</summary>
    public int Dimension { get; }

    /// <summary>Whether <paramref name="word"/> has a vector, and its row.</summary>
    public bool TryGetId(string word, out int id) => ids.TryGetValue(word, out id);

    /// <summary>The vector of row <paramref name="id"/>.</summary>
    public ReadOnlySpan<double> Vector(int id) => values.AsSpan(checked(id * Dimension), Dimension);

    /// <summary>
    /// The root mean square of all entries, σ = √(Σ v² / (V·D)): the scale at which <see cref="Rows"/> draws the rows of
    /// words without a vector, so that they are neither negligible nor dominant beside the pretrained ones.
    /// </summary>
    public double EntryScale => Math.Sqrt(values.Sum(v => v * v) / values.Length);

    /// <summary>
    /// An embedding table [words.Count, <see cref="Dimension"/>] for another vocabulary: row i is the vector of
    /// <paramref name="words"/>[i] where it has one (copied exactly); otherwise N(0, σ²) with σ = <see cref="EntryScale"/>,
    /// drawn from <paramref name="key"/> (the same key gives the same rows); the <paramref name="paddingIndex"/> row is zero,
    /// as <see cref="Embedding"/>'s <c>Init</c> makes it.
    /// </summary>
    /// <param name="words">The target vocabulary, row by row (a null entry, e.g. a reserved row, is treated as missing).</param>
    /// <param name="key">The key of the missing rows.</param>
    /// <param name="paddingIndex">A row to zero, or null.</param>
    /// <returns>The row-major values, and which rows were found.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The padding index lies outside the vocabulary.</exception>
    public (double[] Values, bool[] Found) Rows(IReadOnlyList<string?> words, Key key, int? paddingIndex = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (paddingIndex is { } p && (p < 0 || p >= words.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(paddingIndex), p, $"PretrainedVectors.Rows: the padding index must lie in [0, {words.Count})");
        }

        var d = Dimension;
        var table = key.Normal(checked(words.Count * d));
        var scale = EntryScale;
        var found = new bool[words.Count];
        for (var i = 0; i < words.Count; i++)
        {
            var row = table.AsSpan(i * d, d);
            if (i == paddingIndex)
            {
                row.Clear();
            }
            else if (words[i] is { } w && ids.TryGetValue(w, out var id))
            {
                Vector(id).CopyTo(row);
                found[i] = true;
            }
            else
            {
                foreach (ref var v in row)
                {
                    v *= scale;
                }
            }
        }

        return (table, found);
    }

    /// <summary>Writes the vectors in word2vec's text format (round-trip exact: each value as its shortest round-trip decimal).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Words.Count} {Dimension}\n");
        for (var i = 0; i < Words.Count; i++)
        {
            text.Append(Words[i]);
            foreach (var v in Vector(i))
            {
                text.Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads vectors in word2vec's text format, as <see cref="Save"/> writes them and gensim's <c>save_word2vec_format(binary=False)</c> does.</summary>
    /// <exception cref="FormatException">The file does not follow the format; the message names the file, the line and what was expected.</exception>
    public static PretrainedVectors Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (header is not { Length: 2 } || !int.TryParse(header[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !int.TryParse(header[1], NumberStyles.None, CultureInfo.InvariantCulture, out var dimension) || dimension < 1)
        {
            throw new FormatException($"PretrainedVectors.Load: {path}, line 1: expected \"count dimension\", got '{string.Join(' ', header ?? [])}'");
        }

        var words = new string[count];
        var values = new double[checked((long)count * dimension)];
        for (var i = 0; i < count; i++)
        {
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                ?? throw new FormatException($"PretrainedVectors.Load: {path} ends after {i} of the {count} vectors its first line announces");
            if (fields.Length != dimension + 1)
            {
                throw new FormatException($"PretrainedVectors.Load: {path}, line {i + 2}: expected a word and {dimension} values, got {fields.Length} fields");
            }

            words[i] = fields[0];
            for (var j = 0; j < dimension; j++)
            {
                if (!double.TryParse(fields[j + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[((long)i * dimension) + j]))
                {
                    throw new FormatException($"PretrainedVectors.Load: {path}, line {i + 2}: value {j + 1} of '{fields[0]}' is '{fields[j + 1]}', not a number");
                }
            }
        }

        return new PretrainedVectors(words, values, dimension);
    }
}
