using System.Text.Json.Nodes;

namespace Functional.Nets.Serialization;

/// <summary>Writes the fields of one JSON object of an architecture file, in the order they are given.</summary>
public sealed class FieldWriter
{
    private readonly JsonObject json;
    private readonly ArchitectureRegistry registry;

    internal FieldWriter(JsonObject json, ArchitectureRegistry registry)
    {
        this.json = json;
        this.registry = registry;
    }

    /// <summary>Writes an integer.</summary>
    public FieldWriter Int(string name, int value) => Set(name, JsonValue.Create(value));

    /// <summary>Writes a number (the shortest text that reads back to the same double).</summary>
    public FieldWriter Double(string name, double value) => Set(name, JsonValue.Create(value));

    /// <summary>Writes a Boolean.</summary>
    public FieldWriter Bool(string name, bool value) => Set(name, JsonValue.Create(value));

    /// <summary>Writes a string.</summary>
    public FieldWriter String(string name, string value) => Set(name, JsonValue.Create(value));

    /// <summary>Writes an enum member by name.</summary>
    public FieldWriter Enum<TEnum>(string name, TEnum value)
        where TEnum : struct, Enum => Set(name, JsonValue.Create(value.ToString()));

    /// <summary>Writes an array of integers.</summary>
    public FieldWriter Ints(string name, IEnumerable<int> values) =>
        Set(name, new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()));

    /// <summary>Writes an initializer: its kind alone when it has no arguments, else an object.</summary>
    public FieldWriter Initializer(string name, Initializer initializer) => Set(name, registry.WriteInitializer(initializer));

    /// <summary>Writes a nested layer.</summary>
    public FieldWriter Layer(string name, Layer layer) => Set(name, registry.WriteLayer(layer));

    /// <summary>Writes an array of nested layers.</summary>
    public FieldWriter Layers(string name, IEnumerable<Layer> layers) =>
        Set(name, new JsonArray(layers.Select(l => (JsonNode?)registry.WriteLayer(l)).ToArray()));

    private FieldWriter Set(string name, JsonNode value)
    {
        json[name] = value;
        return this;
    }
}
