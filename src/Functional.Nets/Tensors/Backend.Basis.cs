namespace Functional.Nets;

/// <summary>
/// The rest of the primitive basis, after JAX's lax: index tensors, comparisons and selection, layout (permute,
/// slice, concat, pad, broadcast), reductions over any axes and integer indexing. The core (<see cref="Tensor"/>) checks
/// every argument before it calls one of these, so a backend sees only valid input; each primitive's name and formulas
/// are declared once in <see cref="Primitive"/>.
/// </summary>
public abstract partial class Backend
{
    /// <summary>Creates an int64 index tensor on this backend's device from row-major values.</summary>
    public abstract Tensor FromIndices(ReadOnlySpan<long> values, Shape shape);

    /// <summary>Creates an int64 index tensor from row-major values and its dimensions: <c>FromIndices([2, 0, 1], 3)</c>.</summary>
    public Tensor FromIndices(long[] values, params int[] dims) => FromIndices(values, new Shape(dims));

    /// <summary>Copies an index tensor's values out, row-major (the core has checked that it holds indices).</summary>
    public abstract long[] ToIndexArray(Tensor indices);

    /// <summary>
    /// The least and greatest value of a non-empty index tensor, for the core's range checks. The default copies the
    /// indices out; a device backend overrides it to reduce on the device and copy two numbers.
    /// </summary>
    public virtual (long Min, long Max) IndexBounds(Tensor indices)
    {
        var values = ToIndexArray(indices);
        return (values.Min(), values.Max());
    }

    /// <summary>The mask [a op b] (0s and 1s in this backend's float type) broadcast to <paramref name="resultShape"/>; not differentiated.</summary>
    public abstract Tensor Compare(CompareOp op, Tensor a, Tensor b, Shape resultShape);

    /// <summary>yᵢ = aᵢ where maskᵢ ≠ 0, else bᵢ, all three broadcast to <paramref name="resultShape"/>; differentiable in a and b.</summary>
    public abstract Tensor Where(Tensor mask, Tensor a, Tensor b, Shape resultShape);

    /// <summary>y = min(max(x, low), high) for low ≤ high; x̄ = ȳ where low ≤ x ≤ high (inclusive, as <c>torch.clamp</c>), else 0.</summary>
    public abstract Tensor Clamp(Tensor a, double low, double high);

    /// <summary>The same values as a constant: a later <see cref="ValueAndGrad"/> passes no gradient through it.</summary>
    public abstract Tensor StopGradient(Tensor a);

    /// <summary>The axes permuted: result axis i is input axis <paramref name="axes"/>[i] (a permutation, checked by the core).</summary>
    public abstract Tensor Permute(Tensor a, int[] axes);

    /// <summary>Entries [start, start + length) along <paramref name="axis"/> (in range, checked by the core).</summary>
    public abstract Tensor Slice(Tensor a, int axis, int start, int length);

    /// <summary>
    /// Consecutive parts along <paramref name="axis"/> of the given sizes (checked by the core: non-negative, adding up
    /// to the axis's size). The default slices each part; a backend may return them from one node, whose gradient
    /// joins the parts' gradients instead of adding one zero-padded copy of the whole per part (T copies of a
    /// sequence for a scan's T steps).
    /// </summary>
    public virtual IReadOnlyList<Tensor> Split(Tensor a, int axis, int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(sizes);
        var parts = new Tensor[sizes.Length];
        var at = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            parts[i] = a.Slice(axis, at, sizes[i]);
            at += sizes[i];
        }

        return parts;
    }

    /// <summary>The parts joined along <paramref name="axis"/> (at least one part; all other axes equal, checked by the core).</summary>
    public abstract Tensor Concat(IReadOnlyList<Tensor> parts, int axis);

    /// <summary>
    /// <paramref name="a"/> surrounded by <paramref name="value"/>: <paramref name="before"/>[d] entries before and
    /// <paramref name="after"/>[d] after it along each axis d (non-negative, one per axis, checked by the core).
    /// </summary>
    public abstract Tensor Pad(Tensor a, int[] before, int[] after, double value);

    /// <summary><paramref name="a"/> repeated to <paramref name="shape"/> by NumPy's broadcasting rules (checked by the core).</summary>
    public abstract Tensor BroadcastTo(Tensor a, Shape shape);

    /// <summary>
    /// The maximum (<paramref name="max"/>) or minimum over <paramref name="axes"/> (normalized, ascending, distinct, the
    /// tensor non-empty along them). The gradient goes to the extreme entries, shared evenly among ties, as
    /// <c>torch.amax</c>/<c>torch.amin</c>; a tie is a kink.
    /// </summary>
    public abstract Tensor Extreme(Tensor a, int[] axes, bool keepDims, bool max);

    /// <summary>ln Σ eˣ over <paramref name="axes"/> (normalized, ascending, distinct), computed as m + ln Σ e^(x − m) with m the maximum.</summary>
    public abstract Tensor LogSumExp(Tensor a, int[] axes, bool keepDims);

    /// <summary>The int64 position of the first maximum along <paramref name="axis"/> (normalized); not differentiated.</summary>
    public abstract Tensor ArgMax(Tensor a, int axis, bool keepDims);

    /// <summary>
    /// Slices of <paramref name="a"/> along <paramref name="axis"/> at int64 <paramref name="indices"/> of any shape
    /// (in range, checked by the core): the result has shape a.shape[:axis] + indices.shape + a.shape[axis + 1:], as
    /// <c>torch.index_select</c> followed by a reshape (an embedding lookup for axis 0). VJP: a scatter-add, repeats sum.
    /// </summary>
    public abstract Tensor IndexSelect(Tensor a, int axis, Tensor indices);

    /// <summary>
    /// <c>torch.gather</c>: y[…, i, …] = a[…, indices[…, i, …], …] along <paramref name="axis"/>, with int64
    /// <paramref name="indices"/> of the same rank as <paramref name="a"/> and no larger along any other axis (checked by
    /// the core). The result has the shape of <paramref name="indices"/>.
    /// </summary>
    public abstract Tensor TakeAlong(Tensor a, int axis, Tensor indices);

    /// <summary>
    /// <c>torch.scatter_add</c>: a copy of <paramref name="a"/> with y[…, indices[…, i, …], …] += source[…, i, …] along
    /// <paramref name="axis"/>; <paramref name="indices"/> (int64) and <paramref name="source"/> have the same shape, of
    /// the same rank as <paramref name="a"/> (checked by the core). Differentiable in a and source.
    /// </summary>
    public abstract Tensor ScatterAdd(Tensor a, int axis, Tensor indices, Tensor source);

    /// <summary>The one-hot encoding of int64 <paramref name="indices"/> in [0, classes): shape indices.shape + [classes], floats; not differentiated.</summary>
    public abstract Tensor OneHot(Tensor indices, int classes);
}
