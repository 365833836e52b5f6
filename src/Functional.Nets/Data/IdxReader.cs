using System.Buffers.Binary;
using System.Globalization;

namespace Functional.Nets;

/// <summary>Images read from an IDX file: <paramref name="Count"/> images of <paramref name="Rows"/>×<paramref name="Columns"/> unsigned bytes.</summary>
/// <param name="Path">The file they were read from.</param>
/// <param name="Count">The number of images N.</param>
/// <param name="Rows">Rows per image (28 for MNIST).</param>
/// <param name="Columns">Columns per image (28 for MNIST).</param>
/// <param name="Pixels">N·rows·columns bytes, row-major (image, row, column).</param>
public sealed record IdxImages(string Path, int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>The file they were read from.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Path { get; init => field = value ?? throw new ArgumentNullException(nameof(Path)); } = Path ?? throw new ArgumentNullException(nameof(Path));

    /// <summary>N·rows·columns bytes, row-major (image, row, column).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public byte[] Pixels { get; init => field = value ?? throw new ArgumentNullException(nameof(Pixels)); } = Pixels ?? throw new ArgumentNullException(nameof(Pixels));
}

/// <summary>Raised when an IDX file is malformed; the message names the file and what was expected and found.</summary>
public sealed class IdxFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public IdxFormatException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner)
    {
        Path = path;
    }

    /// <summary>The file.</summary>
    public string Path { get; }
}

/// <summary>Limits for <see cref="IdxReader"/>: how much memory a file's header may ask for.</summary>
public sealed record IdxReadOptions
{
    /// <summary>The default <see cref="MaxBytes"/>: 1 GiB, twenty times MNIST's largest file (47 MB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>The default options.</summary>
    public static IdxReadOptions Default { get; } = new();

    /// <summary>
    /// The most payload bytes (the product of the header's dimensions) a file may declare; more is refused before
    /// anything is read or allocated. A raw file is also checked against its length; a gzip file's length says less
    /// (deflate compresses up to 1032:1), so this limit is what stops a small forged file from asking for gigabytes.
    /// </summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;
}

/// <summary>
/// Reads the IDX files of MNIST and its relatives (LeCun's format): a big-endian header — two zero bytes,
/// a type byte (0x08: unsigned byte, the only type read here), a byte giving the number of dimensions, then
/// each dimension as a 32-bit unsigned integer — followed by the product of the dimensions in bytes.
/// Images are 0x00000803 (N, rows, columns), labels 0x00000801 (N).
/// </summary>
/// <remarks>
/// A file may be gzip-compressed; that is detected by its first two bytes (0x1f 0x8b), not by its name. A gzip
/// file may have several members, read one after another; each member's CRC-32 and length are checked against
/// its trailer, as Python's gzip does, so a damaged or cut file is refused rather than read as wrong data.
/// Everything is checked before it is trusted: the magic number, every dimension, and the exact length (a
/// truncated file and one with trailing bytes are both errors). Nothing is allocated from an unchecked header:
/// a raw file's payload is compared with the file's length before its buffer is allocated, and a gzip file's
/// payload is read in chunks that grow only as decompressed data actually arrives, so a forged header
/// claiming gigabytes costs nothing. Payloads beyond <see cref="Array.MaxLength"/> bytes are refused.
/// </remarks>
public static class IdxReader
{
    /// <summary>The magic number of an unsigned-byte IDX file with three dimensions (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>The magic number of an unsigned-byte IDX file with one dimension (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    // Deflate's largest compression ratio, rounded up: 258 bytes from one length/distance code of 2 bits at best
    // gives 1032:1 (zlib's technical notes).
    private const long MaxDeflateRatio = 1032;

    // The first chunk of a gzip payload; it doubles as data arrives, up to the size the header claims.
    private const int FirstChunk = 1 << 20;

    /// <summary>Reads an images file (idx3-ubyte, raw or gzip).</summary>
    /// <exception cref="IdxFormatException">The file is malformed; the message says how.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static IdxImages ReadImages(string path) => ReadImages(path, IdxReadOptions.Default);

    /// <summary>Reads an images file (idx3-ubyte, raw or gzip) within the limits of <paramref name="options"/>.</summary>
    /// <exception cref="IdxFormatException">The file is malformed or declares more than <see cref="IdxReadOptions.MaxBytes"/>; the message says how.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static IdxImages ReadImages(string path, IdxReadOptions options)
    {
        var (dims, values) = Read(path, 3, options);
        return new IdxImages(path, dims[0], dims[1], dims[2], values);
    }

    /// <summary>Reads a labels file (idx1-ubyte, raw or gzip): one byte per sample.</summary>
    /// <exception cref="IdxFormatException">The file is malformed; the message says how.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static byte[] ReadLabels(string path) => ReadLabels(path, IdxReadOptions.Default);

    /// <summary>Reads a labels file (idx1-ubyte, raw or gzip) within the limits of <paramref name="options"/>.</summary>
    /// <exception cref="IdxFormatException">The file is malformed or declares more than <see cref="IdxReadOptions.MaxBytes"/>; the message says how.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static byte[] ReadLabels(string path, IdxReadOptions options) => Read(path, 1, options).Values;

    private static (int[] Dims, byte[] Values) Read(string path, int rank, IdxReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBytes, nameof(options));
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> signature = stackalloc byte[2];
        var gzip = ReadFully(file, signature) == 2 && signature[0] == 0x1f && signature[1] == 0x8b;
        file.Position = 0;
        try
        {
            using var stream = gzip ? new CheckedGzipStream(file) : (Stream)file;
            var kind = gzip ? "decompressed content" : "file";
            var dims = ReadHeader(path, stream, rank, kind);
            var headerBytes = 4 + 4 * rank;
            var payload = Payload(path, dims);
            var what = Describe(dims);
            if (payload > options.MaxBytes)
            {
                throw new IdxFormatException(path, string.Create(
                    CultureInfo.InvariantCulture,
                    $"the header describes {what}, {payload:N0} bytes, more than the limit of {options.MaxBytes:N0} bytes (IdxReadOptions.MaxBytes; pass new IdxReadOptions {{ MaxBytes = ... }} to raise it)"));
            }

            // Deflate compresses at most about 1032:1 (a 258-byte match in as little as 2 bits), so a gzip
            // file cannot hold more than 1032 times its length: a header claiming more is refused unread.
            if (gzip && payload + headerBytes > MaxDeflateRatio * file.Length)
            {
                throw new IdxFormatException(path, string.Create(
                    CultureInfo.InvariantCulture,
                    $"truncated: the header describes {what} ({headerBytes + payload:N0} bytes with the header), but a {file.Length:N0}-byte gzip file decompresses to at most {MaxDeflateRatio * file.Length:N0} bytes (deflate compresses at most {MaxDeflateRatio}:1)"));
            }

            if (!gzip)
            {
                // The file's length is known: check it exactly before allocating anything.
                var expected = headerBytes + payload;
                if (file.Length != expected)
                {
                    throw new IdxFormatException(path, Mismatch(kind, what, expected, file.Length));
                }
            }

            var values = ReadPayload(stream, payload, out var read);
            if (read < payload)
            {
                throw new IdxFormatException(path, Mismatch(kind, what, headerBytes + payload, headerBytes + read));
            }

            var trailing = CountRemaining(stream);
            if (trailing > 0)
            {
                throw new IdxFormatException(path, Mismatch(kind, what, headerBytes + payload, headerBytes + payload + trailing));
            }

            return (dims, values);
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(path, $"the gzip stream is corrupt or truncated: {e.Message}", e);
        }
    }

    private static int[] ReadHeader(string path, Stream stream, int rank, string kind)
    {
        var expectedMagic = rank == 3 ? ImagesMagic : LabelsMagic;
        var what = rank == 3 ? "an IDX images file: unsigned bytes, 3 dimensions" : "an IDX labels file: unsigned bytes, 1 dimension";
        Span<byte> magicBytes = stackalloc byte[4];
        var got = ReadFully(stream, magicBytes);
        if (got < 4)
        {
            throw new IdxFormatException(path, $"the {kind} is {got} bytes long, too short for the 4-byte magic number 0x{expectedMagic:X8} of {what}");
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);
        if (magic != expectedMagic)
        {
            var hint = magic switch
            {
                ImagesMagic => " (0x00000803 is an images file: were the images and labels files swapped?)",
                LabelsMagic => " (0x00000801 is a labels file: were the images and labels files swapped?)",
                _ when (magic & 0xFFFF0000) != 0 => " (not an IDX file: its first two bytes must be zero)",
                _ when ((magic >> 8) & 0xFF) != 0x08 => $" (element type 0x{(magic >> 8) & 0xFF:X2}; only 0x08, unsigned byte, is read)",
                _ => $" ({magic & 0xFF} dimensions, expected {rank})",
            };
            throw new IdxFormatException(path, $"wrong magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} ({what}){hint}");
        }

        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = ReadFully(stream, dimBytes);
        if (got < dimBytes.Length)
        {
            throw new IdxFormatException(
                path, $"truncated header: the {kind} ends {4 + got} bytes in, but {what} has a {4 + 4 * rank}-byte header (magic number and {rank} dimension sizes)");
        }

        var dims = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * i)..]);
            if (d > int.MaxValue)
            {
                throw new IdxFormatException(path, $"dimension {i} of the header is {d}, larger than {int.MaxValue}");
            }

            dims[i] = (int)d;
        }

        return dims;
    }

    /// <summary>The product of the dimensions, refused beyond <see cref="Array.MaxLength"/> (checked without overflow).</summary>
    private static long Payload(string path, int[] dims)
    {
        long size = 1;
        foreach (var d in dims)
        {
            // Each factor is ≤ 2³¹ − 1 and size stays ≤ Array.MaxLength < 2³¹ before multiplying, so no overflow.
            size *= d;
            if (size > Array.MaxLength)
            {
                throw new IdxFormatException(
                    path, $"the header's dimensions [{string.Join(", ", dims)}] describe more than {Array.MaxLength} bytes of data, more than one array can hold");
            }
        }

        return size;
    }

    /// <summary>Reads up to <paramref name="payload"/> bytes, growing the buffer only as data arrives.</summary>
    private static byte[] ReadPayload(Stream stream, long payload, out long read)
    {
        var buffer = new byte[Math.Min(payload, FirstChunk)];
        read = 0;
        while (read < payload)
        {
            if (read == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(payload, 2L * buffer.Length));
            }

            var n = stream.Read(buffer, (int)read, buffer.Length - (int)read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer;
    }

    private static long CountRemaining(Stream stream)
    {
        var scratch = new byte[8192];
        long count = 0;
        int n;
        while ((n = stream.Read(scratch, 0, scratch.Length)) > 0)
        {
            count += n;
        }

        return count;
    }

    private static int ReadFully(Stream stream, Span<byte> target)
    {
        var total = 0;
        while (total < target.Length)
        {
            var n = stream.Read(target[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static string Describe(int[] dims) => dims.Length == 3
        ? string.Create(CultureInfo.InvariantCulture, $"{dims[0]} images of {dims[1]}×{dims[2]} pixels")
        : string.Create(CultureInfo.InvariantCulture, $"{dims[0]} labels");

    private static string Mismatch(string kind, string what, long expected, long actual) => actual < expected
        ? string.Create(CultureInfo.InvariantCulture, $"truncated: the header describes {what}, so the {kind} should be {expected} bytes long, but it is {actual} bytes ({expected - actual} missing)")
        : string.Create(CultureInfo.InvariantCulture, $"{actual - expected} trailing bytes: the header describes {what}, so the {kind} should be {expected} bytes long, but it is {actual} bytes");
}
