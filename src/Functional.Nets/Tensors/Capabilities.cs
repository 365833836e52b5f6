namespace Functional.Nets;

/// <summary>
/// Where the core asks a backend for an optional capability (<see cref="IFusedUpdates"/>, <see cref="IFlatBuffers"/>),
/// so that one switch can withhold them all: inside <see cref="PlainOnly"/> every caller takes the plain path, which is
/// how the tests hold a backend's fused kernels to the compositions they replace without a second backend type.
/// </summary>
internal static class Capabilities
{
    // Per thread, as dispose scopes are: tests of other backends running in parallel keep their capabilities.
    [ThreadStatic]
    private static int plainDepth;

    /// <summary><paramref name="backend"/> as <typeparamref name="T"/> when it implements it and no <see cref="PlainOnly"/> scope is open on this thread; else null.</summary>
    public static T? Of<T>(Backend backend)
        where T : class =>
        plainDepth > 0 ? null : backend as T;

    /// <summary>Withholds every capability on the calling thread until the result is disposed (scopes nest).</summary>
    public static PlainScope PlainOnly()
    {
        plainDepth++;
        return default;
    }

    /// <summary>Ends a <see cref="PlainOnly"/> scope.</summary>
    public readonly struct PlainScope : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => plainDepth--;
    }
}
