using System.Buffers.Binary;
using System.Text.Json;

namespace Functional.Nets;

/// <summary>
/// The validated header of a safetensors file: its entries, in the order the header lists them, and its
/// <c>__metadata__</c>. Everything the data section will be trusted for is checked here, from the header
/// alone and before any tensor memory is allocated: the header length is at most the bytes that follow it
/// and at most <see cref="MaxHeaderLength"/>; the JSON is well formed; every entry has a readable dtype,
/// non-negative dimensions and offsets inside the data buffer; End − Begin equals
/// product(shape)·sizeof(dtype), computed without overflow; sorted by offset the entries tile the buffer
/// from 0 with no gap or overlap; and the buffer ends where the last entry does. Every name is non-empty, no
/// object names a key twice, and no string escapes a lone UTF-16 surrogate (<c>"\ud800"</c>), which is well-formed
/// JSON but not text.
/// </summary>
public sealed class SafeTensorsHeader
{
    /// <summary>The largest header this reader accepts, in bytes (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The key of the string-to-string metadata object in the header.</summary>
    public const string MetadataKey = "__metadata__";

    private readonly Dictionary<string, SafeTensorsEntry> byName;

    private SafeTensorsHeader(string path, long headerLength, long dataLength, List<SafeTensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        HeaderLength = headerLength;
        DataLength = dataLength;
        Entries = entries;
        Metadata = metadata;
        byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file the header was read from.</summary>
    public string Path { get; }

    /// <summary>N, the length of the JSON header in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>The file offset at which the data buffer starts: 8 + N.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>The length of the data buffer in bytes.</summary>
    public long DataLength { get; }

    /// <summary>The entries, in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> strings (empty if the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Finds an entry by name.</summary>
    public bool TryGet(string name, out SafeTensorsEntry entry) => byName.TryGetValue(name, out entry!);

    /// <summary>Reads and validates the header of the file at <paramref name="path"/>, reading no tensor data.</summary>
    /// <exception cref="CheckpointException">The file is not a valid safetensors file.</exception>
    public static SafeTensorsHeader Read(string path)
    {
        using var stream = SafeTensors.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads and validates the header from the start of <paramref name="stream"/>, leaving it at the data buffer.</summary>
    internal static SafeTensorsHeader Read(Stream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new CheckpointException(path, null, $"the file has {fileLength} bytes, fewer than the 8 of the header length: it is truncated or not a safetensors file");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength)
        {
            throw new CheckpointException(path, null, $"the header length field says {n} bytes, more than the {MaxHeaderLength} this reader accepts: the file is corrupt or not a safetensors file");
        }

        if (n > (ulong)(fileLength - 8))
        {
            throw new CheckpointException(path, null, $"the header length field says {n} bytes, but only {fileLength - 8} bytes follow it: the file is truncated or not a safetensors file");
        }

        // n is now known to fit both the cap and the file: allocating it is safe.
        var json = new byte[n];
        stream.ReadExactly(json);
        return Parse(path, json, (long)n, fileLength - 8 - (long)n);
    }

    private static SafeTensorsHeader Parse(string path, byte[] json, long headerLength, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new CheckpointException(path, null, $"the {headerLength}-byte header is not valid UTF-8, so not well-formed JSON");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"the {headerLength}-byte header is not well-formed JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(path, null, $"the header must be a JSON object, got a JSON {root.ValueKind}");
            }

            RequireUnicodeStrings(path, json);

            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name.Length == 0)
                {
                    throw new CheckpointException(path, null, "an entry has the empty name \"\": every tensor needs a name");
                }

                if (!seen.Add(property.Name))
                {
                    throw new CheckpointException(path, property.Name, "the header names this key twice");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
                }
            }

            RequireTiling(path, entries, dataLength);
            return new SafeTensorsHeader(path, headerLength, dataLength, entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, null, $"{MetadataKey} must be an object of strings, got a JSON {value.ValueKind}");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException(path, null, $"{MetadataKey} entry '{item.Name}' must be a string, got a JSON {item.Value.ValueKind}");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new CheckpointException(path, null, $"{MetadataKey} names '{item.Name}' twice");
            }
        }
    }

    private static SafeTensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, name, $"the entry must be an object with dtype, shape and data_offsets, got a JSON {value.ValueKind}");
        }

        // A key given twice would leave TryGetProperty to pick one silently; the reference reader refuses it.
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            if (!keys.Add(field.Name))
            {
                throw new CheckpointException(path, name, $"the entry names '{field.Name}' twice");
            }
        }

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointException(path, name, "the entry has no dtype string");
        }

        var dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryGetSize(dtype, out var elementSize))
        {
            throw new CheckpointException(path, name, $"dtype '{dtype}' is not one this reader converts (it reads {string.Join(", ", SafeTensorsDTypes.Readable)})");
        }

        var shape = ReadShape(path, name, value);
        var (begin, end) = ReadOffsets(path, name, value, dataLength);

        // product(shape)·sizeof(dtype) in 128-bit arithmetic: dimensions are below 2^31, and the running
        // product is kept below 2^63 (or the shape is rejected), so nothing here can overflow.
        var zero = false;
        var overflow = false;
        UInt128 count = 1;
        foreach (var d in shape.Dims)
        {
            if (d == 0)
            {
                zero = true;
            }
            else if (!overflow)
            {
                count *= (uint)d;
                overflow = count > long.MaxValue;
            }
        }

        if (zero)
        {
            count = 0;
        }
        else if (overflow)
        {
            throw new CheckpointException(path, name, $"shape {shape} has more than 2^63 elements");
        }

        var expected = count * (uint)elementSize;
        var actual = (UInt128)(ulong)(end - begin);
        if (expected != actual)
        {
            throw new CheckpointException(
                path,
                name,
                $"shape {shape} of {dtype} needs {count}·{elementSize} = {expected} bytes, but data_offsets [{begin}, {end}] span {actual} bytes");
        }

        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private static Shape ReadShape(string path, string name, JsonElement value)
    {
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointException(path, name, "the entry has no shape array");
        }

        var dims = new int[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
            {
                throw new CheckpointException(path, name, $"shape {shapeElement.GetRawText()}: dimension {i} must be a non-negative integer");
            }

            if (dim > int.MaxValue)
            {
                throw new CheckpointException(path, name, $"shape {shapeElement.GetRawText()}: dimension {i} exceeds {int.MaxValue}");
            }

            dims[i++] = (int)dim;
        }

        try
        {
            return new Shape(dims);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            // Shape refuses an element count beyond 2⁶³ − 1; the file is what is wrong, so say so with its name.
            throw new CheckpointException(path, name, $"shape [{string.Join(", ", dims)}] has more than 2^63 elements", e);
        }
    }

    /// <summary>
    /// The index of the first lone UTF-16 surrogate in <paramref name="text"/>, or -1. UTF-8 cannot encode one, so
    /// such a string can neither be read from a header nor written to one unchanged.
    /// </summary>
    internal static int LoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Refuses a header whose JSON strings (names, dtypes, metadata) escape a lone UTF-16 surrogate such as
    /// <c>"\ud800"</c>: well-formed JSON, but not a Unicode string, and the JSON reader would throw an
    /// <see cref="InvalidOperationException"/> on first reading it. Checked here, where the byte position is known.
    /// </summary>
    private static void RequireUnicodeStrings(string path, byte[] json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        string? entry = null;
        while (reader.Read())
        {
            var isName = reader.TokenType == JsonTokenType.PropertyName;
            if (!isName && reader.TokenType != JsonTokenType.String)
            {
                continue;
            }

            string? text = null;
            if (reader.ValueIsEscaped)
            {
                try
                {
                    text = reader.GetString();
                }
                catch (InvalidOperationException e)
                {
                    var raw = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                    if (raw.Length > 60)
                    {
                        raw = raw[..57] + "...";
                    }

                    var what = isName && reader.CurrentDepth == 1 ? "the name of an entry"
                        : entry == MetadataKey ? $"a {MetadataKey} {(isName ? "key" : "value")}"
                        : $"a {(isName ? "key" : "value")} of the entry";
                    throw new CheckpointException(
                        path,
                        (isName && reader.CurrentDepth == 1) || entry == MetadataKey ? null : entry,
                        $"{what}, the JSON string \"{raw}\" at byte {reader.TokenStartIndex} of the header, escapes a lone UTF-16 surrogate, which is not a Unicode character",
                        e);
                }
            }

            if (isName && reader.CurrentDepth == 1)
            {
                entry = text ?? reader.GetString();
            }
        }
    }

    private static (long Begin, long End) ReadOffsets(string path, string name, JsonElement value, long dataLength)
    {
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new CheckpointException(path, name, "the entry has no data_offsets array [begin, end]");
        }

        var begin = offsets[0];
        var end = offsets[1];
        if (begin.ValueKind != JsonValueKind.Number || end.ValueKind != JsonValueKind.Number
            || !begin.TryGetUInt64(out var b) || !end.TryGetUInt64(out var e))
        {
            throw new CheckpointException(path, name, $"data_offsets {offsets.GetRawText()} must be two non-negative integers");
        }

        if (b > e)
        {
            throw new CheckpointException(path, name, $"data_offsets [{b}, {e}] end before they begin");
        }

        if (e > (ulong)dataLength)
        {
            throw new CheckpointException(path, name, $"data_offsets [{b}, {e}] run past the end of the {dataLength}-byte data buffer: the file is truncated or the header is wrong");
        }

        return ((long)b, (long)e);
    }

    private static void RequireTiling(string path, List<SafeTensorsEntry> entries, long dataLength)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long position = 0;
        SafeTensorsEntry? previous = null;
        foreach (var entry in sorted)
        {
            if (entry.Begin < position)
            {
                throw new CheckpointException(
                    path,
                    entry.Name,
                    $"data_offsets [{entry.Begin}, {entry.End}] overlap those of '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            }

            if (entry.Begin > position)
            {
                throw new CheckpointException(
                    path,
                    entry.Name,
                    $"data_offsets [{entry.Begin}, {entry.End}] leave a gap of {entry.Begin - position} bytes after {(previous is null ? "the start of the data buffer" : $"'{previous.Name}' [{previous.Begin}, {previous.End}]")}");
            }

            position = entry.End;
            previous = entry;
        }

        if (position != dataLength)
        {
            throw new CheckpointException(
                path,
                null,
                $"the entries end at byte {position} of the data buffer, but the buffer has {dataLength} bytes ({dataLength - position} unaccounted for)");
        }
    }
}
