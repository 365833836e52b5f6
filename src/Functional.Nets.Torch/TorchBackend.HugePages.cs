using Functional.Nets.Torch.Native;

namespace Functional.Nets.Torch;

public sealed partial class TorchBackend
{
    /// <summary>
    /// Whether libtorch puts its CPU buffers of 2 MiB or more on transparent huge pages in this process (libtorch's
    /// <c>THP_MEM_ALLOC_ENABLE</c>), loading libtorch first through the project's loader.
    /// </summary>
    /// <remarks>
    /// <para>
    /// On by default on Linux: before it loads libtorch, the loader sets <c>THP_MEM_ALLOC_ENABLE=1</c> unless the
    /// variable is already set, so <c>THP_MEM_ALLOC_ENABLE=0</c> in the environment that starts the process turns it
    /// off. It is false when something else loaded libtorch first (c10 reads the switch once, at its first
    /// allocation, so setting it later changes nothing), and on other systems.
    /// </para>
    /// <para>
    /// Why: glibc returns freed multi-megabyte blocks to the kernel, so each training step page-faults its large
    /// buffers (oneDNN workspaces, activations, gradients) in again 4 KiB at a time. Measured here (2 cores, one
    /// libtorch thread): the LSTM step of benchmark (g) 25–30% faster (3.6–4.0 → 4.8–5.1 steps per second, ours and
    /// TorchSharp's <c>nn.LSTM</c> alike), a dense Adam step over a 100,000×100 table 2.5× faster, the CNN and MLP
    /// steps unchanged within their noise, resident memory in the long-loop soak (e) within 2%. The kernel must allow
    /// it: <c>/sys/kernel/mm/transparent_hugepage/enabled</c> set to <c>madvise</c> (the usual default) or
    /// <c>always</c>; with <c>never</c> the hint is ignored and nothing else changes.
    /// </para>
    /// </remarks>
    public static bool LargeBuffersOnHugePages
    {
        get
        {
            LibTorchLoader.EnsureLoaded();
            return TransparentHugePages.Requested();
        }
    }
}
