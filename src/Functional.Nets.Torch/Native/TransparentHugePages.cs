using System.Runtime.InteropServices;

namespace Functional.Nets.Torch.Native;

/// <summary>
/// Asks libtorch to put its large CPU buffers on transparent huge pages: libtorch's own switch
/// <c>THP_MEM_ALLOC_ENABLE=1</c>, with which c10's CPU allocator aligns every allocation of 2 MiB or more to 2 MiB and
/// marks it <c>madvise(MADV_HUGEPAGE)</c>. Set in the native environment before libtorch is loaded, because c10 reads
/// it once, at its first allocation; a value the user gave (<c>0</c> to opt out) is left as it is.
/// </summary>
/// <remarks>
/// Why: glibc hands freed multi-megabyte blocks back to the kernel (munmap, or trimming the heap's top), so a training
/// step that allocates oneDNN workspaces and activations of tens of megabytes page-faults all of them in again, 4 KiB
/// at a time, every step. Measured here (2 cores, one libtorch thread), benchmark (g)'s LSTM step alone, two runs
/// each way: 800,000 → 96,000 minor faults per run, 3.6–4.0 → 4.8–5.1 steps per second (ours and nn.LSTM alike);
/// a dense Adam step over a 100,000×100 table (k) 19–22 → 52–62; the CNN step (h) and the MLP step (a) unchanged
/// within their noise. Only libtorch's own allocations of 2 MiB or more change; the rest of the process keeps
/// glibc's behaviour.
/// </remarks>
internal static class TransparentHugePages
{
    /// <summary>libtorch's (c10's) environment variable: <c>1</c> on, <c>0</c> off, unset off.</summary>
    public const string Variable = "THP_MEM_ALLOC_ENABLE";

    // Whether libc10 was in the process before the request: then c10 may have read the switch already.
    private static bool c10LoadedBefore;

    /// <summary>Sets <see cref="Variable"/> to <c>1</c> in the native environment unless it is set already (Linux only).</summary>
    public static void RequestUnlessSet()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        c10LoadedBefore = ElfVersionPatch.LoadedLibraryPath("libc10.so") is not null;

        try
        {
            // .NET's Environment.SetEnvironmentVariable changes only the runtime's own copy on Unix; c10 calls
            // getenv, so the C library's environment is the one to change. overwrite = 0 keeps a user's value.
            _ = setenv(Variable, "1", 0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // No C library with setenv: libtorch keeps its default.
        }
    }

    /// <summary>
    /// Whether the native environment holds <c>1</c> for <see cref="Variable"/> (what c10 reads) and libtorch was
    /// loaded after it was set.
    /// </summary>
    public static bool Requested()
    {
        if (!OperatingSystem.IsLinux() || c10LoadedBefore)
        {
            return false;
        }

        try
        {
            return Marshal.PtrToStringUTF8(getenv(Variable)) == "1";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "setenv", BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv", BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
