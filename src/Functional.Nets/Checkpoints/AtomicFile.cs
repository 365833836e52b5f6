namespace Functional.Nets;

/// <summary>
/// Replaces a file atomically: readers see either the previous file, whole, or the new one, whole,
/// never a partly written one, and a crash (an exception, a killed process, a power cut) during the
/// write leaves the previous file intact.
/// </summary>
/// <remarks>
/// The content goes to a temporary file in the same directory (so the final rename stays within one
/// file system), which is flushed to the disk (<see cref="FileStream.Flush(bool)"/> with
/// <c>flushToDisk: true</c>, i.e. <c>fsync</c>) before <see cref="File.Move(string, string, bool)"/>
/// renames it over the target; rename(2) replaces a file atomically on POSIX file systems, and
/// MoveFileEx with MOVEFILE_REPLACE_EXISTING does so on NTFS. If the write fails, the temporary file is
/// deleted; a process killed mid-write can leave one behind, named <c>.NAME.*.tmp</c>, which readers of
/// NAME never see; the next successful write of NAME removes such stale ones (see <see cref="RemoveStaleTemporaries"/>).
/// The directory itself is not fsynced (.NET has no call for it), so after a power cut
/// the rename may be lost and the previous file remain: still a whole file, never a torn one.
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream
    /// it is given. The stream must not be disposed by <paramref name="write"/>; if <paramref name="write"/>
    /// throws, <paramref name="path"/> is left as it was and the exception propagates.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var target = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' names no file in a directory", nameof(path));
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        RemoveStaleTemporaries(target, DateTime.UtcNow - StaleAfter);
    }

    /// <summary>How long a temporary file must have gone unwritten before a later write of the same target may remove it: 10 minutes.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Removes the temporary files that interrupted writes of <paramref name="path"/> left behind, conservatively: only
    /// files named exactly as <see cref="Write"/> names them for this target (<c>.NAME.</c> + 32 hexadecimal digits +
    /// <c>.tmp</c>, in the target's directory; never another target's, never any other file), last written before
    /// <paramref name="olderThanUtc"/> (a live writer keeps its file's time current), and that can be opened for exclusive
    /// access (on Unix .NET takes an advisory lock for <see cref="FileShare.None"/>, which a live writer holds, so a save
    /// still in progress in another .NET process is skipped however old its file). A file that cannot be examined or
    /// deleted is left alone. <see cref="Write"/> calls this after each successful write with <see cref="StaleAfter"/>.
    /// </summary>
    /// <param name="path">The target whose temporary files to remove.</param>
    /// <param name="olderThanUtc">Only files last written before this time are removed.</param>
    /// <returns>The paths removed.</returns>
    public static IReadOnlyList<string> RemoveStaleTemporaries(string path, DateTime olderThanUtc)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(target);
        var removed = new List<string>();
        if (directory is null || !Directory.Exists(directory))
        {
            return removed;
        }

        var prefix = $".{System.IO.Path.GetFileName(target)}.";
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(directory, "*.tmp"); // filtered by the exact prefix below (a name may hold wildcard characters)
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return removed;
        }

        foreach (var candidate in candidates)
        {
            var name = System.IO.Path.GetFileName(candidate);

            // The exact pattern: prefix, a Guid in "N" format (32 hexadecimal digits), ".tmp".
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length != prefix.Length + 32 + 4
                || !name.EndsWith(".tmp", StringComparison.Ordinal) || !name.AsSpan(prefix.Length, 32).ToString().All(Uri.IsHexDigit))
            {
                continue;
            }

            try
            {
                if (File.GetLastWriteTimeUtc(candidate) >= olderThanUtc)
                {
                    continue;
                }

                // Fails while a live .NET writer holds the file (FileShare.None on both sides).
                using (new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }

                File.Delete(candidate);
                removed.Add(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Held, vanished or protected: not ours to force.
            }
        }

        return removed;
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The write's own exception matters more; a stray temporary file is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
