using System.IO.Compression;

namespace Functional.Nets;

/// <summary>
/// The tagged Brown corpus in its one-sentence-a-line form, <c>FILEID&lt;TAB&gt;word/tag word/tag …</c> (gzip or not,
/// read from the content): each token as its lower-cased word and its original tag. <see cref="NormalizeTag"/> maps a
/// tag to its class for the tag probe.
/// </summary>
public sealed class BrownCorpus
{
    private BrownCorpus(IReadOnlyList<string[]> words, IReadOnlyList<string[]> tags)
    {
        Sentences = words;
        Tags = tags;
        Tokens = words.Sum(s => (long)s.Length);
    }

    /// <summary>The sentences as lower-cased words.</summary>
    public IReadOnlyList<string[]> Sentences { get; }

    /// <summary>Each sentence's original tags, aligned with <see cref="Sentences"/>.</summary>
    public IReadOnlyList<string[]> Tags { get; }

    /// <summary>The number of tokens.</summary>
    public long Tokens { get; }

    /// <summary>Reads the corpus from <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">A line is not <c>FILEID&lt;TAB&gt;word/tag …</c> (the message gives the line), or the file holds no token.</exception>
    public static BrownCorpus Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Brown corpus: no file {path}", path);
        }

        using var file = File.OpenRead(path);
        var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        var words = new List<string[]>();
        var tags = new List<string[]>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0)
            {
                throw new InvalidDataException($"Brown corpus {path}: line {lineNumber} has no FILEID<TAB> prefix");
            }

            var tokens = line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var w = new string[tokens.Length];
            var t = new string[tokens.Length];
            for (var i = 0; i < tokens.Length; i++)
            {
                var slash = tokens[i].LastIndexOf('/');
                if (slash <= 0 || slash == tokens[i].Length - 1)
                {
                    throw new InvalidDataException($"Brown corpus {path}: line {lineNumber}, token {i + 1} '{tokens[i]}' is not word/tag");
                }

                w[i] = tokens[i][..slash].ToLowerInvariant();
                t[i] = tokens[i][(slash + 1)..];
            }

            words.Add(w);
            tags.Add(t);
        }

        var corpus = new BrownCorpus(words, tags);
        return corpus.Tokens > 0 ? corpus : throw new InvalidDataException($"Brown corpus {path}: no tokens");
    }

    /// <summary>
    /// A tag's class: the part before a <c>+</c> compound (<c>vb+in</c> → <c>vb</c>), without <c>-tl</c>/<c>-hl</c>/<c>-nc</c>-style
    /// suffixes (<c>nn-tl</c> → <c>nn</c>), cut to its first two letters (<c>vbd</c> → <c>vb</c>, <c>np$</c> → <c>np</c>).
    /// </summary>
    public static string NormalizeTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var t = tag.ToLowerInvariant();
        var plus = t.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0)
        {
            t = t[..plus];
        }

        var dash = t.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            t = t[..dash];
        }

        return t.Length > 2 ? t[..2] : t;
    }

    /// <summary>Each word's majority tag class (<see cref="NormalizeTag"/>) and its number of tagged occurrences; ties go to the class seen first.</summary>
    public IReadOnlyDictionary<string, (string Tag, int Occurrences)> MajorityTags()
    {
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var order = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var s = 0; s < Sentences.Count; s++)
        {
            for (var i = 0; i < Sentences[s].Length; i++)
            {
                var word = Sentences[s][i];
                var tag = NormalizeTag(Tags[s][i]);
                if (!counts.TryGetValue(word, out var byTag))
                {
                    counts[word] = byTag = new Dictionary<string, int>(StringComparer.Ordinal);
                    order[word] = [];
                }

                if (!byTag.TryGetValue(tag, out var n))
                {
                    order[word].Add(tag);
                }

                byTag[tag] = n + 1;
            }
        }

        return counts.ToDictionary(
            kv => kv.Key,
            kv =>
            {
                var best = order[kv.Key].OrderByDescending(t => kv.Value[t]).First();   // OrderBy is stable: ties keep first-seen order
                return (best, kv.Value.Values.Sum());
            },
            StringComparer.Ordinal);
    }
}
