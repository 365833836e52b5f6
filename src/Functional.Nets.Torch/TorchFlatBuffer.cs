using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// One rank-1 libtorch tensor shared by the leaves of a packed tree (<see cref="TorchBackend.Unflatten"/>): each leaf
/// is a <see cref="TorchSlice"/> of it. The buffer's handle belongs to the leaves together: it is released when the
/// last of them is (a reference count), or earlier with the <see cref="TorchScope"/> it was created in, unless one of
/// its leaves was kept.
/// </summary>
internal sealed class TorchFlatBuffer
{
    private int live;

    /// <summary>Takes ownership of <paramref name="flat"/> (rank 1, contiguous) for <paramref name="leaves"/> leaves.</summary>
    public TorchFlatBuffer(TorchTensor flat, int leaves)
    {
        Flat = flat;
        Count = leaves;
        live = leaves;
        StorageOffset = flat.storage_offset();
    }

    /// <summary>The buffer.</summary>
    public TorchTensor Flat { get; }

    /// <summary>The number of leaves slicing it.</summary>
    public int Count { get; }

    /// <summary>Where the buffer starts in its storage (in elements): slices are addressed from here.</summary>
    public long StorageOffset { get; }

    /// <summary>Called once by each leaf as it is released; the last one releases the buffer.</summary>
    public void LeafReleased()
    {
        if (Interlocked.Decrement(ref live) == 0)
        {
            Flat.Dispose();
        }
    }
}
