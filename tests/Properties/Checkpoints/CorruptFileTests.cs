using System.Buffers.Binary;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// A bad file gives a <see cref="CheckpointException"/> whose message names the file, the leaf where
/// one applies, and what was expected against what was found, and nothing is allocated from a header
/// that has not been checked: truncated files, oversized or overlong header lengths, bad JSON, offsets
/// out of range, overlapping, with gaps or with a byte count that does not fit the shape, unreadable
/// dtypes, and trees whose names or shapes differ from the expected ones.
/// </summary>
public sealed class CorruptFileTests : IDisposable
{
    private readonly ScratchDirectory dir = new();
    private readonly string path;

    /// <summary>Each test gets a scratch directory and a path in it.</summary>
    public CorruptFileTests()
    {
        path = dir.File("bad.safetensors");
    }

    /// <inheritdoc />
    public void Dispose() => dir.Dispose();

    /// <summary>A valid checkpoint cut short at every kind of place fails, naming the file (and the leaf once the header is whole).</summary>
    [Fact]
    public void Truncated_files_fail_naming_the_file()
    {
        var backend = ReferenceBackend.Instance;
        var state = TrainState.Create(new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2)), Optim.Adam(), Key.FromSeed(3), backend);
        var good = dir.File("good.safetensors");
        Checkpoint.Save(good, state);
        var bytes = File.ReadAllBytes(good);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        foreach (var cut in new[] { 0, 1, 7, 8, 9, 8 + n / 2, 8 + n - 1, 8 + n, 8 + n + 1, (8 + n + bytes.Length) / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(path, bytes[..cut]);
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, backend));
            Assert.Equal(path, e.Path);
            Assert.StartsWith($"checkpoint '{path}'", e.Message, StringComparison.Ordinal);
            if (cut < 8)
            {
                Assert.Contains($"the file has {cut} bytes, fewer than the 8 of the header length", e.Message, StringComparison.Ordinal);
            }
            else if (cut < 8 + n)
            {
                Assert.Contains($"the header length field says {n} bytes, but only {cut - 8} bytes follow it: the file is truncated", e.Message, StringComparison.Ordinal);
            }
            else
            {
                // The header is whole but the data buffer is short: the first leaf that runs past its end is named.
                Assert.NotNull(e.Leaf);
                Assert.Contains($"run past the end of the {cut - 8 - n}-byte data buffer: the file is truncated", e.Message, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>A header length above 100 MB is refused before anything is read or allocated.</summary>
    [Fact]
    public void Oversized_header_length_is_refused_without_allocating()
    {
        RawFile.Write(path, """{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", new byte[8], claimedLength: 1UL << 40);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(path, e.Path);
        Assert.Null(e.Leaf);
        Assert.Contains($"the header length field says {1UL << 40} bytes, more than the 100000000 this reader accepts", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes before refusing the header");
    }

    /// <summary>A header length within the cap but beyond the end of the file is refused before the header is allocated.</summary>
    [Fact]
    public void Header_length_beyond_the_file_is_refused_without_allocating()
    {
        RawFile.Write(path, """{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", new byte[8], claimedLength: 99_999_999);
        var length = new FileInfo(path).Length;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(path, e.Path);
        Assert.Contains($"the header length field says 99999999 bytes, but only {length - 8} bytes follow it", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes before refusing the header");
    }

    /// <summary>Malformed JSON, a non-object header, invalid UTF-8 and an empty header all fail as not well formed.</summary>
    [Theory]
    [InlineData("""{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}""", "not well-formed JSON")]
    [InlineData("""{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8],}}""", "not well-formed JSON")]
    [InlineData("""{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}} x""", "not well-formed JSON")]
    [InlineData("""[1, 2, 3]""", "the header must be a JSON object, got a JSON Array")]
    [InlineData("", "not well-formed JSON")]
    public void Bad_json_fails_naming_the_file(string json, string expected)
    {
        RawFile.Write(path, json, new byte[8]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    /// <summary>Bytes that are not UTF-8 in the header are refused as malformed.</summary>
    [Fact]
    public void Invalid_utf8_in_the_header_fails()
    {
        // {"<0xFF>":1} and a space: 8 header bytes, one of them never valid in UTF-8.
        byte[] header = [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)' '];
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Contains("the 8-byte header is not valid UTF-8, so not well-formed JSON", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Inconsistent entries each fail naming the file, the leaf and expected against found.</summary>
    [Theory]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}""", 8, "a",
        "data_offsets [0, 16] run past the end of the 8-byte data buffer")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}""", 16, "b",
        "data_offsets [8, 16] overlap those of 'a' [0, 16]")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}}""", 24, "b",
        "data_offsets [16, 24] leave a gap of 8 bytes after 'a' [0, 8]")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}""", 16, "a",
        "leave a gap of 8 bytes after the start of the data buffer")]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "a",
        "shape [3] of F32 needs 3·4 = 12 bytes, but data_offsets [0, 8] span 8 bytes")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[2,3],"data_offsets":[0,40]}}""", 40, "a",
        "shape [2, 3] of F64 needs 6·8 = 48 bytes, but data_offsets [0, 40] span 40 bytes")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,0]}}""", 8, "a",
        "data_offsets [8, 0] end before they begin")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,-8]}}""", 8, "a",
        "data_offsets [0,-8] must be two non-negative integers")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1],"data_offsets":[0]}}""", 8, "a",
        "the entry has no data_offsets array [begin, end]")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[-1],"data_offsets":[0,8]}}""", 8, "a",
        "shape [-1]: dimension 0 must be a non-negative integer")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1.5],"data_offsets":[0,8]}}""", 8, "a",
        "shape [1.5]: dimension 0 must be a non-negative integer")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[3000000000],"data_offsets":[0,8]}}""", 8, "a",
        "shape [3000000000]: dimension 0 exceeds 2147483647")]
    [InlineData(
        """{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", 8, "a",
        "dtype 'F8_E4M3' is not one this reader converts")]
    [InlineData(
        """{"a":{"shape":[1],"data_offsets":[0,8]}}""", 8, "a",
        "the entry has no dtype string")]
    [InlineData(
        """{"a":[1,2]}""", 8, "a",
        "the entry must be an object with dtype, shape and data_offsets, got a JSON Array")]
    [InlineData(
        """{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[0],"data_offsets":[8,8]}}""", 8, "a",
        "the header names this key twice")]
    public void Inconsistent_entries_fail_naming_the_leaf(string json, int dataLength, string leaf, string expected)
    {
        RawFile.Write(path, json, new byte[dataLength]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Equal(leaf, e.Leaf);
        Assert.Equal($"checkpoint '{path}', leaf '{leaf}': {e.Problem}", e.Message);
        Assert.Contains(expected, e.Problem, StringComparison.Ordinal);
    }

    /// <summary>Problems of the file as a whole: bytes past the last entry, bad metadata.</summary>
    [Theory]
    [InlineData("""{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 16, "the entries end at byte 8 of the data buffer, but the buffer has 16 bytes (8 unaccounted for)")]
    [InlineData("""{"__metadata__":{"format":1},"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 8, "__metadata__ entry 'format' must be a string, got a JSON Number")]
    [InlineData("""{"__metadata__":"pt","a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 8, "__metadata__ must be an object of strings, got a JSON String")]
    public void Whole_file_problems_fail_naming_the_file(string json, int dataLength, string expected)
    {
        RawFile.Write(path, json, new byte[dataLength]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Null(e.Leaf);
        Assert.Equal($"checkpoint '{path}': {expected}", e.Message);
    }

    /// <summary>
    /// Claims of absurd sizes are refused from the header alone: a shape of 2^93 elements, and a shape of
    /// ~10^19 bytes whose offsets span 8 bytes; nothing near their size is allocated.
    /// </summary>
    [Theory]
    [InlineData("""{"a":{"dtype":"F64","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}""", "shape [2147483647, 2147483647, 2147483647] has more than 2^63 elements")]
    [InlineData("""{"a":{"dtype":"F64","shape":[2147483647,2147483647],"data_offsets":[0,8]}}""", "shape [2147483647, 2147483647] of F64 needs 4611686014132420609·8 = 36893488113059364872 bytes, but data_offsets [0, 8] span 8 bytes")]
    public void Absurd_sizes_are_refused_without_allocating(string json, string expected)
    {
        RawFile.Write(path, json, new byte[8]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("a", e.Leaf);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes before refusing the header");
    }

    /// <summary>LoadParameters against the model's own tree: a wrong shape, a missing leaf and an extra leaf each name the file and the leaf.</summary>
    [Fact]
    public void Parameters_that_do_not_fit_the_expected_tree_are_refused()
    {
        var backend = ReferenceBackend.Instance;
        var saved = new Sequential(new Dense(2, 3), new Tanh(), new Dense(3, 1));
        var state = TrainState.Create(saved, Optim.Adam(), Key.FromSeed(5), backend);
        Checkpoint.Save(path, state);

        // Wrong shape: Dense(3→2) expects 0.weight [2, 3], the file has [3, 2].
        var wrongShape = new Sequential(new Dense(3, 2), new Tanh(), new Dense(2, 1)).Init(Key.FromSeed(1), backend);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadParameters(path, backend, wrongShape));
        Assert.Equal(path, e.Path);
        Assert.Equal("0.weight", e.Leaf);
        Assert.Equal($"checkpoint '{path}', leaf '0.weight': expected shape [2, 3], the file has [3, 2]", e.Message);

        // Missing: a third layer the file does not have.
        var deeper = new Sequential(new Dense(2, 3), new Tanh(), new Dense(3, 1), new Dense(1, 1)).Init(Key.FromSeed(1), backend);
        e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadParameters(path, backend, deeper));
        Assert.Equal("3.weight", e.Leaf);
        Assert.Contains("the expected parameter (shape [1, 1]) is missing from the file; the file's parameters are 0.weight [3, 2], 0.bias [3], 2.weight [1, 3], 2.bias [1]", e.Message, StringComparison.Ordinal);

        // Extra: the file has a layer the expected tree lacks (optimizer entries are not parameters and never count).
        var shallower = new Sequential(new Dense(2, 3)).Init(Key.FromSeed(1), backend);
        e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadParameters(path, backend, shallower));
        Assert.Equal("2.weight", e.Leaf);
        Assert.Contains("the file has this parameter (shape [1, 3]) but the expected tree does not; expected 0.weight [3, 2], 0.bias [3]", e.Message, StringComparison.Ordinal);

        // The right tree loads, bit for bit.
        Bits.Identical("LoadParameters", state.Parameters, Checkpoint.LoadParameters(path, backend, saved.Init(Key.FromSeed(1), backend)));
    }

    /// <summary>A training checkpoint whose step or key metadata is not a decimal integer is refused, naming the key.</summary>
    [Theory]
    [InlineData("functional.nets.step", "12x")]
    [InlineData("functional.nets.key.hi", "-1")]
    [InlineData("functional.nets.key.lo", "18446744073709551616")]
    public void Bad_step_or_key_metadata_is_refused(string key, string value)
    {
        var metadata = new Dictionary<string, string>
        {
            ["functional.nets.step"] = "3",
            ["functional.nets.key.hi"] = "1",
            ["functional.nets.key.lo"] = "2",
        };
        metadata[key] = value;
        var json = "{\"__metadata__\":" + System.Text.Json.JsonSerializer.Serialize(metadata) + ",\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        RawFile.Write(path, json, new byte[8]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Contains($"metadata '{key}' must be a decimal integer, got '{value}'", e.Message, StringComparison.Ordinal);
    }
}
