using System.Buffers.Binary;
using System.Text;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// Issue 11, point 1: unusual strings in a safetensors header. A lone UTF-16 surrogate escape in a name, dtype or
/// metadata string, an empty name, or a key named twice inside an entry gives a <see cref="CheckpointException"/>
/// naming the file and the key or byte position; the writer refuses a lone surrogate rather than saving U+FFFD;
/// and <c>requireFinite</c> names the leaf and element of a NaN or infinite value.
/// </summary>
public sealed class HeaderStringTests : IDisposable
{
    private readonly ScratchDirectory dir = new();
    private readonly string path;

    /// <summary>Each test gets a scratch directory and a path in it.</summary>
    public HeaderStringTests()
    {
        path = dir.File("strings.safetensors");
    }

    /// <inheritdoc />
    public void Dispose() => dir.Dispose();

    /// <summary>A lone surrogate escape in an entry's name, its dtype, a metadata key or value: the library's exception with the byte position.</summary>
    [Theory]
    [InlineData("""{"a\ud800":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", null, "the name of an entry")]
    [InlineData("""{"w":{"dtype":"F\udc00","shape":[1],"data_offsets":[0,8]}}""", "w", "a value of the entry")]
    [InlineData("""{"__metadata__":{"k\ud800":"v"},"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", null, "a __metadata__ key")]
    [InlineData("""{"__metadata__":{"k":"\ud800x"},"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", null, "a __metadata__ value")]
    [InlineData("""{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8],"x\udbff":1}}""", "w", "a key of the entry")]
    public void Lone_surrogate_escapes_are_refused_with_their_position(string header, string? leaf, string what)
    {
        File.WriteAllBytes(path, FileWith(header, 8));
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Equal(leaf, e.Leaf);
        var at = header.IndexOf("\\ud", StringComparison.OrdinalIgnoreCase);
        var quote = header.LastIndexOf('"', at);
        Assert.StartsWith(what + ", the JSON string", e.Problem, StringComparison.Ordinal);
        Assert.Contains($"at byte {quote} of the header, escapes a lone UTF-16 surrogate", e.Problem, StringComparison.Ordinal);
        Assert.IsNotType<InvalidOperationException>(e);
    }

    /// <summary>A surrogate pair written as two escapes is a character like any other and loads as itself.</summary>
    [Fact]
    public void Escaped_surrogate_pairs_load_as_themselves()
    {
        File.WriteAllBytes(path, FileWith("""{"w\ud83d\ude00":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 8));
        var (tensors, _) = SafeTensors.Read(path, ReferenceBackend.Instance);
        Assert.Equal("w\U0001F600", Assert.Single(tensors).Key);
    }

    /// <summary>An entry with the empty name is refused naming the file, not with the tree's ArgumentException.</summary>
    [Fact]
    public void Empty_name_is_refused_naming_the_file()
    {
        File.WriteAllBytes(path, FileWith("""{"":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 8));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadParameters(path, ReferenceBackend.Instance));
        Assert.Equal($"checkpoint '{path}': an entry has the empty name \"\": every tensor needs a name", e.Message);
    }

    /// <summary>A key named twice inside an entry is refused rather than one of the two being picked silently.</summary>
    [Fact]
    public void Key_named_twice_in_an_entry_is_refused()
    {
        File.WriteAllBytes(path, FileWith("""{"w":{"dtype":"F64","dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", 8));
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, ReferenceBackend.Instance));
        Assert.Equal($"checkpoint '{path}', leaf 'w': the entry names 'dtype' twice", e.Message);
    }

    /// <summary>The writer refuses a lone surrogate in a leaf name, a metadata key or a metadata value, naming it escaped.</summary>
    [Fact]
    public void Writer_refuses_lone_surrogates_instead_of_writing_U_FFFD()
    {
        var backend = ReferenceBackend.Instance;
        var bad = TensorTree.Of(("layer\ud800.weight", backend.FromArray([1.0], new Shape(1))));
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, bad));
        Assert.Equal("tensors", e.ParamName);
        Assert.StartsWith("checkpoint: leaf 'layer\\uD800.weight' holds a lone UTF-16 surrogate U+D800 at index 5", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));

        var good = TensorTree.Of(("w", backend.FromArray([1.0], new Shape(1))));
        var k = Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, good, new Dictionary<string, string> { ["note\udc00"] = "x" }));
        Assert.Equal("metadata", k.ParamName);
        Assert.StartsWith("checkpoint: the key of metadata 'note\\uDC00' holds a lone UTF-16 surrogate U+DC00 at index 4", k.Message, StringComparison.Ordinal);
        var v = Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, good, new Dictionary<string, string> { ["note"] = "ab\ud800" }));
        Assert.StartsWith("checkpoint: the value of metadata 'note' holds a lone UTF-16 surrogate U+D800 at index 2", v.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    /// <summary>Names and metadata with real surrogate pairs and other unusual characters round-trip exactly.</summary>
    [Fact]
    public void Unusual_but_valid_strings_round_trip_exactly()
    {
        var backend = ReferenceBackend.Instance;
        var names = new[] { "w\U0001F600", "\"quoted\\name\"", "tab\tnew\nline", "ä.ß.\u2028" };
        var tree = TensorTree.Of(names.Select((n, i) => KeyValuePair.Create(n, backend.FromArray([i * 1.0], new Shape(1)))));
        var metadata = new Dictionary<string, string> { ["k\U0001F600"] = "v\U0010FFFF\u0000" };
        SafeTensors.Write(path, tree, metadata);
        var (read, meta) = SafeTensors.Read(path, backend);
        Assert.Equal(names, read.Select(l => l.Key));
        Assert.Equal(metadata, meta);
    }

    /// <summary>With requireFinite, NaN, ±∞ and an F64 value that overflows float32 are refused naming the leaf and the element; without it they load.</summary>
    [Fact]
    public void Require_finite_names_the_leaf_and_element()
    {
        var backend = ReferenceBackend.Instance;
        var tree = TensorTree.Of(("ok", backend.FromArray([1.0], new Shape(1))), ("w", backend.FromArray([0, 1, 2, 3, double.NaN, 5], new Shape(2, 3))));
        SafeTensors.Write(path, tree);
        Assert.Equal(2, SafeTensors.Read(path, backend).Tensors.Count);
        Assert.Equal(2, Checkpoint.LoadParameters(path, backend).Count);

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadParameters(path, backend, requireFinite: true));
        Assert.Equal($"checkpoint '{path}', leaf 'w': element 4 (index [1, 1]) of shape [2, 3] is NaN, but finite values were required (requireFinite)", e.Message);
        var r = Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, backend, requireFinite: true));
        Assert.Equal("w", r.Leaf);

        SafeTensors.Write(path, TensorTree.Of(("neg", backend.FromArray([double.NegativeInfinity], new Shape(1)))));
        Assert.Contains("element 0 (index [0]) of shape [1] is −∞", Assert.Throws<CheckpointException>(() => SafeTensors.Read(path, backend, true)).Message, StringComparison.Ordinal);

        SafeTensors.Write(path, TensorTree.Of(("big", backend.FromArray([1e300], new Shape(1)))));
        Assert.Equal(1e300, SafeTensors.Read(path, backend, true).Tensors["big"].ToArray()[0]);
    }

    /// <summary>A safetensors file with <paramref name="header"/> (padded to 8 bytes) and <paramref name="dataBytes"/> zero bytes of data.</summary>
    internal static byte[] FileWith(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        return bytes;
    }
}
