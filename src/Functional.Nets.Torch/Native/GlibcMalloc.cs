namespace Functional.Nets.Torch.Native;

/// <summary>
/// glibc's <c>malloc_trim(0)</c>, which hands free heap memory (including free pages inside the heap, not only at its
/// top) back to the operating system. libtorch allocates every CPU tensor with <c>posix_memalign</c>, so freed tensor
/// memory stays with glibc's allocator until it is reused or trimmed.
/// </summary>
/// <remarks>
/// Measured here (DESIGN.md, "Native memory"): after its first large frees glibc raises its mmap threshold and then
/// keeps freed heap memory, so a loop allocating fresh multi-megabyte tensors grew from 175 MB to 4–6 GB in 500 steps
/// with only 2 tensors alive, and trimming every 100 steps held it at ~185 MB at no measurable cost. The allocator's
/// thresholds are left as they are: tried here, fixing them high (so that freed buffers are always reused) bought
/// nothing measurable once optimizer updates run over flat buffers (0.5–2 minor faults a step either way on the MNIST
/// MLP), and would have changed the whole process's allocator behind the user's back.
/// </remarks>
internal static class GlibcMalloc
{
    /// <summary>Returns free heap memory to the system (<c>malloc_trim(0)</c>); false where there is no glibc.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            _ = malloc_trim(0);
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to trim.
            return false;
        }
    }

    // DllImport rather than LibraryImport: the signature is blittable, and LibraryImport would need unsafe code.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
