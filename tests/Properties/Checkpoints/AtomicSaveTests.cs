using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// A save interrupted mid-write leaves the previous checkpoint loadable and unchanged. The crash is
/// simulated deterministically: the checkpoint is written through <see cref="AtomicFile.Write"/>, the
/// mechanism <see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/> uses, by <see cref="Checkpoint.Write"/> into a stream that
/// passes exactly k bytes to the file and then throws, for k at every boundary of the format (inside
/// the length field, the header, the data, one byte short of the end).
/// </summary>
public sealed class AtomicSaveTests
{
    /// <summary>After an interrupted save, the old file loads bit for bit, no temporary file remains, and the next save succeeds.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Interrupted_save_leaves_the_previous_checkpoint_intact(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var path = dir.File("run.safetensors");
        var model = new Sequential(new Dense(5, 7), new Tanh(), new Dense(7, 3));
        var old = TrainState.Create(model, Optim.Adam(), Key.FromSeed(11), backend);
        Checkpoint.Save(path, old);
        var oldBytes = File.ReadAllBytes(path);

        var next = TrainState.Create(model, Optim.Adam(), Key.FromSeed(12), backend) with { Step = 40 };
        using var measure = new MemoryStream();
        Checkpoint.Write(measure, next);
        var total = (int)measure.Length;
        var headerEnd = 8 + (int)BitConverter.ToUInt64(measure.GetBuffer(), 0);

        foreach (var k in new[] { 0, 1, 7, 8, 9, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 1, (headerEnd + total) / 2, total - 1 })
        {
            var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream => Checkpoint.Write(new CrashingStream(stream, k), next)));
            Assert.Equal($"simulated crash after {k} bytes", e.Message);

            Assert.Equal(oldBytes, File.ReadAllBytes(path));
            Bits.Identical($"after a crash at byte {k} of {total}", old, Checkpoint.Load(path, backend));
            Assert.Equal(["run.safetensors"], dir.Files());
        }

        Checkpoint.Save(path, next);
        Bits.Identical("after the save that completed", next, Checkpoint.Load(path, backend));
        Assert.Equal(["run.safetensors"], dir.Files());
    }

    /// <summary>
    /// A process killed mid-save cannot clean up: it leaves a partial temporary file beside the
    /// checkpoint. Readers of the checkpoint never see it, and later saves are unaffected.
    /// </summary>
    [Fact]
    public void Leftover_temporary_file_of_a_killed_save_is_ignored()
    {
        var backend = ReferenceBackend.Instance;
        using var dir = new ScratchDirectory();
        var path = dir.File("run.safetensors");
        var old = TrainState.Create(new Dense(3, 2), Optim.Adam(), Key.FromSeed(1), backend);
        Checkpoint.Save(path, old);
        var leftover = dir.File(".run.safetensors.0123456789abcdef0123456789abcdef.tmp");
        File.WriteAllBytes(leftover, File.ReadAllBytes(path)[..20]);

        Bits.Identical("with a leftover temporary file", old, Checkpoint.Load(path, backend));
        var next = old with { Step = 1 };
        Checkpoint.Save(path, next);
        Bits.Identical("saved beside a leftover temporary file", next, Checkpoint.Load(path, backend));
        Assert.Equal([System.IO.Path.GetFileName(leftover), "run.safetensors"], dir.Files());
    }

    /// <summary>An interrupted first save leaves no file at all rather than a partial one.</summary>
    [Fact]
    public void Interrupted_first_save_leaves_no_file()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("first.safetensors");
        var state = TrainState.Create(new Dense(3, 2), Optim.Adam(), Key.FromSeed(2), ReferenceBackend.Instance);
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream => Checkpoint.Write(new CrashingStream(stream, 100), state)));
        Assert.Empty(dir.Files());
    }
}

/// <summary>A write-only stream that passes the first <c>limit</c> bytes to <c>inner</c> and then throws, as a crash would interrupt a write.</summary>
public sealed class CrashingStream(Stream inner, long limit) : Stream
{
    private long written;

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => written;

    /// <inheritdoc />
    public override long Position
    {
        get => written;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var room = (int)Math.Min(buffer.Length, limit - written);
        inner.Write(buffer[..room]);
        written += room;
        if (room < buffer.Length)
        {
            inner.Flush();
            throw new IOException($"simulated crash after {limit} bytes");
        }
    }

    /// <inheritdoc />
    public override void Flush() => inner.Flush();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
}
