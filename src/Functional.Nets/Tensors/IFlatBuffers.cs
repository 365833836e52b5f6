namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: the leaves of a tree laid out as consecutive slices of one
/// rank-1 tensor, so that elementwise work over a whole tree (optimizer updates, <see cref="Optimizer.ApplyUpdates"/>,
/// the global norm of <see cref="ClipByGlobalNorm"/>) runs once over the flat buffer instead of leaf by leaf. Worth
/// implementing where each operation has a fixed cost that dwarfs the arithmetic on a small leaf (Torch: a native call
/// and an allocation per op, ~2 µs, against ~0.3 µs of arithmetic for a 64×64 leaf), so one op over all leaves costs
/// about what one op on one leaf does. A backend without it is worked leaf by leaf, the plain path; the results are
/// the same either way up to the order of a sum, because the work is elementwise.
/// </summary>
public interface IFlatBuffers
{
    /// <summary>
    /// The leaves' values one after the other, row-major, as a rank-1 tensor the caller owns: a view sharing
    /// storage when the leaves are, in order, all the slices of one buffer made by <see cref="Unflatten"/> (no copy),
    /// a concatenation otherwise.
    /// </summary>
    /// <param name="leaves">The leaves, all on this backend (at least one).</param>
    Tensor Flatten(IReadOnlyList<Tensor> leaves);

    /// <summary>
    /// Leaves of the given shapes whose values are consecutive slices of the rank-1 tensor <paramref name="flat"/>,
    /// in order (the inverse of <see cref="Flatten"/>): views of one shared buffer, which <see cref="Flatten"/> turns
    /// back into the flat tensor without a copy. The leaves are the caller's (each released on its own; the shared
    /// buffer lives until its last leaf is released); <paramref name="flat"/> stays the caller's too.
    /// </summary>
    /// <param name="flat">A rank-1 tensor with as many elements as the shapes together.</param>
    /// <param name="shapes">The leaves' shapes, in order.</param>
    /// <exception cref="ShapeMismatchException"><paramref name="flat"/> is not rank 1 or its size differs from the shapes' total.</exception>
    IReadOnlyList<Tensor> Unflatten(Tensor flat, IReadOnlyList<Shape> shapes);
}
