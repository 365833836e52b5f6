using System.Buffers.Binary;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// Writing and reading back gives the same tree bit for bit, on every backend combination (float64 trees
/// as F64, float32 trees as F32): generated trees of random shapes including scalars and zero-size
/// dimensions, names that JSON must escape, values including −0, ±∞, NaN and subnormals. The files
/// written obey the format's layout (header padded to 8 with spaces, offsets tiling the buffer, every
/// tensor aligned to its element size). The same holds for whole training states through
/// <see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/> and <see cref="Checkpoint.Load(string, Backend)"/>.
/// </summary>
public sealed class RoundTripProperties
{
    /// <summary>SafeTensors.Write then Read gives back the names in order, the shapes, the dtype and every bit; the metadata too.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void SafeTensors_round_trip_is_exact(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        Law.Check(TreeCase.Arbitrary, c =>
        {
            var path = dir.File("tree.safetensors");
            using var tree = c.Tree(backend);
            var metadata = new Dictionary<string, string> { ["seed"] = c.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), ["note"] = "ünïcode \"quoted\"" };
            SafeTensors.Write(path, tree, metadata);

            var (read, readMetadata) = SafeTensors.Read(path, backend);
            using (read)
            {
                Bits.Identical($"{combination}, {c}", tree, read);
            }

            if (!metadata.OrderBy(kv => kv.Key).SequenceEqual(readMetadata.OrderBy(kv => kv.Key)))
            {
                throw new LawViolation($"metadata came back as {string.Join(", ", readMetadata)}, in {c}");
            }

            RequireLayout(path, tree, c);
        });
    }

    /// <summary>Checkpoint.Save then Load gives back parameters, layer state, optimizer state, step and key bit for bit.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Checkpoint_round_trip_is_exact(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var states =
            from parameters in TreeCase.Arbitrary.Generator
            from layerState in TreeCase.Arbitrary.Generator
            from optimizer in TreeCase.Arbitrary.Generator
            from step in Gen.Choose(0, int.MaxValue)
            from hi in Gen.Choose(int.MinValue, int.MaxValue)
            from lo in Gen.Choose(int.MinValue, int.MaxValue)
            select (Parameters: parameters, LayerState: layerState with { Leaves = [.. layerState.Leaves.Select(l => l with { Name = "state." + l.Name })] }, Optimizer: optimizer, Step: (long)step * 3, Key: new Key((ulong)hi * 0x9E3779B97F4A7C15UL, (ulong)(uint)lo));
        Law.Check(Arb.From(states), s =>
        {
            var path = dir.File("state.safetensors");
            var state = new TrainState(s.Parameters.Tree(backend), s.LayerState.Tree(backend), s.Optimizer.Tree(backend), s.Step, s.Key);
            Checkpoint.Save(path, state, new Dictionary<string, string> { ["model"] = "generated" });
            var loaded = Checkpoint.Load(path, backend);
            Bits.Identical($"{combination}, {s}", state, loaded);

            // The parameters alone, checked against the tree they came from.
            using var parameters = Checkpoint.LoadParameters(path, backend, state.Parameters);
            Bits.Identical($"{combination}, LoadParameters, {s}", state.Parameters, parameters);
            state.Parameters.Dispose();
            state.LayerState.Dispose();
            state.OptimizerState.Dispose();
            loaded.Parameters.Dispose();
            loaded.LayerState.Dispose();
            loaded.OptimizerState.Dispose();
        });
    }

    /// <summary>
    /// The file's layout: N is a multiple of 8 and the header ends in spaces only; the header lists the
    /// tree's names in order with F32/F64 as the tensors' dtypes; the offsets, sorted, tile the buffer;
    /// each tensor starts at a multiple of its element size; the file ends with the buffer.
    /// </summary>
    private static void RequireLayout(string path, TensorTree tree, TreeCase c)
    {
        var bytes = File.ReadAllBytes(path);
        var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n % 8 != 0)
        {
            throw new LawViolation($"header length {n} is not a multiple of 8, in {c}");
        }

        var json = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)n);
        var trimmed = json.TrimEnd(' ');
        if (trimmed.Length + 8 <= json.Length || !trimmed.EndsWith('}'))
        {
            throw new LawViolation($"header padding is not 0–7 spaces after the JSON: '{json}', in {c}");
        }

        using var doc = JsonDocument.Parse(trimmed);
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).Where(p => p != "__metadata__").ToArray();
        if (!names.SequenceEqual(tree.Names))
        {
            throw new LawViolation($"header lists [{string.Join(", ", names)}], tree order is [{string.Join(", ", tree.Names)}], in {c}");
        }

        var spans = new List<(long Begin, long End)>();
        foreach (var (name, tensor) in tree)
        {
            var entry = doc.RootElement.GetProperty(name);
            var dtype = entry.GetProperty("dtype").GetString();
            var size = tensor.DType == DType.Float32 ? 4 : 8;
            if (dtype != (size == 4 ? "F32" : "F64"))
            {
                throw new LawViolation($"leaf '{name}' is stored as {dtype} for a {tensor.DType} tensor, in {c}");
            }

            var shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (!shape.SequenceEqual(tensor.Shape.Dims) || offsets[1] - offsets[0] != tensor.Size * size || offsets[0] % size != 0)
            {
                throw new LawViolation($"leaf '{name}': shape [{string.Join(", ", shape)}], offsets [{offsets[0]}, {offsets[1]}] do not fit {tensor.Shape} of {size}-byte elements aligned, in {c}");
            }

            spans.Add((offsets[0], offsets[1]));
        }

        long position = 0;
        foreach (var (begin, end) in spans.OrderBy(s => s.Begin).ThenBy(s => s.End))
        {
            if (begin != position)
            {
                throw new LawViolation($"offsets do not tile the buffer: a tensor begins at {begin}, the previous ended at {position}, in {c}");
            }

            position = end;
        }

        if (8 + n + position != bytes.Length)
        {
            throw new LawViolation($"the file has {bytes.Length} bytes, the layout accounts for {8 + n + position}, in {c}");
        }
    }
}
