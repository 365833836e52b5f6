namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: the entries of a tensor that lives in host memory, as a writable
/// span over that memory, for hand-written kernels that update a <em>donated</em> tensor in place
/// (<see cref="SkipGramKernel"/> through <see cref="SkipGram.SequentialStep"/>, and Adam's one-pass update). The caller owns the tensor and must not
/// let anyone else see it while it writes; a backend declines what it cannot hand out safely.
/// </summary>
public interface IHostMemory
{
    /// <summary>
    /// The entries of <paramref name="tensor"/>, row-major, when it is in host memory, contiguous, holds
    /// <typeparamref name="T"/> (float for float32, double for float64) and records no gradient; false otherwise.
    /// The span is valid until the tensor is released.
    /// </summary>
    bool TryGetSpan<T>(Tensor tensor, out Span<T> entries)
        where T : unmanaged;

    /// <summary>
    /// A fresh tensor of <paramref name="shape"/> and the backend's element type in host memory, its entries not yet
    /// written (the caller writes every one before anyone reads it), on which <see cref="TryGetSpan{T}"/> succeeds; or
    /// null when the backend cannot make one (the default), so that a kernel's out-of-place form falls back.
    /// </summary>
    Tensor? AllocateUninitialized(Shape shape) => null;
}
