namespace Functional.Nets;

/// <summary>
/// Raised when a tensor's shape does not fit an operation or a layer. For layers, the message
/// names the layer, its position in the model and both shapes, e.g.
/// <c>Dense(784→128) at [0]: expected input [*, 784], got [32, 100]</c>.
/// </summary>
public class ShapeMismatchException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public ShapeMismatchException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its message and the error it wraps.</summary>
    public ShapeMismatchException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>A shape error raised by a layer: carries the layer, its path in the model and both shapes.</summary>
public sealed class LayerShapeException : ShapeMismatchException
{
    /// <summary>Creates the exception for <paramref name="layer"/> at <paramref name="path"/> (empty for the root).</summary>
    public LayerShapeException(string layer, string path, string expected, Shape actual, Exception? inner = null)
        : base(Format(layer, path, expected, actual), inner!)
    {
        Layer = layer;
        Path = path;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The layer's description, e.g. <c>Dense(784→128)</c>.</summary>
    public string Layer { get; }

    /// <summary>The layer's position in the model, as in its parameter names (<c>1.0</c>), empty at the root.</summary>
    public string Path { get; }

    /// <summary>The expected input, e.g. <c>[*, 784]</c>.</summary>
    public string Expected { get; }

    /// <summary>The shape that arrived.</summary>
    public Shape Actual { get; }

    /// <summary>The same error seen from a container: <paramref name="position"/> is prepended to the path.</summary>
    public LayerShapeException Within(string position) =>
        new(Layer, Path.Length == 0 ? position : position + "." + Path, Expected, Actual, this);

    private static string Format(string layer, string path, string expected, Shape actual) =>
        path.Length == 0
            ? $"{layer}: expected input {expected}, got {actual}"
            : $"{layer} at [{path}]: expected input {expected}, got {actual}";
}
