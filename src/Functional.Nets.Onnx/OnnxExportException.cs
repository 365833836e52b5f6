namespace Functional.Nets.Onnx;

/// <summary>
/// A model cannot be exported as ONNX: a layer kind with no ONNX translation, a setting the translation does not
/// cover (e.g. batch norm without running statistics), or parameters that do not fit. The message names the layer's
/// path in the model (<c>0.body.3</c>, as its parameter names), its description and its kind.
/// </summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The layer's path in the model (empty for the root).</param>
    /// <param name="layer">The layer.</param>
    /// <param name="problem">What is missing or wrong.</param>
    public OnnxExportException(string path, Layer layer, string problem)
        : base($"ONNX export: layer {(path.Length == 0 ? "(root)" : path)} {layer?.Describe()} (kind {layer?.GetType().Name}): {problem}")
    {
        ArgumentNullException.ThrowIfNull(layer);
        Path = path;
        Kind = layer.GetType().Name;
    }

    /// <summary>The layer's path in the model (empty for the root).</summary>
    public string Path { get; }

    /// <summary>The layer's kind (its type's name).</summary>
    public string Kind { get; }
}
