using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functional.Nets.Serialization;

/// <summary>
/// Reads the fields of one JSON object of an architecture file (a layer or an initializer), checking
/// each field's type and naming its location on any error. Every field a <see cref="LayerKind"/> does
/// not read is reported as unknown, so a misspelt field (<c>"ouputs"</c>) fails loudly instead of
/// silently taking its default.
/// </summary>
public sealed class FieldReader
{
    private readonly JsonObject json;
    private readonly ReadContext context;
    private readonly HashSet<string> read = new(StringComparer.Ordinal) { "type" };

    internal FieldReader(JsonObject json, string path, string type, ReadContext context)
    {
        this.json = json;
        Path = path;
        Type = type;
        this.context = context;
    }

    /// <summary>The object's JSON path, e.g. <c>$.layers[0]</c>.</summary>
    public string Path { get; }

    /// <summary>The object's <c>"type"</c>.</summary>
    public string Type { get; }

    /// <summary>Whether the object has the field.</summary>
    public bool Has(string name) => json.ContainsKey(name);

    /// <summary>A required integer field.</summary>
    public int Int(string name) => Int32(name, Required(name));

    /// <summary>An optional integer field.</summary>
    public int Int(string name, int defaultValue) => Optional(name) is { } v ? Int32(name, v) : defaultValue;

    /// <summary>A required number field.</summary>
    public double Double(string name) => Number(name, Required(name));

    /// <summary>An optional number field.</summary>
    public double Double(string name, double defaultValue) => Optional(name) is { } v ? Number(name, v) : defaultValue;

    /// <summary>An optional Boolean field.</summary>
    public bool Bool(string name, bool defaultValue) =>
        Optional(name) is not { } v ? defaultValue
        : v is JsonValue j && j.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? j.GetValue<bool>()
        : throw Mistyped(name, "true or false", v);

    /// <summary>A required string field.</summary>
    public string String(string name) => Text(name, Required(name));

    /// <summary>An optional string field.</summary>
    public string? String(string name, string? defaultValue) => Optional(name) is { } v ? Text(name, v) : defaultValue;

    /// <summary>An optional enum field, written as the member's name.</summary>
    public TEnum Enum<TEnum>(string name, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        if (Optional(name) is not { } v)
        {
            return defaultValue;
        }

        var s = Text(name, v);
        return System.Enum.GetNames<TEnum>().Contains(s, StringComparer.Ordinal)
            ? System.Enum.Parse<TEnum>(s)
            : throw Error($"'{s}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}", name);
    }

    /// <summary>An optional array of integers (a shape).</summary>
    public int[]? Ints(string name)
    {
        if (Optional(name) is not { } v)
        {
            return null;
        }

        if (v is not JsonArray a)
        {
            throw Mistyped(name, "an array of integers", v);
        }

        return a.Select((e, i) => e is null ? throw Mistyped($"{name}[{i}]", "an integer", e) : Int32($"{name}[{i}]", e, FieldPath(name) + $"[{i}]")).ToArray();
    }

    /// <summary>An optional initializer: a name (<c>"Zeros"</c>) or an object (<c>{"type": "Normal", "std": 0.01}</c>); null when absent.</summary>
    public Initializer? Initializer(string name) =>
        Optional(name) is { } v ? context.ReadInitializer(v, FieldPath(name)) : null;

    /// <summary>A required nested layer.</summary>
    public Layer Layer(string name) => context.ReadLayer(Required(name), FieldPath(name));

    /// <summary>A required, non-empty array of nested layers.</summary>
    public IReadOnlyList<Layer> Layers(string name)
    {
        var v = Required(name);
        if (v is not JsonArray a)
        {
            throw Mistyped(name, "an array of layers", v);
        }

        if (a.Count == 0)
        {
            throw Error("needs at least one layer", name);
        }

        return a.Select((e, i) => context.ReadLayer(e, $"{FieldPath(name)}[{i}]")).ToArray();
    }

    /// <summary>An error located at this object, or at its field <paramref name="field"/>.</summary>
    public ArchitectureFormatException Error(string problem, string? field = null) =>
        context.Error(field is null ? Path : FieldPath(field), problem);

    /// <summary>Fails on the first field that no reader asked for.</summary>
    internal void RequireAllRead(IEnumerable<string> alsoKnown)
    {
        foreach (var (name, _) in json)
        {
            if (!read.Contains(name))
            {
                var known = read.Concat(alsoKnown).Distinct().Order(StringComparer.Ordinal);
                throw Error($"unknown field '{name}' for {Type}; its fields are: {string.Join(", ", known)}", name);
            }
        }
    }

    /// <summary>Marks fields as handled by the caller (the root's "input" and "loss").</summary>
    internal void MarkRead(string name) => read.Add(name);

    private string FieldPath(string name) => JsonPositions.Child(Path, name);

    private JsonNode Required(string name)
    {
        if (Optional(name) is { } v)
        {
            return v;
        }

        // A missing field next to an unknown one is most likely a typo: say so.
        var typo = Spelling.Nearest(name, json.Select(kv => kv.Key).Where(k => !read.Contains(k)));
        throw Error(
            $"{Type} needs the field '{name}'{(typo is null ? "" : $" (found '{typo}': misspelt?)")}",
            json.ContainsKey(name) ? name : typo);
    }

    private JsonNode? Optional(string name)
    {
        read.Add(name);
        return json.TryGetPropertyValue(name, out var v) ? v : null;
    }

    private int Int32(string name, JsonNode v, string? path = null) =>
        v is JsonValue j && j.GetValueKind() == JsonValueKind.Number && j.TryGetValue<int>(out var i)
            ? i
            : throw (path is null ? Mistyped(name, "an integer", v) : context.Error(path, $"expected an integer, got {Show(v)}"));

    private double Number(string name, JsonNode v) =>
        v is JsonValue j && j.GetValueKind() == JsonValueKind.Number && j.TryGetValue<double>(out var d) && double.IsFinite(d)
            ? d
            : throw Mistyped(name, "a finite number", v);

    private string Text(string name, JsonNode v) =>
        v is JsonValue j && j.GetValueKind() == JsonValueKind.String ? j.GetValue<string>() : throw Mistyped(name, "a string", v);

    private ArchitectureFormatException Mistyped(string name, string expected, JsonNode? v) =>
        Error($"'{name}' must be {expected}, got {Show(v)}", name);

    /// <summary>A value as it appears in the file, shortened.</summary>
    internal static string Show(JsonNode? v)
    {
        var s = v?.ToJsonString() ?? "null";
        return s.Length <= 40 ? s : string.Create(CultureInfo.InvariantCulture, $"{s[..37]}...");
    }
}
