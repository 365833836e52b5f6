using System.Text.Json;

namespace Functional.Nets.Serialization;

/// <summary>
/// Where each value of a JSON document starts (line and byte in line, from 1), by JSON path.
/// <see cref="System.Text.Json.Nodes.JsonNode"/> keeps no positions, so one pass of
/// <see cref="Utf8JsonReader"/> records them; a syntax error found on that pass is reported with the
/// path of the value being read.
/// </summary>
internal sealed class JsonPositions
{
    private readonly Dictionary<string, (long Line, long Byte)> starts;

    private JsonPositions(Dictionary<string, (long, long)> starts) => this.starts = starts;

    /// <summary>The reader options every architecture document is read with: comments and trailing commas are allowed.</summary>
    public static JsonReaderOptions ReaderOptions => new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Indexes <paramref name="utf8"/> or throws <see cref="ArchitectureFormatException"/> at its first syntax error.</summary>
    public static JsonPositions Index(ReadOnlySpan<byte> utf8)
    {
        var lineStarts = LineStarts(utf8);
        var starts = new Dictionary<string, (long, long)>(StringComparer.Ordinal);

        // One frame per open object or array: its path, the current property (objects) or next index (arrays),
        // and (objects) the property names seen so far, so a name given twice is refused here, with its position:
        // JsonNode would otherwise throw a bare ArgumentException later, when the object is first read.
        var frames = new Stack<(string Path, bool IsArray, string? Property, int Index, HashSet<string>? Names)>();
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var pending = "$";
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        {
                            var f = frames.Pop();
                            var name = Text(ref reader, f.Path, "a property name", lineStarts);
                            frames.Push(f with { Property = name });
                            pending = Child(f.Path, name);
                            var (line, column) = Position(lineStarts, reader.TokenStartIndex);
                            if (!f.Names!.Add(name))
                            {
                                throw new ArchitectureFormatException(
                                    $"the object at {f.Path} names \"{name}\" twice: one of the two values would be dropped silently", pending, line, column);
                            }

                            starts.TryAdd(pending, (line, column));
                            continue;
                        }

                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        pending = frames.Count > 0 ? frames.Peek().Path : "$";
                        continue;
                }

                // A value: its path is the pending property, or the next index of the enclosing array.
                var path = pending;
                if (frames.Count > 0 && frames.Peek().IsArray)
                {
                    var f = frames.Pop();
                    path = $"{f.Path}[{f.Index}]";
                    frames.Push(f with { Index = f.Index + 1 });
                }

                // A property's position is its name; an array element's is the value itself.
                starts.TryAdd(path, Position(lineStarts, reader.TokenStartIndex));
                if (reader.TokenType == JsonTokenType.String)
                {
                    Text(ref reader, path, "a string", lineStarts);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    var isArray = reader.TokenType == JsonTokenType.StartArray;
                    frames.Push((path, isArray, null, 0, isArray ? null : new HashSet<string>(StringComparer.Ordinal)));
                    pending = path;
                }
            }
        }
        catch (JsonException e)
        {
            var at = frames.Count > 0 ? (frames.Peek().IsArray ? $"{frames.Peek().Path}[{frames.Peek().Index}]" : pending) : "$";
            throw new ArchitectureFormatException(
                $"malformed JSON: {WithoutPosition(e.Message)}", at, e.LineNumber + 1, e.BytePositionInLine + 1, inner: e);
        }

        return new JsonPositions(starts);
    }

    /// <summary>
    /// The string at the reader, or an <see cref="ArchitectureFormatException"/> at its position when it cannot be one:
    /// an escape of a lone UTF-16 surrogate (<c>"\ud800"</c>) is valid JSON syntax but no .NET string, and
    /// <see cref="Utf8JsonReader.GetString"/> throws a bare <see cref="InvalidOperationException"/> for it.
    /// </summary>
    private static string Text(ref Utf8JsonReader reader, string path, string what, long[] lineStarts)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            var (line, column) = Position(lineStarts, reader.TokenStartIndex);
            throw new ArchitectureFormatException($"{what} that is no valid text: {e.Message}", path, line, column, inner: e);
        }
    }

    /// <summary>The start of the value at <paramref name="path"/>, or of its nearest ancestor that has one.</summary>
    public (long Line, long Byte)? Find(string path)
    {
        while (true)
        {
            if (starts.TryGetValue(path, out var p))
            {
                return p;
            }

            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            if (cut <= 0)
            {
                return null;
            }

            path = path[..cut];
        }
    }

    /// <summary>The path of property <paramref name="name"/> inside the object at <paramref name="parent"/>, as <c>JsonNode.GetPath</c> writes it.</summary>
    public static string Child(string parent, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? $"{parent}.{name}"
            : $"{parent}['{name}']";

    private static long[] LineStarts(ReadOnlySpan<byte> utf8)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }

    private static (long, long) Position(long[] lineStarts, long offset)
    {
        var i = Array.BinarySearch(lineStarts, offset);
        var line = i >= 0 ? i : ~i - 1;
        return (line + 1, offset - lineStarts[line] + 1);
    }

    /// <summary>System.Text.Json ends its messages with "LineNumber: 2 | BytePositionInLine: 7." (from 0); ours says it from 1.</summary>
    private static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd();
    }
}
