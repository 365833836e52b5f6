using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// The payload of a leaf of a packed tree: elements [offset, offset + size) of a <see cref="TorchFlatBuffer"/>, in the
/// leaf's shape. The libtorch view is made only when something reads the leaf (<see cref="View"/>): an optimizer that
/// works on the flat buffer never does, so a step over 100 leaves creates no per-leaf native handles at all.
/// </summary>
internal sealed class TorchSlice
{
    private readonly long[] dims;
    private readonly long[] strides;
    private TorchTensor? view;
    private int released;

    public TorchSlice(TorchFlatBuffer buffer, int index, long offset, Shape shape)
    {
        Buffer = buffer;
        Index = index;
        Offset = offset;
        dims = new long[shape.Rank];
        strides = new long[shape.Rank];
        long stride = 1;
        for (var d = shape.Rank - 1; d >= 0; d--)
        {
            dims[d] = shape[d];
            strides[d] = stride;
            stride *= shape[d];
        }
    }

    /// <summary>The buffer the leaf slices.</summary>
    public TorchFlatBuffer Buffer { get; }

    /// <summary>The leaf's position among the buffer's leaves.</summary>
    public int Index { get; }

    /// <summary>The leaf's first element in the buffer.</summary>
    public long Offset { get; }

    /// <summary>Whether the leaf was released, or its buffer was (by the scope it was created in).</summary>
    public bool IsReleased => Volatile.Read(ref released) != 0 || Buffer.Flat.IsInvalid;

    /// <summary>
    /// The leaf as a libtorch view of the buffer, made on first use and reused until the leaf is released. Like any
    /// result, the view joins the innermost dispose scope open when it is made, so a scope that releases the buffer (its
    /// leaves not kept) releases the views read inside it too; a leaf that outlives that scope makes its view again on
    /// the next read. Made with no scope open, the view is the leaf's alone and goes with it.
    /// </summary>
    public TorchTensor View()
    {
        var current = Volatile.Read(ref view);
        if (current is { IsInvalid: false })
        {
            return current;
        }

        var made = Buffer.Flat.as_strided(dims, strides, Buffer.StorageOffset + Offset);
        if (!ReferenceEquals(Interlocked.CompareExchange(ref view, made, current), current))
        {
            // Another thread made one first: use it.
            made.Dispose();
            return Volatile.Read(ref view)!;
        }

        return made;
    }

    /// <summary>A new view of the leaf that belongs to the innermost open dispose scope (for an autograd leaf).</summary>
    public TorchTensor NewView() => Buffer.Flat.as_strided(dims, strides, Buffer.StorageOffset + Offset);

    /// <summary>Releases the view, if made, and the leaf's share of the buffer; harmless when repeated.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            Interlocked.Exchange(ref view, null)?.Dispose();
            Buffer.LeafReleased();
        }
    }
}
