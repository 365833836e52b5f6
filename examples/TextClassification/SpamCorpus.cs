using System.IO.Compression;
using System.Text.Json;

namespace Functional.Nets.Examples.TextClassification;

/// <summary>One e-mail of the corpus: its group (easy-ham-1, spam-2, …), whether it is spam, and its tokens.</summary>
internal sealed record Email(string Group, bool Spam, string[] Tokens);

/// <summary>
/// The SpamAssassin public corpus as ../shared/data/spam-assassin/messages.jsonl.gz holds it: one JSON object a line,
/// <c>{"id", "group", "spam", "text"}</c>, the text a raw e-mail with headers; each tokenized by
/// <see cref="EmailTokenizer"/> (Subject and body, no other headers) and truncated.
/// </summary>
internal static class SpamCorpus
{
    public static Email[] Load(string path, int maxTokens)
    {
        var emails = new List<Email>();
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var line = 0;
        while (reader.ReadLine() is { } json)
        {
            line++;
            if (json.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (!root.TryGetProperty("text", out var text) || !root.TryGetProperty("spam", out var spam) || !root.TryGetProperty("group", out var group))
            {
                throw new FormatException($"{path}, line {line}: expected an object with \"group\", \"spam\" and \"text\"");
            }

            emails.Add(new Email(group.GetString() ?? "", spam.GetBoolean(), EmailTokenizer.Tokens(text.GetString() ?? "", maxTokens)));
        }

        return [.. emails];
    }
}
