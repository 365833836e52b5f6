using System.Runtime.InteropServices;

namespace Functional.Nets.Torch;

/// <summary>
/// Raised when libtorch itself fails in a primitive after the core's checks passed (out of memory, a
/// device error, an autograd failure). The message names the operation, the operand shapes and the
/// backend, with libtorch's first line; libtorch's full message and C++ stack trace stay in
/// <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class TorchOperationException : Exception
{
    /// <summary>Creates the exception for <paramref name="operation"/> on operands of <paramref name="shapes"/>.</summary>
    /// <param name="operation">The primitive, e.g. <c>matmul</c>.</param>
    /// <param name="shapes">The operand shapes as text, e.g. <c>[2, 3] and [3, 4]</c>.</param>
    /// <param name="backend">The backend, e.g. <c>torch/float32/cuda:0</c>.</param>
    /// <param name="inner">TorchSharp's exception carrying libtorch's message.</param>
    public TorchOperationException(string operation, string shapes, string backend, ExternalException inner)
        : base($"torch {operation} failed on {backend} for operand shapes {shapes}: {FirstLine(inner.Message)}", inner)
    {
        Operation = operation;
        Shapes = shapes;
        Backend = backend;
    }

    /// <summary>The primitive that failed.</summary>
    public string Operation { get; }

    /// <summary>The operand shapes, as text.</summary>
    public string Shapes { get; }

    /// <summary>The backend it ran on.</summary>
    public string Backend { get; }

    // libtorch appends a C++ stack trace after the first line; the first line is the diagnosis.
    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
