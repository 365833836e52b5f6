using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace Functional.Nets;

/// <summary>
/// The decompressed content of a gzip file (RFC 1952) of one or more members, each member's CRC-32 and ISIZE
/// checked against its 8-byte trailer, as Python's <c>gzip</c> module does. .NET's <see cref="GZipStream"/>
/// checks neither, and answers a file whose trailer was cut off as if it were whole, so a damaged file would
/// load with wrong data and no word.
/// </summary>
/// <remarks>
/// A <see cref="DeflateStream"/> reads its input ahead and does not say where the deflate data ended, yet the
/// trailer starts exactly there. So each member is inflated twice: first in chunks, handing the data to the
/// reader and computing its CRC, which shows in which chunk the deflate data ends; then once more, byte by byte
/// from just before that chunk, so that the byte count delivered when the inflater stops is the exact end.
/// The second pass costs one more inflation of the member, a small price for a file read once.
/// After the last member only zero bytes may follow (gzip allows padding); anything else is an error.
/// Errors are <see cref="InvalidDataException"/>s saying which member and what was found.
/// </remarks>
internal sealed class CheckedGzipStream : Stream
{
    private const int Chunk = 1 << 14;

    private readonly Stream file;
    private readonly long fileLength;
    private long memberStart;
    private long dataStart;
    private int member;
    private DeflateStream? inflater;
    private MemberInput? input;
    private uint crc;
    private long produced;
    private bool done;

    /// <summary>Reads the gzip content of <paramref name="file"/>, a seekable stream positioned at its first member; it is left open.</summary>
    public CheckedGzipStream(Stream file)
    {
        this.file = file;
        fileLength = file.Length;
        memberStart = file.Position;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        while (!done && buffer.Length > 0)
        {
            if (inflater is null && !StartMember())
            {
                done = true;
                break;
            }

            var n = inflater!.Read(buffer);
            if (n > 0)
            {
                crc = Crc32.Append(crc, buffer[..n]);
                produced += n;
                return n;
            }

            FinishMember();
        }

        return 0;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inflater?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Parses the header of the member at <see cref="memberStart"/>; false at the end of the file (or of its zero padding).</summary>
    private bool StartMember()
    {
        file.Position = memberStart;
        var first = file.ReadByte();
        if (first < 0 && member > 0)
        {
            return false;
        }

        if (member > 0 && first == 0)
        {
            // Zero padding after the last member, which gzip tolerates; it must run to the end of the file.
            int b;
            while ((b = file.ReadByte()) == 0)
            {
            }

            if (b < 0)
            {
                return false;
            }

            throw Problem($"after member {member} and its zero padding, byte {file.Position - 1} is 0x{b:X2}: neither padding nor the start of another gzip member");
        }

        var second = file.ReadByte();
        if (first != 0x1f || second != 0x8b)
        {
            throw Problem(member == 0
                ? "not a gzip file (its first bytes are not 1f 8b)"
                : string.Create(CultureInfo.InvariantCulture, $"{fileLength - memberStart} bytes follow member {member} that are not another gzip member (they start {first:x2} {(second < 0 ? "" : second.ToString("x2", CultureInfo.InvariantCulture))})"));
        }

        Span<byte> fixedPart = stackalloc byte[8];
        if (ReadFully(fixedPart) < 8)
        {
            throw Problem($"member {member + 1} at byte {memberStart}: the file ends inside its 10-byte header");
        }

        if (fixedPart[0] != 8)
        {
            throw Problem($"member {member + 1} at byte {memberStart}: compression method {fixedPart[0]}, but gzip defines only 8 (deflate)");
        }

        var flags = fixedPart[1];
        if ((flags & 0x04) != 0)
        {
            Span<byte> xlen = stackalloc byte[2];
            if (ReadFully(xlen) < 2)
            {
                throw Problem($"member {member + 1} at byte {memberStart}: the file ends inside its header's extra field");
            }

            Skip(BinaryPrimitives.ReadUInt16LittleEndian(xlen), "extra field");
        }

        if ((flags & 0x08) != 0)
        {
            SkipZeroTerminated("file name");
        }

        if ((flags & 0x10) != 0)
        {
            SkipZeroTerminated("comment");
        }

        if ((flags & 0x02) != 0)
        {
            Skip(2, "header CRC");
        }

        member++;
        dataStart = file.Position;
        input = new MemberInput(file, dataStart, fileLength, trickleFrom: long.MaxValue);
        inflater = new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true);
        crc = 0;
        produced = 0;
        return true;
    }

    /// <summary>Finds the exact end of the member's deflate data, then checks its trailer.</summary>
    private void FinishMember()
    {
        var chunked = input!;
        inflater!.Dispose();
        inflater = null;
        input = null;
        if (chunked.AskedPastEnd)
        {
            throw Problem($"member {member} at byte {memberStart}: the file ends inside its compressed data, before the end-of-stream marker (the file is truncated)");
        }

        // The deflate data ends inside the last chunk handed over; trickle from one chunk before it, in case the
        // inflater asked for a chunk it then did not need.
        var trickleFrom = Math.Max(0, chunked.LastChunkStart - Chunk);
        var exact = new MemberInput(file, dataStart, fileLength, trickleFrom);
        using (var again = new DeflateStream(exact, CompressionMode.Decompress, leaveOpen: true))
        {
            var scratch = new byte[Chunk];
            while (again.Read(scratch) > 0)
            {
            }
        }

        var end = dataStart + exact.Delivered;
        file.Position = end;
        Span<byte> trailer = stackalloc byte[8];
        var got = ReadFully(trailer);
        if (got < 8)
        {
            throw Problem($"member {member} at byte {memberStart}: its 8-byte trailer (CRC-32 and length) is cut off: the file ends {got} bytes after the compressed data");
        }

        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var storedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (storedCrc != crc)
        {
            throw Problem(string.Create(CultureInfo.InvariantCulture, $"member {member} at byte {memberStart}: CRC-32 check failed: the decompressed data has CRC-32 0x{crc:x8}, the trailer says 0x{storedCrc:x8}"));
        }

        if (storedSize != (uint)produced)
        {
            throw Problem(string.Create(CultureInfo.InvariantCulture, $"member {member} at byte {memberStart}: length check failed: it decompresses to {produced} bytes (mod 2^32: {(uint)produced}), the trailer says {storedSize}"));
        }

        memberStart = end + 8;
    }

    private void Skip(int count, string what)
    {
        if (fileLength - file.Position < count)
        {
            throw Problem($"member {member + 1} at byte {memberStart}: the file ends inside its header's {what}");
        }

        file.Position += count;
    }

    private void SkipZeroTerminated(string what)
    {
        int b;
        while ((b = file.ReadByte()) > 0)
        {
        }

        if (b < 0)
        {
            throw Problem($"member {member + 1} at byte {memberStart}: the file ends inside its header's {what}");
        }
    }

    private int ReadFully(Span<byte> target)
    {
        var total = 0;
        while (total < target.Length)
        {
            var n = file.Read(target[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static InvalidDataException Problem(string message) => new(message);

    /// <summary>
    /// A member's compressed bytes for a <see cref="DeflateStream"/>: whole chunks, then single bytes from
    /// <c>trickleFrom</c> on, counting what it hands over so that the end of the deflate data can be known.
    /// </summary>
    private sealed class MemberInput(Stream file, long start, long fileLength, long trickleFrom) : Stream
    {
        /// <summary>The bytes handed over so far, counted from the member's data.</summary>
        public long Delivered { get; private set; }

        /// <summary>Where the last read handed over began, counted from the member's data.</summary>
        public long LastChunkStart { get; private set; }

        /// <summary>Whether more was asked for after the file's last byte: the deflate data did not end.</summary>
        public bool AskedPastEnd { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var left = fileLength - start - Delivered;
            if (left <= 0)
            {
                AskedPastEnd = true;
                return 0;
            }

            var count = (int)Math.Min(Math.Min(buffer.Length, left), Delivered >= trickleFrom ? 1 : Chunk);
            if (Delivered < trickleFrom)
            {
                count = (int)Math.Min(count, trickleFrom - Delivered);
            }

            file.Position = start + Delivered;
            var n = file.Read(buffer[..count]);
            LastChunkStart = Delivered;
            Delivered += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
