namespace Functional.Nets.Serialization;

/// <summary>
/// One entry of an <see cref="ArchitectureRegistry"/>: the JSON <c>"type"</c> of a layer class, how to
/// read it from its fields and how to write its hyperparameters. Adding a layer to the format is one
/// entry, e.g. <c>LayerKind.Of&lt;Dropout&gt;("Dropout", r =&gt; new Dropout(r.Double("rate")), (d, w) =&gt; w.Double("rate", d.Rate))</c>.
/// </summary>
public sealed class LayerKind
{
    private readonly Func<FieldReader, Layer> read;
    private readonly Action<Layer, FieldWriter> write;

    private LayerKind(string type, Type layerType, Func<FieldReader, Layer> read, Action<Layer, FieldWriter> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        Type = type;
        LayerType = layerType;
        this.read = read;
        this.write = write;
    }

    /// <summary>The value of the JSON <c>"type"</c> field.</summary>
    public string Type { get; }

    /// <summary>The layer class written under this type (exactly this class, not subclasses).</summary>
    public Type LayerType { get; }

    /// <summary>A kind for <typeparamref name="TLayer"/>; <paramref name="write"/> writes every hyperparameter that <paramref name="read"/> reads.</summary>
    public static LayerKind Of<TLayer>(string type, Func<FieldReader, TLayer> read, Action<TLayer, FieldWriter>? write = null)
        where TLayer : Layer =>
        new(type, typeof(TLayer), read, (layer, w) => write?.Invoke((TLayer)layer, w));

    /// <summary>A kind for a layer without hyperparameters: <c>{"type": "ReLU"}</c>.</summary>
    public static LayerKind Plain<TLayer>(string type)
        where TLayer : Layer, new() => Of(type, _ => new TLayer());

    internal Layer Read(FieldReader reader) => read(reader);

    internal void Write(Layer layer, FieldWriter writer) => write(layer, writer);
}

/// <summary>
/// One initializer of an <see cref="ArchitectureRegistry"/>: its <see cref="Initializer.Kind"/> and how to
/// rebuild it from the arguments that <see cref="Initializer.Arguments"/> lists. Writing needs no code:
/// the kind and arguments are written as they are.
/// </summary>
public sealed class InitializerKind
{
    private readonly Func<FieldReader, Initializer> read;

    /// <summary>Creates the entry.</summary>
    public InitializerKind(string type, Func<FieldReader, Initializer> read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        Type = type;
        this.read = read;
    }

    /// <summary>The initializer's <see cref="Initializer.Kind"/>, written as its JSON <c>"type"</c>.</summary>
    public string Type { get; }

    internal Initializer Read(FieldReader reader) => read(reader);
}
