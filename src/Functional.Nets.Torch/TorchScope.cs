using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// A region of code whose torch tensors are released together: every torch tensor created on the opening
/// thread while the scope is open is released when it is disposed, except those passed to
/// <see cref="Keep(Tensor)"/>. Open one with <see cref="TorchBackend.Scope"/> around an evaluation step so
/// its intermediates do not wait for the garbage collector (which does not see their native memory).
/// </summary>
/// <remarks>
/// <para>
/// A thin wrapper over TorchSharp's <c>torch.NewDisposeScope()</c>, with the same rules: scopes are per
/// thread, nest, and must be disposed in the reverse order of opening (use <c>using</c>). A kept tensor moves
/// to the enclosing scope if there is one (and is released with it), otherwise the caller owns it.
/// </para>
/// <para>
/// Tensors created before the scope opened, or on another backend, are never touched by it.
/// </para>
/// </remarks>
public sealed class TorchScope : TensorScope
{
    private readonly DisposeScope scope;
    private bool disposed;

    internal TorchScope(DisposeScope scope) => this.scope = scope;

    /// <summary>
    /// Exempts <paramref name="tensor"/> from this scope's release (moving it to the enclosing scope, if any)
    /// and returns it. A tensor this scope does not hold is returned unchanged.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The scope was already disposed.</exception>
    public override Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (tensor.Payload is TorchTensor native && scope.Contains(native))
        {
            scope.MoveToOuter(native);
        }
        else if (tensor.Payload is TorchSlice slice && scope.Contains(slice.Buffer.Flat))
        {
            // A packed leaf lives in its buffer (its own view belongs to no scope): keeping it keeps the buffer.
            scope.MoveToOuter(slice.Buffer.Flat);
        }

        return tensor;
    }

    /// <summary>Releases every tensor created in the scope and not kept; closes the scope.</summary>
    public override void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            scope.Dispose();
        }
    }
}
