namespace Functional.Nets.Serialization;

/// <summary>Edit distance for "did you mean" hints on misspelt types and fields.</summary>
internal static class Spelling
{
    /// <summary>Levenshtein distance, for the "did you mean" hint.</summary>
    public static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    /// <summary>The candidate nearest to <paramref name="name"/> (case-insensitive), if it is close enough to be a typo.</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates) =>
        candidates
            .Select(k => (k, d: Distance(k.ToLowerInvariant(), name.ToLowerInvariant())))
            .Where(x => x.d <= Math.Max(2, name.Length / 3))
            .OrderBy(x => x.d)
            .Select(x => x.k)
            .FirstOrDefault();
}
