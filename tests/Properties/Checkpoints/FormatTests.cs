using System.Buffers.Binary;
using System.Text;
using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// The bytes on disk are the safetensors format, checked against files built in the test from the
/// specification alone (no library code): what we write is byte for byte what the specification (and,
/// for the same tensors in name order, the reference implementation) gives; a file as a PyTorch user's
/// <c>safetensors.torch.save_file</c> would write it, with F16, BF16, I64, I32, BOOL, U8 and zero-size
/// entries, reads back value for value.
/// </summary>
public sealed class FormatTests
{
    /// <summary>A float64 tree with metadata is written exactly as the specification lays it out.</summary>
    [Fact]
    public void Writes_the_specified_bytes()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("small.safetensors");
        var backend = ReferenceBackend.Instance;
        var tree = TensorTree.Of(
            ("a", backend.FromArray([1.0, -2.0], new Shape(2))),
            ("s", backend.FromArray([0.5], Shape.Scalar)));
        SafeTensors.Write(path, tree, new Dictionary<string, string> { ["format"] = "pt" });

        // Built from the specification: compact JSON, __metadata__ first, padded with spaces to a multiple of 8.
        const string json = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"s":{"dtype":"F64","shape":[],"data_offsets":[16,24]}}""";
        var header = Encoding.UTF8.GetBytes(json);
        var padded = (header.Length + 7) / 8 * 8;
        var expected = new byte[8 + padded + 24];
        BinaryPrimitives.WriteUInt64LittleEndian(expected, (ulong)padded);
        header.CopyTo(expected, 8);
        expected.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(8 + padded), BitConverter.DoubleToInt64Bits(1.0));
        BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(8 + padded + 8), BitConverter.DoubleToInt64Bits(-2.0));
        BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(8 + padded + 16), BitConverter.DoubleToInt64Bits(0.5));

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(File.ReadAllBytes(path)));
    }

    /// <summary>
    /// A float32 leaf written before a float64 one: the header keeps the tree's order, the data puts the
    /// 8-byte elements first so both tensors are aligned, and names outside ASCII are written as UTF-8.
    /// </summary>
    [Fact]
    public void Mixed_dtypes_keep_tree_order_in_the_header_and_alignment_in_the_data()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("mixed.safetensors");
        var tree = TensorTree.Of(
            ("gewicht.ä", TorchBackend.CpuFloat32.FromArray([1.5f, -0.25f, 3f], new Shape(3, 1))),
            ("d", ReferenceBackend.Instance.FromArray([0.1], new Shape(1))));
        SafeTensors.Write(path, tree);

        const string json = """{"gewicht.ä":{"dtype":"F32","shape":[3,1],"data_offsets":[8,20]},"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""";
        var header = Encoding.UTF8.GetBytes(json);
        var padded = (header.Length + 7) / 8 * 8;
        var expected = new byte[8 + padded + 20];
        BinaryPrimitives.WriteUInt64LittleEndian(expected, (ulong)padded);
        header.CopyTo(expected, 8);
        expected.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        var data = expected.AsSpan(8 + padded);
        BinaryPrimitives.WriteDoubleLittleEndian(data, 0.1);
        BinaryPrimitives.WriteSingleLittleEndian(data[8..], 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data[12..], -0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(data[16..], 3f);

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(File.ReadAllBytes(path)));

        var header2 = SafeTensorsHeader.Read(path);
        Assert.Equal(["gewicht.ä", "d"], header2.Entries.Select(e => e.Name));
        Assert.Empty(header2.Metadata);
    }

    /// <summary>
    /// A file as a PyTorch user would have it: a BatchNorm's I64 <c>num_batches_tracked</c> scalar, F64,
    /// F32 (with −0 and a subnormal), I32, F16, BF16, BOOL and U8 entries and a zero-size F32 tensor, with
    /// <c>{"format": "pt"}</c> metadata. Every value converts exactly to float64.
    /// </summary>
    [Fact]
    public void Reads_a_hand_built_PyTorch_style_file()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("torch-user.safetensors");
        var json = """
            {"__metadata__":{"format":"pt"},"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},
            "f64":{"dtype":"F64","shape":[2],"data_offsets":[8,24]},"lin.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[24,48]},
            "i32":{"dtype":"I32","shape":[3],"data_offsets":[48,60]},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[60,68]},
            "b":{"dtype":"BF16","shape":[3],"data_offsets":[68,74]},"flags":{"dtype":"BOOL","shape":[2],"data_offsets":[74,76]},
            "u8":{"dtype":"U8","shape":[1],"data_offsets":[76,77]},"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[77,77]}}
            """.ReplaceLineEndings(string.Empty);
        var data = new byte[77];
        BinaryPrimitives.WriteInt64LittleEndian(data, 123_456_789_012);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8), 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(16), -1e300);
        float[] weights = [1f, -2.5f, 0.1f, float.MaxValue, -0f, float.Epsilon];
        for (var i = 0; i < weights.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(24 + 4 * i), weights[i]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(48), -7);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(52), 0);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(56), int.MaxValue);
        ushort[] half = [0x3C00, 0xC000, 0x7BFF, 0x0001];      // 1, −2, 65504, 2^−24 (the smallest subnormal)
        ushort[] brain = [0x3F80, 0xC049, 0x0080];              // 1, −3.140625, 2^−126
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(60 + 2 * i), half[i]);
        }

        for (var i = 0; i < 3; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(68 + 2 * i), brain[i]);
        }

        data[74] = 1;
        data[75] = 0;
        data[76] = 255;
        RawFile.Write(path, json, data);

        var (tensors, metadata) = SafeTensors.Read(path, ReferenceBackend.Instance);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(["bn.num_batches_tracked", "f64", "lin.weight", "i32", "h", "b", "flags", "u8", "empty"], tensors.Names);
        Assert.Equal(Shape.Scalar, tensors["bn.num_batches_tracked"].Shape);
        Assert.Equal([123_456_789_012.0], tensors["bn.num_batches_tracked"].ToArray());
        Assert.Equal([0.1, -1e300], tensors["f64"].ToArray());
        Assert.Equal(new Shape(2, 3), tensors["lin.weight"].Shape);
        Assert.Equal(weights.Select(w => (double)w), tensors["lin.weight"].ToArray());
        Assert.True(double.IsNegative(tensors["lin.weight"].ToArray()[4]), "−0 keeps its sign");
        Assert.Equal([-7.0, 0.0, int.MaxValue], tensors["i32"].ToArray());
        Assert.Equal([1.0, -2.0, 65504.0, Math.Pow(2, -24)], tensors["h"].ToArray());
        Assert.Equal([1.0, -3.140625, Math.Pow(2, -126)], tensors["b"].ToArray());
        Assert.Equal([1.0, 0.0], tensors["flags"].ToArray());
        Assert.Equal([255.0], tensors["u8"].ToArray());
        Assert.Equal(new Shape(0, 3), tensors["empty"].Shape);
        Assert.Empty(tensors["empty"].ToArray());

        // On a float32 backend the same file reads with each value rounded to float32.
        using var single = SafeTensors.Read(path, TorchBackend.CpuFloat32).Tensors;
        Assert.Equal(weights.Select(w => (double)w), single["lin.weight"].ToArray());
        Assert.Equal([(double)0.1f, (double)float.NegativeInfinity], single["f64"].ToArray());

        // LoadParameters takes a PyTorch user's file (no metadata of ours), checks it and returns the expected order.
        var like = TensorTree.Of(
            ("lin.weight", ReferenceBackend.Instance.FromArray(new double[6], new Shape(2, 3))),
            ("bn.num_batches_tracked", ReferenceBackend.Instance.FromArray([0.0], Shape.Scalar)),
            ("f64", ReferenceBackend.Instance.FromArray(new double[2], new Shape(2))),
            ("i32", ReferenceBackend.Instance.FromArray(new double[3], new Shape(3))),
            ("h", ReferenceBackend.Instance.FromArray(new double[4], new Shape(2, 2))),
            ("b", ReferenceBackend.Instance.FromArray(new double[3], new Shape(3))),
            ("flags", ReferenceBackend.Instance.FromArray(new double[2], new Shape(2))),
            ("u8", ReferenceBackend.Instance.FromArray(new double[1], new Shape(1))),
            ("empty", ReferenceBackend.Instance.FromArray([], new Shape(0, 3))));
        var parameters = Checkpoint.LoadParameters(path, ReferenceBackend.Instance, like);
        Assert.Equal(like.Names, parameters.Names);
        Assert.Equal(weights.Select(w => (double)w), parameters["lin.weight"].ToArray());

        // It is not a training checkpoint: Load says so and points to LoadParameters.
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, ReferenceBackend.Instance));
        Assert.Equal(path, e.Path);
        Assert.Contains("functional.nets.step", e.Message, StringComparison.Ordinal);
        Assert.Contains("LoadParameters", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A checkpoint's layout for a PyTorch user: parameters and layer state under their own names (what
    /// <c>load_state_dict</c> takes), optimizer state under <c>optimizer.</c>, step and key as decimal strings.
    /// </summary>
    [Fact]
    public void Checkpoint_layout_is_state_dict_names_plus_optimizer_prefix()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("ckpt.safetensors");
        var backend = ReferenceBackend.Instance;
        var model = new Sequential(new Dense(3, 2), new Tanh());
        var optimizer = Optim.Adam(0.01);
        var state = TrainState.Create(model, optimizer, Key.FromSeed(7), backend) with
        {
            LayerState = TensorTree.Of(("1.running_mean", backend.FromArray([0.25, 0.5], new Shape(2)))),
            Step = 12_345_678_901,
        };
        Checkpoint.Save(path, state, new Dictionary<string, string> { ["model"] = model.Describe() });

        var header = SafeTensorsHeader.Read(path);
        Assert.Equal(
            ["0.weight", "0.bias", "1.running_mean", .. state.OptimizerState.Names.Select(n => "optimizer." + n)],
            header.Entries.Select(e => e.Name));
        Assert.Contains("optimizer.0.0.weight.exp_avg", header.Entries.Select(e => e.Name));
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal("Sequential(2 layers)", header.Metadata["model"]);
        Assert.Equal("12345678901", header.Metadata["functional.nets.step"]);
        Assert.Equal(state.Key.Hi.ToString(System.Globalization.CultureInfo.InvariantCulture), header.Metadata["functional.nets.key.hi"]);
        Assert.Equal(state.Key.Lo.ToString(System.Globalization.CultureInfo.InvariantCulture), header.Metadata["functional.nets.key.lo"]);
        Assert.Equal("""["1.running_mean"]""", header.Metadata["functional.nets.layer_state"]);

        var loaded = Checkpoint.Load(path, backend);
        Bits.Identical("checkpoint", state, loaded);
        Assert.Equal(["0.weight", "0.bias"], Checkpoint.LoadParameters(path, backend, model.Init(Key.FromSeed(99), backend)).Names);

        // Moving between backends through a checkpoint is exact in float64.
        var onTorch = Checkpoint.Load(path, TorchBackend.CpuFloat64);
        Bits.Identical("reference → torch/float64", state, onTorch with
        {
            Parameters = onTorch.Parameters.ToBackend(backend),
            LayerState = onTorch.LayerState.ToBackend(backend),
            OptimizerState = onTorch.OptimizerState.ToBackend(backend),
        });
    }

    /// <summary>Names that would break the layout are refused when saving, before anything is written.</summary>
    [Fact]
    public void Save_refuses_names_that_would_be_misread()
    {
        using var dir = new ScratchDirectory();
        var backend = ReferenceBackend.Instance;
        var one = backend.FromArray([1.0], new Shape(1));
        var key = Key.FromSeed(1);

        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.File("a"), new TrainState(TensorTree.Of(("optimizer.w", one)), TensorTree.Empty, TensorTree.Empty, 0, key)));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.File("b"), new TrainState(TensorTree.Of(("w", one)), TensorTree.Of(("w", one)), TensorTree.Empty, 0, key)));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.File("c"), new TrainState(TensorTree.Of(("w", one)), TensorTree.Empty, TensorTree.Empty, 0, key), new Dictionary<string, string> { ["functional.nets.step"] = "3" }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(dir.File("d"), TensorTree.Of(("__metadata__", one))));
        Assert.Empty(dir.Files());
    }
}

/// <summary>Writes a safetensors file from a header string and data bytes, as the specification lays it out.</summary>
public static class RawFile
{
    /// <summary>8-byte little-endian length (the padded header's, unless <paramref name="claimedLength"/> is given), the header padded with spaces to a multiple of 8, the data.</summary>
    public static void Write(string path, string json, byte[] data, ulong? claimedLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var padded = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedLength ?? (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        File.WriteAllBytes(path, bytes);
    }
}
