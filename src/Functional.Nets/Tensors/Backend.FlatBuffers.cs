namespace Functional.Nets;

/// <summary>Flat buffers: the leaves of a tree laid out as consecutive slices of one rank-1 tensor.</summary>
public abstract partial class Backend
{
    /// <summary>
    /// Whether elementwise work over a whole tree (optimizer updates, <see cref="Optimizer.ApplyUpdates"/>) should run
    /// once over <see cref="Flatten"/>ed buffers instead of leaf by leaf. True where each operation has a fixed cost
    /// that dwarfs the arithmetic on a small leaf (Torch: a native call and an allocation per op, ~2 µs, against
    /// ~0.3 µs of arithmetic for a 64×64 leaf), so one op over all leaves costs about what one op on one leaf does.
    /// False by default; the results are the same either way, because the work is elementwise.
    /// </summary>
    public virtual bool PacksTrees => false;

    /// <summary>
    /// The leaves' values one after the other, row-major, as a rank-1 tensor the caller owns: a view sharing
    /// storage when the leaves are the consecutive slices of one buffer made by <see cref="Unflatten"/> (no copy),
    /// a concatenation otherwise. The default copies through the host; a backend that packs trees overrides it.
    /// </summary>
    /// <param name="leaves">The leaves, all on this backend (at least one).</param>
    public virtual Tensor Flatten(IReadOnlyList<Tensor> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var values = new List<double>();
        foreach (var leaf in leaves)
        {
            values.AddRange(leaf.ToArray());
        }

        return FromArray(values.ToArray(), new Shape(values.Count));
    }

    /// <summary>
    /// Leaves of the given shapes whose values are consecutive slices of the rank-1 tensor <paramref name="flat"/>,
    /// in order (the inverse of <see cref="Flatten"/>). A backend that packs trees returns views of one shared buffer,
    /// which <see cref="Flatten"/> turns back into the flat tensor without a copy; the default copies. The leaves are
    /// the caller's (each released on its own; a shared buffer lives until its last leaf is released);
    /// <paramref name="flat"/> stays the caller's too.
    /// </summary>
    /// <param name="flat">A rank-1 tensor with as many elements as the shapes together.</param>
    /// <param name="shapes">The leaves' shapes, in order.</param>
    /// <exception cref="ShapeMismatchException"><paramref name="flat"/> is not rank 1 or its size differs from the shapes' total.</exception>
    public virtual IReadOnlyList<Tensor> Unflatten(Tensor flat, IReadOnlyList<Shape> shapes)
    {
        RequireFlatFits(flat, shapes);
        var values = flat.ToArray();
        var leaves = new Tensor[shapes.Count];
        var offset = 0;
        for (var i = 0; i < shapes.Count; i++)
        {
            var size = checked((int)shapes[i].Size);
            leaves[i] = FromArray(values.AsSpan(offset, size), shapes[i]);
            offset += size;
        }

        return leaves;
    }

    /// <summary>Throws unless <paramref name="flat"/> is rank 1 with exactly the elements of <paramref name="shapes"/>.</summary>
    protected static void RequireFlatFits(Tensor flat, IReadOnlyList<Shape> shapes)
    {
        ArgumentNullException.ThrowIfNull(flat);
        ArgumentNullException.ThrowIfNull(shapes);
        var total = shapes.Sum(s => s.Size);
        if (flat.Shape.Rank != 1 || flat.Size != total)
        {
            throw new ShapeMismatchException(
                $"Unflatten: expected a rank-1 tensor of {total} elements for shapes [{string.Join(", ", shapes)}], got {flat.Shape}");
        }
    }
}
