using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Functional.Nets;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face), so a PyTorch user can open our tensors with
/// <c>safetensors.torch.load_file</c> and we can open theirs. A file is: an 8-byte little-endian
/// unsigned header length N; N bytes of UTF-8 JSON mapping each tensor name to
/// <c>{"dtype": "F32", "shape": [3, 2], "data_offsets": [begin, end]}</c>, plus an optional
/// <c>"__metadata__"</c> object of strings, padded with spaces to a multiple of 8 bytes; then the data
/// buffer, each tensor's elements row-major and little-endian at its offsets (relative to the buffer's
/// start), the entries tiling the buffer with no gap or overlap.
/// </summary>
/// <remarks>
/// <para>Why safetensors and not PyTorch's <c>torch.save</c>: a <c>.pt</c> file is a Python pickle, and
/// unpickling runs whatever code the file names, so opening a stranger's checkpoint can run a stranger's
/// program. A safetensors file is data only: a JSON header and raw numbers. This reader interprets nothing
/// but the header's fields, validates all of them before allocating any tensor memory (see
/// <see cref="SafeTensorsHeader"/>), and reports a bad file with a <see cref="CheckpointException"/> naming
/// the file and the leaf.</para>
/// <para>Writing: float32 tensors are written as F32 and float64 tensors as F64, each exact. The header
/// lists the tensors in the tree's order (reading gives them back in that order); the data buffer holds
/// the 8-byte elements first, then the 4-byte ones, so every tensor is aligned to its element size.
/// Writes to a path are atomic (<see cref="AtomicFile"/>). Reading converts every dtype in
/// <see cref="SafeTensorsDTypes.Readable"/> to the backend's dtype (rounding F64 to float32 on a float32
/// backend).</para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>Elements converted per chunk when a tensor is encoded or decoded through a buffer.</summary>
    private const int ChunkElements = 1 << 16;

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> atomically: a crash mid-write leaves any previous file intact.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">The tensors, under their names.</param>
    /// <param name="metadata">Strings for the header's <c>__metadata__</c> (omitted when null or empty).</param>
    public static void Write(string path, TensorTree tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        AtomicFile.Write(path, stream => Write(stream, tensors, metadata));
    }

    /// <summary>Writes <paramref name="tensors"/> in the safetensors format to <paramref name="stream"/>, then flushes it.</summary>
    /// <param name="stream">A writable stream; it is left open.</param>
    /// <param name="tensors">The tensors, under their names; no name may be <c>__metadata__</c>.</param>
    /// <param name="metadata">Strings for the header's <c>__metadata__</c> (omitted when null or empty).</param>
    public static void Write(Stream stream, TensorTree tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Contains(SafeTensorsHeader.MetadataKey))
        {
            throw new ArgumentException($"a tensor may not be named '{SafeTensorsHeader.MetadataKey}': the format reserves that key", nameof(tensors));
        }

        if (tensors.FirstOrDefault(l => l.Value.IsIndex) is { Key: not null } index)
        {
            // Index tensors (token ids, class targets) are data, not parameters: refusing them here keeps a checkpoint
            // a file of floats that every reader of ours round-trips exactly.
            throw new ArgumentException(
                $"checkpoint: leaf '{index.Key}' is an int64 index tensor of shape {index.Value.Shape}; checkpoints hold float parameters and state only",
                nameof(tensors));
        }

        RequireEncodable(tensors, metadata);
        var dtypes = tensors.Select(l => SafeTensorsDTypes.For(l.Value.DType)).ToArray();
        var sizes = dtypes.Select(d => SafeTensorsDTypes.TryGetSize(d, out var s) ? s : 0).ToArray();

        // Data order: larger elements first (stable), so each tensor starts at a multiple of its element size.
        var dataOrder = Enumerable.Range(0, tensors.Count).OrderByDescending(i => sizes[i]).ToArray();
        var begins = new long[tensors.Count];
        long position = 0;
        foreach (var i in dataOrder)
        {
            begins[i] = position;
            position += tensors[i].Value.Size * sizes[i];
        }

        var header = Header(tensors, dtypes, sizes, begins, metadata);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);

        // One pooled array for every tensor's values, rather than a fresh array per tensor per save: a run that checkpoints
        // every 1,000 steps otherwise leaves megabytes of large-object garbage each time (seen in the benchmark's soak).
        var largest = tensors.Count == 0 ? 0 : tensors.Max(l => l.Value.Size);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkElements * 8);
        var values = ArrayPool<double>.Shared.Rent(checked((int)Math.Max(largest, 1)));
        try
        {
            foreach (var i in dataOrder)
            {
                var tensor = tensors[i].Value;
                var span = values.AsSpan(0, checked((int)tensor.Size));
                tensor.CopyTo(span);
                WriteData(stream, span, dtypes[i], sizes[i], buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<double>.Shared.Return(values);
        }

        stream.Flush();
    }

    /// <summary>Reads every tensor of the file at <paramref name="path"/> onto <paramref name="backend"/>, in header order, with the metadata.</summary>
    /// <exception cref="CheckpointException">The file is truncated, its header is malformed or inconsistent.</exception>
    public static (TensorTree Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path, Backend backend) => Read(path, backend, requireFinite: false);

    /// <summary>As <see cref="Read(string, Backend)"/>; with <paramref name="requireFinite"/>, a NaN or infinite value is refused.</summary>
    /// <param name="path">The file.</param>
    /// <param name="backend">The backend the tensors are made on.</param>
    /// <param name="requireFinite">Whether a NaN or infinite element (or one that overflows the backend's float32) throws, naming the leaf and the element.</param>
    /// <exception cref="CheckpointException">The file is truncated, its header is malformed or inconsistent, or (with <paramref name="requireFinite"/>) a value is not finite.</exception>
    public static (TensorTree Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path, Backend backend, bool requireFinite)
    {
        ArgumentNullException.ThrowIfNull(backend);
        using var stream = OpenRead(path);
        var header = SafeTensorsHeader.Read(stream, path);
        return (ReadTensors(stream, header, header.Entries.Select(e => (e.Name, e)).ToList(), backend, requireFinite), header.Metadata);
    }

    /// <summary>Opens a file for reading with a buffer suited to sequential reads.</summary>
    internal static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>
    /// Reads the tensors of <paramref name="selected"/> (a name for the result tree and the entry to read,
    /// from <paramref name="header"/>) onto <paramref name="backend"/>, in the order given. Reads the data
    /// buffer front to back, skipping what is not selected.
    /// </summary>
    internal static TensorTree ReadTensors(Stream stream, SafeTensorsHeader header, IReadOnlyList<(string Name, SafeTensorsEntry Entry)> selected, Backend backend, bool requireFinite = false) =>
        ReadTensors(stream, header, selected, _ => backend, requireFinite);

    /// <summary>As the overload with one backend, but tensor i is made on <paramref name="backendOf"/>(i).</summary>
    internal static TensorTree ReadTensors(
        Stream stream, SafeTensorsHeader header, IReadOnlyList<(string Name, SafeTensorsEntry Entry)> selected, Func<int, Backend> backendOf, bool requireFinite = false)
    {
        var path = header.Path;
        foreach (var (_, entry) in selected)
        {
            if (entry.ElementCount > Array.MaxLength)
            {
                throw new CheckpointException(path, entry.Name, $"shape {entry.Shape} has {entry.ElementCount} elements, more than one .NET array holds ({Array.MaxLength})");
            }
        }

        var loaded = new Tensor?[selected.Count];
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkElements * 8);
        try
        {
            foreach (var i in Enumerable.Range(0, selected.Count).OrderBy(i => selected[i].Entry.Begin))
            {
                var entry = selected[i].Entry;
                stream.Seek(header.DataStart + entry.Begin, SeekOrigin.Begin);
                var values = new double[entry.ElementCount];
                ReadData(stream, entry, values, buffer);
                loaded[i] = backendOf(i).FromArray(values, entry.Shape);
                if (requireFinite)
                {
                    RequireFinite(path, entry, values, loaded[i]!.DType == DType.Float32);
                }
            }

            return TensorTree.Of(selected.Select((s, i) => KeyValuePair.Create(s.Name, loaded[i]!)));
        }
        catch (EndOfStreamException e)
        {
            Release(loaded);
            throw new CheckpointException(path, null, "the file ended before its data buffer did (was it truncated while being read?)", e);
        }
        catch
        {
            Release(loaded);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Throws naming the leaf, the element's position and its value if one of <paramref name="values"/> is not finite (as stored, or once rounded to float32).</summary>
    private static void RequireFinite(string path, SafeTensorsEntry entry, double[] values, bool float32)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (double.IsFinite(v) && (!float32 || float.IsFinite((float)v)))
            {
                continue;
            }

            // The row-major multi-index, so the element can be found in the tensor as the user sees it.
            var dims = entry.Shape.Dims;
            var index = new long[dims.Length];
            var rest = (long)i;
            for (var d = dims.Length - 1; d >= 0; d--)
            {
                index[d] = rest % dims[d];
                rest /= dims[d];
            }

            var found = double.IsFinite(v)
                ? $"{v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, which overflows float32 to {(v > 0 ? "+∞" : "−∞")}"
                : double.IsNaN(v) ? "NaN" : v > 0 ? "+∞" : "−∞";
            throw new CheckpointException(
                path,
                entry.Name,
                $"element {i} (index [{string.Join(", ", index)}]) of shape {entry.Shape} is {found}, but finite values were required (requireFinite)");
        }
    }

    /// <summary>
    /// Refuses names and metadata holding a lone UTF-16 surrogate: UTF-8 cannot encode one, and the JSON writer would
    /// silently write U+FFFD instead, so the name saved would not load back as itself.
    /// </summary>
    private static void RequireEncodable(TensorTree tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        foreach (var (name, _) in tensors)
        {
            if (SafeTensorsHeader.LoneSurrogate(name) is var at and >= 0)
            {
                throw new ArgumentException(
                    $"checkpoint: leaf '{Escaped(name)}' holds a lone UTF-16 surrogate U+{(int)name[at]:X4} at index {at}, which UTF-8 cannot encode; it would be saved as U+FFFD and load back under another name",
                    nameof(tensors));
            }
        }

        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            foreach (var (text, what) in new[] { (key, "key"), (value ?? "", "value") })
            {
                if (SafeTensorsHeader.LoneSurrogate(text) is var at and >= 0)
                {
                    throw new ArgumentException(
                        $"checkpoint: the {what} of metadata '{Escaped(key)}' holds a lone UTF-16 surrogate U+{(int)text[at]:X4} at index {at}, which UTF-8 cannot encode; it would be saved as U+FFFD and load back changed",
                        nameof(metadata));
                }
            }
        }
    }

    /// <summary>The text with each surrogate written as \uXXXX, so a message about one can be printed and read.</summary>
    private static string Escaped(string text) =>
        string.Concat(text.Select(c => char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static void Release(Tensor?[] tensors)
    {
        foreach (var t in tensors)
        {
            t?.Dispose();
        }
    }

    private static byte[] Header(TensorTree tensors, string[] dtypes, int[] sizes, long[] begins, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, $"metadata '{key}'");
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            for (var i = 0; i < tensors.Count; i++)
            {
                var (name, tensor) = tensors[i];
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtypes[i]);
                writer.WriteStartArray("shape");
                foreach (var d in tensor.Shape.Dims)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(begins[i]);
                writer.WriteNumberValue(begins[i] + tensor.Size * sizes[i]);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        // Padded with spaces to a multiple of 8, as the reference implementation does, so the data buffer is 8-aligned.
        var padding = (8 - json.WrittenCount % 8) % 8;
        var header = new byte[json.WrittenCount + padding];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteData(Stream stream, ReadOnlySpan<double> values, string dtype, int size, byte[] buffer)
    {
        if (dtype == SafeTensorsDTypes.F64 && BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        for (var start = 0; start < values.Length; start += ChunkElements)
        {
            var count = Math.Min(ChunkElements, values.Length - start);
            var bytes = buffer.AsSpan(0, count * size);
            SafeTensorsDTypes.Encode(dtype, values.Slice(start, count), bytes);
            stream.Write(bytes);
        }
    }

    private static void ReadData(Stream stream, SafeTensorsEntry entry, double[] values, byte[] buffer)
    {
        if (entry.DType == SafeTensorsDTypes.F64 && BitConverter.IsLittleEndian)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }

        SafeTensorsDTypes.TryGetSize(entry.DType, out var size);
        for (var start = 0; start < values.Length; start += ChunkElements)
        {
            var count = Math.Min(ChunkElements, values.Length - start);
            var bytes = buffer.AsSpan(0, count * size);
            stream.ReadExactly(bytes);
            SafeTensorsDTypes.Decode(entry.DType, bytes, values.AsSpan(start, count));
        }
    }
}
