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
/// NAME never see. The directory itself is not fsynced (.NET has no call for it), so after a power cut
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
