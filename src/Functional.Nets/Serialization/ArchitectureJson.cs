using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functional.Nets.Serialization;

/// <summary>
/// Architecture files: a model's layers and hyperparameters as JSON (no parameter values; those are
/// checkpoints). For example
/// <code>
/// {
///   "loss": "BinaryCrossEntropy",
///   "type": "Sequential",
///   "layers": [
///     { "type": "Dense", "inputs": 2, "outputs": 2, "bias": true, "weightInit": "TorchDefault", "biasInit": "TorchDefault" },
///     { "type": "Sigmoid" },
///     { "type": "Dense", "inputs": 2, "outputs": 1, "weightInit": { "type": "Normal", "mean": 0, "std": 0.5 } },
///     { "type": "Sigmoid" }
///   ]
/// }
/// </code>
/// A layer is an object whose <c>"type"</c> names an entry of the <see cref="ArchitectureRegistry"/>
/// and whose other fields are that layer's hyperparameters (omitted ones take the constructor's
/// defaults; unknown ones are errors). An initializer is its kind's name or an object with a
/// <c>"type"</c> and the factory's arguments. The root may also hold <c>"loss"</c> (a <see cref="ModelLoss"/>),
/// <c>"input"</c> (one example's shape) and <c>"description"</c>. Comments and trailing commas are accepted.
/// Reading then writing gives the same text as writing alone, and the same key initializes the read
/// model to the same parameters as the original.
/// </summary>
public static class ArchitectureJson
{
    private static readonly string[] RootFields = ["description", "input", "loss"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The architecture of <paramref name="model"/> as indented JSON.</summary>
    /// <exception cref="NotSupportedException">A layer or initializer class is not in the registry.</exception>
    public static string Serialize(Layer model, ArchitectureRegistry? registry = null) =>
        Serialize(new ModelSpec(model), registry);

    /// <summary><paramref name="spec"/> as indented JSON: description, input and loss (when present), then the model's fields.</summary>
    /// <exception cref="NotSupportedException">A layer or initializer class is not in the registry.</exception>
    public static string Serialize(ModelSpec spec, ArchitectureRegistry? registry = null) =>
        ToJson(spec, registry).ToJsonString(Indented);

    /// <summary><paramref name="spec"/> as a JSON object.</summary>
    public static JsonObject ToJson(ModelSpec spec, ArchitectureRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var model = (registry ?? ArchitectureRegistry.Default).WriteLayer(spec.Model);
        var root = new JsonObject();
        if (spec.Description is { } d)
        {
            root["description"] = d;
        }

        if (spec.Input is { } input)
        {
            root["input"] = new JsonArray(input.Dims.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        }

        if (spec.Loss is { } loss)
        {
            root["loss"] = loss.ToString();
        }

        foreach (var (name, value) in model.ToArray())
        {
            model.Remove(name);
            root[name] = value;
        }

        return root;
    }

    /// <summary>Reads an architecture document.</summary>
    /// <exception cref="ArchitectureFormatException">Malformed JSON, an unknown type or field, a missing or mistyped value; the message says where.</exception>
    public static ModelSpec Parse(string json, ArchitectureRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), registry);
    }

    /// <summary>Reads an architecture document from UTF-8 bytes (a leading byte-order mark is skipped).</summary>
    /// <exception cref="ArchitectureFormatException">Malformed JSON, an unknown type or field, a missing or mistyped value; the message says where.</exception>
    public static ModelSpec Parse(ReadOnlySpan<byte> utf8, ArchitectureRegistry? registry = null)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        registry ??= ArchitectureRegistry.Default;
        var positions = JsonPositions.Index(utf8);
        var context = new ReadContext(registry, positions);
        JsonNode? root;
        try
        {
            var reader = new Utf8JsonReader(utf8, JsonPositions.ReaderOptions);
            root = JsonNode.Parse(ref reader);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // The positions pass accepted the syntax, so this is what JsonNode alone rejects (a duplicate property).
            throw context.Error("$", $"malformed JSON: {e.Message}", e);
        }

        var fields = context.Open(root, "$", "a model", registry.LayerTypes);
        var description = fields.String("description", null);
        var inputDims = fields.Ints("input");
        var lossName = fields.String("loss", null);
        ModelLoss? loss = null;
        if (lossName is not null)
        {
            loss = Enum.GetNames<ModelLoss>().Contains(lossName, StringComparer.Ordinal)
                ? Enum.Parse<ModelLoss>(lossName)
                : throw fields.Error($"unknown loss '{lossName}'; known: {string.Join(", ", Enum.GetNames<ModelLoss>())}", "loss");
        }

        Shape? input = null;
        if (inputDims is not null)
        {
            input = inputDims.Length > 0 && inputDims.All(d => d > 0)
                ? ExampleShape(inputDims, fields)
                : throw fields.Error($"\"input\" must list positive dimensions of one example, e.g. [784], got [{string.Join(", ", inputDims)}]", "input");
        }

        // The model is the root object itself, less the root-only fields.
        var modelJson = (JsonObject)root!;
        foreach (var name in RootFields)
        {
            modelJson.Remove(name);
        }

        var model = context.ReadLayer(modelJson, "$");
        return new ModelSpec(model, loss, input, description);
    }

    /// <summary>The example shape <paramref name="dims"/>, or the format error at <c>"input"</c> when its element count exceeds 2⁶³ − 1.</summary>
    private static Shape ExampleShape(int[] dims, FieldReader fields)
    {
        try
        {
            return new Shape(dims);
        }
        catch (ArgumentException e)
        {
            throw fields.Error($"\"input\" [{string.Join(", ", dims)}] is too large: {e.Message.Split(" (Parameter", 2)[0]}", "input");
        }
    }

    /// <summary>Reads the model alone from an architecture document.</summary>
    /// <exception cref="ArchitectureFormatException">See <see cref="Parse(string, ArchitectureRegistry?)"/>.</exception>
    public static Layer ParseModel(string json, ArchitectureRegistry? registry = null) => Parse(json, registry).Model;

    /// <summary>Reads an architecture file; errors name the file.</summary>
    /// <exception cref="ArchitectureFormatException">See <see cref="Parse(string, ArchitectureRegistry?)"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ModelSpec Load(string path, ArchitectureRegistry? registry = null)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes, registry);
        }
        catch (ArchitectureFormatException e)
        {
            throw e.InFile(path);
        }
    }

    /// <summary>Writes <paramref name="spec"/> to <paramref name="path"/> as indented JSON with a final newline.</summary>
    public static void Save(string path, ModelSpec spec, ArchitectureRegistry? registry = null) =>
        File.WriteAllText(path, Serialize(spec, registry) + Environment.NewLine);
}
