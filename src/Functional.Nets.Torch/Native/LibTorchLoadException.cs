using System;

namespace Functional.Nets.Torch.Native;

/// <summary>
/// Thrown when libtorch (through TorchSharp's <c>libLibTorchSharp</c>) cannot be loaded into this process.
/// </summary>
/// <remarks>
/// The message states the real cause as the operating system's loader reported it (on Linux the
/// <c>dlerror</c> text, e.g. a missing <c>GLIBCXX_*</c> version or library), every file that was tried, and
/// what to do about it. TorchSharp's own exception, whose text usually blames a missing package reference
/// whatever the real cause, is kept as <see cref="Exception.InnerException"/>.
/// </remarks>
public sealed class LibTorchLoadException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LibTorchLoadException()
        : base("libtorch could not be loaded.")
    {
    }

    /// <summary>Creates the exception with a message that says why loading failed and what to do.</summary>
    /// <param name="message">The explanation.</param>
    public LibTorchLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an explanation and the underlying failure.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The underlying failure, typically TorchSharp's own exception.</param>
    public LibTorchLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
