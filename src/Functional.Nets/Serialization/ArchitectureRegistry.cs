using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functional.Nets.Serialization;

/// <summary>
/// The layer types and initializer kinds that architecture JSON knows, by JSON <c>"type"</c>. Immutable:
/// <see cref="With(LayerKind)"/> returns a new registry, so a user's own layers never leak into another's.
/// </summary>
public sealed class ArchitectureRegistry
{
    private readonly ImmutableDictionary<string, LayerKind> layersByType;
    private readonly ImmutableDictionary<Type, LayerKind> layersByClass;
    private readonly ImmutableDictionary<string, InitializerKind> initializers;

    private ArchitectureRegistry(
        ImmutableDictionary<string, LayerKind> layersByType,
        ImmutableDictionary<Type, LayerKind> layersByClass,
        ImmutableDictionary<string, InitializerKind> initializers)
    {
        this.layersByType = layersByType;
        this.layersByClass = layersByClass;
        this.initializers = initializers;
    }

    /// <summary>The library's layers (<c>Sequential</c>, <c>Dense</c>, the activations) and initializers.</summary>
    public static ArchitectureRegistry Default { get; } = BuiltInKinds.Layers.Aggregate(
        BuiltInKinds.Initializers.Aggregate(
            new ArchitectureRegistry(
                ImmutableDictionary.Create<string, LayerKind>(StringComparer.Ordinal),
                ImmutableDictionary<Type, LayerKind>.Empty,
                ImmutableDictionary.Create<string, InitializerKind>(StringComparer.Ordinal)),
            (r, k) => r.With(k)),
        (r, k) => r.With(k));

    /// <summary>The known layer types, sorted.</summary>
    public IReadOnlyList<string> LayerTypes => [.. layersByType.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The known initializer kinds, sorted.</summary>
    public IReadOnlyList<string> InitializerTypes => [.. initializers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>A registry that also knows <paramref name="kind"/> (replacing an entry of the same type or class).</summary>
    public ArchitectureRegistry With(LayerKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return new(layersByType.SetItem(kind.Type, kind), layersByClass.SetItem(kind.LayerType, kind), initializers);
    }

    /// <summary>A registry that also knows <paramref name="kind"/>.</summary>
    public ArchitectureRegistry With(InitializerKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return new(layersByType, layersByClass, initializers.SetItem(kind.Type, kind));
    }

    /// <summary>Whether layers of exactly this class can be written.</summary>
    public bool CanWrite(Type layerClass) => layersByClass.ContainsKey(layerClass);

    internal JsonObject WriteLayer(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!layersByClass.TryGetValue(layer.GetType(), out var kind))
        {
            throw new NotSupportedException(
                $"architecture JSON: no layer type is registered for {layer.GetType().FullName} ({layer.Describe()}); " +
                $"add one with ArchitectureRegistry.With(LayerKind.Of<{layer.GetType().Name}>(...)). Known types: {string.Join(", ", LayerTypes)}");
        }

        var json = new JsonObject { ["type"] = kind.Type };
        kind.Write(layer, new FieldWriter(json, this));
        return json;
    }

    internal JsonNode WriteInitializer(Initializer initializer)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        if (!initializers.ContainsKey(initializer.Kind))
        {
            throw new NotSupportedException(
                $"architecture JSON: no initializer kind '{initializer.Kind}' is registered ({initializer}); " +
                $"add one with ArchitectureRegistry.With(new InitializerKind(\"{initializer.Kind}\", ...)). Known kinds: {string.Join(", ", InitializerTypes)}");
        }

        if (initializer.Arguments.Count == 0)
        {
            return JsonValue.Create(initializer.Kind);
        }

        var json = new JsonObject { ["type"] = initializer.Kind };
        foreach (var (name, value) in initializer.Arguments)
        {
            json[name] = value switch
            {
                double d => JsonValue.Create(d),
                int i => JsonValue.Create(i),
                string s => JsonValue.Create(s),
                Enum e => JsonValue.Create(e.ToString()),
                _ => throw new NotSupportedException($"architecture JSON: initializer {initializer.Kind} argument '{name}' is a {value.GetType().Name}; numbers and strings only"),
            };
        }

        return json;
    }

    internal bool TryGetLayer(string type, out LayerKind kind) => layersByType.TryGetValue(type, out kind!);

    internal bool TryGetInitializer(string type, out InitializerKind kind) => initializers.TryGetValue(type, out kind!);
}

/// <summary>What reading one document needs: the registry, the positions for error messages.</summary>
internal sealed class ReadContext(ArchitectureRegistry registry, JsonPositions positions)
{
    public ArchitectureRegistry Registry => registry;

    public ArchitectureFormatException Error(string path, string problem, Exception? inner = null)
    {
        var at = positions.Find(path);
        return new ArchitectureFormatException(problem, path, at?.Line, at?.Byte, inner: inner);
    }

    public FieldReader Open(JsonNode? node, string path, string what, IReadOnlyList<string> known)
    {
        if (node is not JsonObject json)
        {
            throw Error(path, $"expected {what} object with a \"type\", got {FieldReader.Show(node)}");
        }

        var typePath = JsonPositions.Child(path, "type");
        if (!json.TryGetPropertyValue("type", out var t) || t is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw Error(json.ContainsKey("type") ? typePath : path, $"{what} needs a string field \"type\"; known types: {string.Join(", ", known)}");
        }

        return new FieldReader(json, path, v.GetValue<string>(), this);
    }

    public Layer ReadLayer(JsonNode? node, string path)
    {
        var reader = Open(node, path, "a layer", registry.LayerTypes);
        if (!registry.TryGetLayer(reader.Type, out var kind))
        {
            throw Error(JsonPositions.Child(path, "type"), Unknown("layer type", reader.Type, registry.LayerTypes));
        }

        var layer = Construct(reader, () => kind.Read(reader));
        reader.RequireAllRead([]);
        return layer;
    }

    public Initializer ReadInitializer(JsonNode node, string path)
    {
        // The short form: "Zeros" for an initializer without arguments.
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var name = v.GetValue<string>();
            if (!registry.TryGetInitializer(name, out var k))
            {
                throw Error(path, Unknown("initializer", name, registry.InitializerTypes));
            }

            var shortForm = new FieldReader(new JsonObject { ["type"] = name }, path, name, this);
            return Construct(shortForm, () => k.Read(shortForm));
        }

        var reader = Open(node, path, "an initializer", registry.InitializerTypes);
        if (!registry.TryGetInitializer(reader.Type, out var kind))
        {
            throw Error(JsonPositions.Child(path, "type"), Unknown("initializer", reader.Type, registry.InitializerTypes));
        }

        var init = Construct(reader, () => kind.Read(reader));
        reader.RequireAllRead([]);
        return init;
    }

    /// <summary>Constructors validate hyperparameters (Dense(0, 5), ELU(−1)); their message is kept, the location added.</summary>
    private T Construct<T>(FieldReader reader, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException e)
        {
            // ArgumentException appends " (Parameter 'x')" and ArgumentOutOfRangeException "Actual value was ...".
            var message = e.Message.Split('\n')[0];
            var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            throw Error(reader.Path, $"invalid {reader.Type}: {(cut >= 0 ? message[..cut] : message).Trim()}", e);
        }
    }

    private static string Unknown(string what, string name, IReadOnlyList<string> known)
    {
        var near = Spelling.Nearest(name, known);
        return $"unknown {what} '{name}'{(near is null ? "" : $" (did you mean '{near}'?)")}; known: {string.Join(", ", known)}";
    }
}
