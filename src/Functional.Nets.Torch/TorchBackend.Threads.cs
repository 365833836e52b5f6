using Functional.Nets.Torch.Native;
using TorchSharp;

namespace Functional.Nets.Torch;

public sealed partial class TorchBackend
{
    /// <summary>
    /// libtorch's intra-op thread count for the whole process (<c>torch.get_num_threads</c> /
    /// <c>torch.set_num_threads</c>), loading libtorch first through the project's loader.
    /// </summary>
    /// <remarks>
    /// libtorch starts with one thread per core. On a shared or busy machine fewer can be much faster: its
    /// OpenMP workers spin while they wait for each other, and when the cores are taken by other processes
    /// that spinning is pure loss. Measured here (2 cores, load average 7–10 from other processes), training an
    /// MLP 784-512-256-10 with batches of 128 took 9–18 ms of wall time a step with 1 thread and 25–95 ms with 2.
    /// Set it before training, not during; it affects every torch backend of the process.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int Threads
    {
        get
        {
            LibTorchLoader.EnsureLoaded();
            return torch.get_num_threads();
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            LibTorchLoader.EnsureLoaded();
            torch.set_num_threads(value);
        }
    }
}
