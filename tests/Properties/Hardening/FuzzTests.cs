using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Functional.Nets.Cli;
using Functional.Nets.Reference;
using Functional.Nets.Serialization;
using Functional.Nets.Tests.Checkpoints;
using Functional.Nets.Tests.Serialization;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, acceptance 2: seeded, bounded fuzzing of the three readers a hostile file reaches. Each case must end
/// in success or in the reader's own exception, and within a per-case time limit:
/// <list type="bullet">
/// <item>safetensors headers mutated at the JSON-token level (<see cref="JsonTokenMutator"/>), with the 8-byte length
/// prefix recomputed, read by <see cref="SafeTensors.Read(string, Backend, bool)"/> and <see cref="Checkpoint.LoadParameters"/>:
/// only <see cref="CheckpointException"/> counts as a clear error;</item>
/// <item>IDX files with mutated magic, type, rank and dimensions, truncated or extended, raw and gzip (with damaged gzip
/// members), read by <see cref="IdxReader"/>: only <see cref="IdxFormatException"/>;</item>
/// <item>architecture JSON mutated at the token level, read by <see cref="ArchitectureJson.Parse(string, ArchitectureRegistry?)"/>
/// (only <see cref="ArchitectureFormatException"/>) and run through <c>fnets</c>' entry point <see cref="FnetsCommand.Run"/>
/// (summary and gradcheck): exit code 0, 1 or 2, and a clear error is one line starting "fnets: ", never a stack trace
/// and never exit code 4 (internal error).</item>
/// </list>
/// Any other exception, or a case over its time limit, fails the test with the seed, the case number and the mutation,
/// enough to reproduce it. The counts are printed.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);

    private readonly ScratchDirectory dir = new();

    /// <inheritdoc />
    public void Dispose() => dir.Dispose();

    /// <summary>safetensors headers: token mutations, prefix recomputed, sometimes a prefix or data section off by a little.</summary>
    [Fact]
    public void Safetensors_headers_give_only_checkpoint_exceptions()
    {
        const int seed = 11_001;
        var backend = ReferenceBackend.Instance;
        var seedPath = dir.File("seed.safetensors");
        var tree = TensorTree.Of(
            ("0.weight", backend.FromArray([1.0, -2, 3, 0.5, 4, 6], new Shape(2, 3))),
            ("0.bias", backend.FromArray([0.25, -0.75], new Shape(2))),
            ("scale", backend.FromArray([2.0], Shape.Scalar)));
        SafeTensors.Write(seedPath, tree, new Dictionary<string, string> { ["step"] = "12", ["format"] = "fnets" });
        var bytes = File.ReadAllBytes(seedPath);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd();
        var data = bytes[(8 + headerLength)..];
        var mutator = new JsonTokenMutator(["F64", "F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL", "dtype", "shape", "data_offsets", "__metadata__", "0.weight", "0.bias", "scale", "step"]);
        var random = new Random(seed);
        var tally = new Tally("safetensors");
        var path = dir.File("case.safetensors");
        for (var n = 0; n < 2000; n++)
        {
            var mutant = JsonTokenMutator.Utf8(mutator.Mutate(header, random, out var what));
            var body = random.Next(8) switch
            {
                0 => data[..random.Next(data.Length)],
                1 => [.. data, .. new byte[1 + random.Next(16)]],
                _ => data,
            };
            var prefix = (long)mutant.Length + (random.Next(10) == 0 ? random.Next(-3, 4) : 0);
            var file = new byte[8 + mutant.Length + body.Length];
            BinaryPrimitives.WriteInt64LittleEndian(file, prefix);
            mutant.CopyTo(file, 8);
            body.CopyTo(file, 8 + mutant.Length);
            File.WriteAllBytes(path, file);
            var requireFinite = random.Next(2) == 0;
            tally.Run(n, what, () =>
            {
                SafeTensors.Read(path, backend, requireFinite);
                Checkpoint.LoadParameters(path, backend, tree, requireFinite);
            }, e => e is CheckpointException c && c.Path == path);
        }

        tally.Report(output, seed);
    }

    /// <summary>IDX images and labels: header fields at their limits, truncation, trailing bytes, gzip with damaged members.</summary>
    [Fact]
    public void Idx_headers_give_only_idx_format_exceptions()
    {
        const int seed = 11_002;
        var random = new Random(seed);
        var tally = new Tally("IDX");
        uint[] hostile = [0, 1, 2, 3, 4, 5, 255, 256, 65535, 65536, 46341, int.MaxValue, 1u << 31, uint.MaxValue, 100_000_000];
        var path = dir.File("case.idx");
        for (var n = 0; n < 2000; n++)
        {
            var images = random.Next(2) == 0;
            uint[] dims = images ? [3, 4, 5] : [7];
            var raw = Idx(images ? 0x0803u : 0x0801u, dims, random);
            var what = new List<string> { images ? "images" : "labels" };
            for (var m = 0; m < 1 + random.Next(2); m++)
            {
                // A cut comes last: the other mutations write into the header.
                switch (raw.Length < 4 + (4 * dims.Length) ? 3 : random.Next(6))
                {
                    case 0:
                        var at = random.Next(4);
                        raw[at] = (byte)random.Next(256);
                        what.Add($"magic byte {at} = 0x{raw[at]:X2}");
                        break;
                    case 1:
                        var d = random.Next(dims.Length);
                        var v = hostile[random.Next(hostile.Length)];
                        BinaryPrimitives.WriteUInt32BigEndian(raw.AsSpan(4 + (4 * d)), v);
                        what.Add($"dimension {d} = {v}");
                        break;
                    case 2:
                        var cut = random.Next(raw.Length);
                        raw = raw[..cut];
                        what.Add($"cut at {cut}");
                        break;
                    case 3:
                        raw = [.. raw, .. new byte[1 + random.Next(9)]];
                        what.Add("trailing bytes");
                        break;
                    case 4:
                        raw[3] = (byte)random.Next(6);
                        what.Add($"rank byte = {raw[3]}");
                        break;
                    default:
                        raw[2] = (byte)(random.Next(2) == 0 ? 0x08 : random.Next(256));
                        what.Add($"type byte = 0x{raw[2]:X2}");
                        break;
                }
            }
            var file = raw;
            if (random.Next(2) == 0)
            {
                // .NET writes no gzip member at all for empty content: nothing to damage then.
                file = Gzip(raw);
                switch (file.Length == 0 ? 5 : random.Next(6))
                {
                    case 0:
                        var flip = random.Next(file.Length);
                        file[flip] ^= (byte)(1 << random.Next(8));
                        what.Add($"gzip bit flipped in byte {flip}");
                        break;
                    case 1:
                        var cut = random.Next(file.Length);
                        file = file[..cut];
                        what.Add($"gzip cut at {cut}");
                        break;
                    case 2:
                        file = [.. file, .. Gzip(new byte[random.Next(5)])];
                        what.Add("second gzip member");
                        break;
                    case 3:
                        file = [.. file, (byte)random.Next(256)];
                        what.Add("a stray byte after the gzip member");
                        break;
                    default:
                        what.Add("gzip");
                        break;
                }
            }

            File.WriteAllBytes(path, file);
            tally.Run(n, string.Join("; ", what), () =>
            {
                if (images)
                {
                    IdxReader.ReadImages(path);
                }
                else
                {
                    IdxReader.ReadLabels(path);
                }
            }, e => e is IdxFormatException f && f.Path == path);
        }

        tally.Report(output, seed);
    }

    /// <summary>Architecture JSON: token mutations of the examples' models and of one of each layer kind, parsed and run through fnets.</summary>
    [Fact]
    public void Architecture_json_through_fnets_gives_only_clear_errors()
    {
        const int seed = 11_003;
        var seeds = new List<string>
        {
            File.ReadAllText(RepositoryFiles.Path("examples/models/xor.json")),
            File.ReadAllText(RepositoryFiles.Path("examples/models/mnist-mlp.json")),
            ArchitectureJson.Serialize(new ModelSpec(
                new Sequential(new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(8, 3)), ModelLoss.SoftmaxCrossEntropy, new Shape(1, 6, 6), null)),
            ArchitectureJson.Serialize(new ModelSpec(new Sequential(new Scan(new LstmCell(3, 2)), new Flatten(), new Dense(8, 1)), null, new Shape(4, 3), null)),
        };
        seeds.AddRange(ArchitectureCase.OneOfEach.Select(l => ArchitectureJson.Serialize(new ModelSpec(l, null, new Shape(3), null))));
        var registry = ArchitectureRegistry.Default;
        var mutator = new JsonTokenMutator([.. registry.LayerTypes, "type", "layers", "inputs", "outputs", "input", "loss", "bias", "weightInit", "kernel", "stride", "padding",
            "cell", "hidden", "SoftmaxCrossEntropy", "BinaryCrossEntropy", "HeNormal", "Constant", "Normal", "value", "std", "Half", "Full", "Same"]);
        var random = new Random(seed);
        var library = new Tally("ArchitectureJson.Parse");
        var command = new Tally("fnets");
        var path = dir.File("case.json");
        for (var n = 0; n < 1200; n++)
        {
            var origin = random.Next(seeds.Count);
            var json = mutator.Mutate(seeds[origin], random, out var what);
            what = $"seed model {origin}: {what}";
            File.WriteAllText(path, json);
            library.Run(n, what, () => ArchitectureJson.Parse(json), e => e is ArchitectureFormatException);

            // Gradient checks for a fifth of the cases (they run the model), summaries for the rest; a 1 MiB
            // limit keeps every accepted model small enough to check in milliseconds.
            string[] args = random.Next(5) == 0
                ? ["gradcheck", path, "--backend", "reference", "--fast", "--batch", "2", "--max-memory", "1MiB"]
                : ["summary", path, "--batch", random.Next(4) == 0 ? "2147483647" : "2"];
            command.Run(n, what, () =>
            {
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                var code = FnetsCommand.Run(args, stdout, stderr, rich: false);
                var error = stderr.ToString();
                if (code is not (ExitCode.Passed or ExitCode.Failed or ExitCode.BadInput))
                {
                    throw new FnetsFailure($"exit code {code}: {error}");
                }

                var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (code == ExitCode.BadInput && !(lines.Length == 1 && lines[0].StartsWith("fnets: ", StringComparison.Ordinal)))
                {
                    throw new FnetsFailure($"exit code 2 with {lines.Length} lines on stderr, not one 'fnets: ' line: {error}");
                }

                if (code == ExitCode.BadInput)
                {
                    throw new FnetsClearError();
                }
            }, e => e is FnetsClearError);
        }

        library.Report(output, seed);
        command.Report(output, seed);
    }

    private static byte[] Idx(uint magic, uint[] dims, Random random)
    {
        var size = (int)dims.Aggregate(1u, (a, b) => a * b);
        var bytes = new byte[4 + (4 * dims.Length) + size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        random.NextBytes(bytes.AsSpan(4 + (4 * dims.Length)));
        return bytes;
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }

        return memory.ToArray();
    }

    /// <summary>fnets answered a case with a clear one-line error (exit code 2).</summary>
    private sealed class FnetsClearError : Exception;

    /// <summary>fnets answered a case wrongly: another exit code, or not one line.</summary>
    private sealed class FnetsFailure(string message) : Exception(message);

    /// <summary>Runs cases with a time limit each and counts them: accepted, clear errors, failures (kept, with their mutation).</summary>
    private sealed class Tally(string name)
    {
        private readonly List<string> failures = [];
        private int tried;
        private int accepted;
        private int clear;
        private readonly Stopwatch clock = new();

        public void Run(int n, string what, Action action, Func<Exception, bool> isClear)
        {
            tried++;
            clock.Start();
            var task = Task.Run(action);
            var finished = Task.WhenAny(task, Task.Delay(CaseLimit)).GetAwaiter().GetResult() == task;
            clock.Stop();
            if (!finished)
            {
                failures.Add($"case {n} ({what}): no answer within {CaseLimit.TotalSeconds} s (a hang)");
                return;
            }

            var e = task.Exception?.InnerException;
            if (e is null)
            {
                accepted++;
            }
            else if (isClear(e))
            {
                clear++;
            }
            else
            {
                failures.Add($"case {n} ({what}): {e.GetType().FullName}: {e.Message}{Environment.NewLine}{e.StackTrace}");
            }
        }

        public void Report(ITestOutputHelper output, int seed)
        {
            output.WriteLine($"{name}: seed {seed}, {tried} cases tried: {accepted} accepted, {clear} clear errors, {failures.Count} other exceptions or hangs ({clock.Elapsed.TotalSeconds:0.0} s)");
            foreach (var f in failures.Take(10))
            {
                output.WriteLine(f);
            }

            Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {tried} cases (seed {seed}) ended in another exception or a hang; first: {failures.FirstOrDefault()}");
        }
    }
}
