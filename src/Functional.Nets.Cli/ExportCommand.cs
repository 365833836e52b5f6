using System.Globalization;
using Functional.Nets.Onnx;
using Functional.Nets.Reference;
using Functional.Nets.Serialization;

namespace Functional.Nets.Cli;

/// <summary>The parsed command line of <c>fnets export</c>.</summary>
/// <param name="ModelPath">The architecture file.</param>
/// <param name="CheckpointPath">The safetensors file with the weights (and running statistics); null with <paramref name="InitSeed"/>.</param>
/// <param name="InitSeed">Export freshly initialized weights from this seed instead of a checkpoint; null with a checkpoint.</param>
/// <param name="OutputPath">The ONNX file to write.</param>
/// <param name="DType">The graph's element type (<c>--dtype float32|float64</c>, default float32).</param>
public sealed record ExportArguments(string ModelPath, string? CheckpointPath, long? InitSeed, string OutputPath, DType DType)
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        """
        fnets export MODEL.json CHECKPOINT.safetensors OUT.onnx [--dtype float32|float64]
        fnets export MODEL.json --init-seed N OUT.onnx [--dtype float32|float64]

        Writes the model as an ONNX graph (opset 17) in evaluation mode, with its weights as initializers named as the
        checkpoint's leaves (PyTorch state_dict names). The checkpoint is a safetensors file, e.g. one that
        Checkpoint.Save wrote (its optimizer entries are ignored) or a PyTorch state_dict saved as safetensors; batch
        norm's running statistics come from it too. --init-seed N exports the weights the layers' own initializers
        draw from seed N (as fnets gradcheck --seed N does), for trying the export without a trained model.
        --dtype: float32 (default) or float64. The input's axis 0 is the symbolic batch size N.
        """;

    /// <summary>Parses the arguments after <c>export</c>.</summary>
    /// <exception cref="UsageException">The command line is malformed.</exception>
    public static ExportArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var positional = new List<string>();
        long? seed = null;
        var dtype = DType.Float32;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--init-seed":
                    seed = i + 1 < args.Count && long.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
                        ? s
                        : throw new UsageException("--init-seed needs an integer");
                    i++;
                    break;
                case "--dtype":
                    dtype = (i + 1 < args.Count ? args[i + 1] : null) switch
                    {
                        "float32" => DType.Float32,
                        "float64" => DType.Float64,
                        _ => throw new UsageException("--dtype needs float32 or float64"),
                    };
                    i++;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"export: unknown option '{args[i]}'");
                    }

                    positional.Add(args[i]);
                    break;
            }
        }

        return (positional.Count, seed) switch
        {
            (3, null) => new ExportArguments(positional[0], positional[1], null, positional[2], dtype),
            (2, not null) => new ExportArguments(positional[0], null, seed, positional[1], dtype),
            (_, null) => throw new UsageException($"export needs MODEL.json CHECKPOINT.safetensors OUT.onnx (or MODEL.json --init-seed N OUT.onnx), got {positional.Count} file names"),
            _ => throw new UsageException($"export with --init-seed needs MODEL.json OUT.onnx and no checkpoint, got {positional.Count} file names"),
        };
    }
}

/// <summary>
/// <c>fnets export</c>: reads an architecture file and a checkpoint (or initializes the weights from a seed) and
/// writes the ONNX graph with <see cref="OnnxExport"/>.
/// </summary>
public static class ExportCommand
{
    /// <summary>Exports the model and returns the line that says what was written.</summary>
    /// <exception cref="ArchitectureFormatException">The model file is malformed.</exception>
    /// <exception cref="InvalidInputException">A file is missing, the checkpoint does not fit the model, or a layer cannot be exported.</exception>
    public static string Execute(ExportArguments arguments, ArchitectureRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (var path in new[] { arguments.ModelPath, arguments.CheckpointPath })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new InvalidInputException($"{path}: no such file");
            }
        }

        var spec = ArchitectureJson.Load(arguments.ModelPath, registry);
        var backend = ReferenceBackend.Instance;
        try
        {
            var model = spec.Model;
            var input = new Shape([1, .. spec.InputShape().Dims]);
            var (parameters, state) = arguments.CheckpointPath is { } checkpoint
                ? FromCheckpoint(model, checkpoint)
                : (model.Init(Key.FromSeed(arguments.InitSeed ?? 0).Fold(0), backend), model.InitState(backend));
            var onnx = OnnxExport.ToModel(model, parameters, state, input, arguments.DType);
            var bytes = Google.Protobuf.MessageExtensions.ToByteArray(onnx);
            AtomicFile.Write(arguments.OutputPath, s => s.Write(bytes));
            return string.Create(
                CultureInfo.InvariantCulture,
                $"wrote {arguments.OutputPath}: {onnx.Graph.Node.Count} nodes, {parameters.ParameterCount:N0} parameters, {arguments.DType.Name()}, opset {OnnxExport.Opset}, input '{OnnxExport.InputName}' [N, {string.Join(", ", input.Dims.Skip(1))}] -> output '{OnnxExport.OutputName}' [N, {string.Join(", ", model.OutputShape(input).Dims.Skip(1))}]");
        }
        catch (Exception e) when (e is OnnxExportException or CheckpointException or ShapeMismatchException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidInputException($"{arguments.ModelPath}: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>
    /// The checkpoint's parameters (every leaf <see cref="Layer.Init"/> names, of its shape) and layer state (the leaves
    /// <see cref="Layer.InitState"/> names that the file has); optimizer entries are ignored, anything else is refused.
    /// </summary>
    private static (TensorTree Parameters, TensorTree State) FromCheckpoint(Layer model, string path)
    {
        var backend = ReferenceBackend.Instance;
        var (tensors, _) = SafeTensors.Read(path, backend);
        var expected = model.Init(Key.FromSeed(0), backend);
        var stateNames = model.InitState(backend).Names.ToHashSet(StringComparer.Ordinal);
        var unexpected = tensors.Names.Where(n => !expected.Contains(n) && !stateNames.Contains(n) && !n.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal)).ToArray();
        if (unexpected.Length > 0)
        {
            throw new InvalidInputException($"{path}: the model has no leaf named {string.Join(", ", unexpected.Take(5).Select(n => $"'{n}'"))}{(unexpected.Length > 5 ? $" (and {unexpected.Length - 5} more)" : "")}; the model's parameters are {expected.Describe()}");
        }

        var missing = expected.Names.Where(n => !tensors.Contains(n)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidInputException($"{path}: the checkpoint lacks the parameter {string.Join(", ", missing.Take(5).Select(n => $"'{n}'"))}{(missing.Length > 5 ? $" (and {missing.Length - 5} more)" : "")}");
        }

        return (tensors.Where(expected.Contains), tensors.Where(stateNames.Contains));
    }
}
