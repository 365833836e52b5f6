using System.Buffers.Binary;
using System.Text;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// Issue 11, point 2: a gzip IDX file is checked as Python's gzip checks it. A bad CRC-32, a wrong ISIZE or a
/// trailer cut off (in part or whole) is refused with an <see cref="IdxFormatException"/> naming the file and
/// the member; a file of several members (and zero padding after the last) reads as their concatenation.
/// Before this, .NET's GZipStream read all of the damaged files as if they were whole.
/// </summary>
public sealed class GzipIntegrityTests : IDisposable
{
    // The bytes of an idx1-ubyte header (magic number and count) before the labels.
    private const int IdxHeader = 8;

    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("gzip-integrity-");

    /// <summary>The CRC-32 is the standard one (the check value of "123456789" is 0xCBF43926), also when appended piece by piece.</summary>
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        var bytes = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xCBF43926u, Crc32.Append(0, bytes));
        Assert.Equal(0xCBF43926u, Crc32.Append(Crc32.Append(0, bytes.AsSpan(0, 4)), bytes.AsSpan(4)));
        Assert.Equal(0u, Crc32.Append(0, []));
    }

    /// <summary>One wrong bit in the stored CRC-32 is refused, with both CRCs in the message.</summary>
    [Fact]
    public void Bad_crc_is_refused_naming_the_file()
    {
        var (gzip, _) = Labels(500);
        gzip[^8] ^= 0x01;
        var path = Write("bad-crc.gz", gzip);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));
        Assert.StartsWith($"{path}: the gzip stream is corrupt or truncated: member 1 at byte 0: CRC-32 check failed", e.Message);
        Assert.Equal(path, e.Path);
    }

    /// <summary>A wrong ISIZE (length mod 2^32) is refused, with both lengths.</summary>
    [Fact]
    public void Wrong_isize_is_refused_naming_the_file()
    {
        var (gzip, content) = Labels(500);
        BinaryPrimitives.WriteUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4), (uint)content.Length + 1);
        var path = Write("bad-isize.gz", gzip);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains($"length check failed: it decompresses to {content.Length} bytes", e.Message);
        Assert.Contains($"the trailer says {content.Length + 1}", e.Message);
        Assert.StartsWith($"{path}: ", e.Message);
    }

    /// <summary>Cutting 1 to 8 bytes off the end (the trailer, in part or whole) is refused as a cut-off trailer.</summary>
    [Fact]
    public void Cut_trailer_is_refused_for_every_cut_length()
    {
        var (gzip, _) = Labels(500);
        for (var cut = 1; cut <= 8; cut++)
        {
            var path = Write($"cut-{cut}.gz", gzip[..^cut]);
            var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));
            Assert.StartsWith($"{path}: ", e.Message);
            Assert.Contains($"its 8-byte trailer (CRC-32 and length) is cut off: the file ends {8 - cut} bytes after the compressed data", e.Message);
        }
    }

    /// <summary>Several members read as their concatenation, with or without zero padding after the last one.</summary>
    [Fact]
    public void Multi_member_files_read_as_their_concatenation()
    {
        var (_, content) = Labels(3000);
        byte[] joined = [.. IdxFile.Gzip(content[..7]), .. IdxFile.Gzip(content[7..1000]), .. IdxFile.Gzip([]), .. IdxFile.Gzip(content[1000..])];
        Assert.Equal(content[IdxHeader..], IdxReader.ReadLabels(Write("members.gz", joined)));
        Assert.Equal(content[IdxHeader..], IdxReader.ReadLabels(Write("padded.gz", [.. joined, .. new byte[13]])));
    }

    /// <summary>A damaged second member is caught too, named by its number and offset.</summary>
    [Fact]
    public void Damage_in_a_later_member_is_refused()
    {
        var (_, content) = Labels(3000);
        var first = IdxFile.Gzip(content[..100]);
        var second = IdxFile.Gzip(content[100..]);
        second[^5] ^= 0x80;
        var path = Write("second-bad.gz", [.. first, .. second]);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains($"member 2 at byte {first.Length}: CRC-32 check failed", e.Message);
    }

    /// <summary>Bytes after the last member that are neither zero padding nor another member are refused.</summary>
    [Fact]
    public void Garbage_after_the_last_member_is_refused()
    {
        var (gzip, _) = Labels(50);
        var path = Write("garbage.gz", [.. gzip, 0x41, 0x42]);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains("2 bytes follow member 1 that are not another gzip member", e.Message);

        var padded = Write("padded-garbage.gz", [.. gzip, 0, 0, 0x41]);
        var f = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(padded));
        Assert.Contains($"after member 1 and its zero padding, byte {gzip.Length + 2} is 0x41", f.Message);
    }

    /// <summary>Mnist.LoadFiles passes the refusal on, naming the damaged file.</summary>
    [Fact]
    public void Mnist_refuses_a_damaged_gzip_labels_file()
    {
        var images = Write("images", IdxFile.Images(4, 2, 2, new byte[16]));
        var labels = IdxFile.Gzip(IdxFile.Labels([1, 2, 3, 4]));
        labels[^7] ^= 0x10;
        var labelsPath = Write("labels.gz", labels);
        var e = Assert.Throws<IdxFormatException>(() => Mnist.LoadFiles(images, labelsPath, ReferenceBackend.Instance));
        Assert.StartsWith($"{labelsPath}: the gzip stream is corrupt or truncated: member 1 at byte 0: CRC-32 check failed", e.Message);
    }

    /// <summary>A header with the optional name, comment, extra field and header CRC (as other gzip writers make) is read.</summary>
    [Fact]
    public void Optional_header_fields_are_skipped()
    {
        var (gzip, content) = Labels(200);
        byte[] extra = [4, 0, 1, 2, 3, 4];
        byte[] name = [.. Encoding.ASCII.GetBytes("labels.idx"), 0];
        byte[] comment = [.. Encoding.ASCII.GetBytes("made by hand"), 0];
        var header = gzip[..10];
        header[3] = 0x04 | 0x08 | 0x10 | 0x02;
        byte[] rebuilt = [.. header, .. extra, .. name, .. comment, 0xAB, 0xCD, .. gzip[10..]];
        Assert.Equal(content[IdxHeader..], IdxReader.ReadLabels(Write("fields.gz", rebuilt)));
    }

    /// <inheritdoc />
    public void Dispose() => folder.Delete(recursive: true);

    /// <summary>A gzip labels file of <paramref name="count"/> labels, and its uncompressed content.</summary>
    private static (byte[] Gzip, byte[] Content) Labels(int count)
    {
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i * 7 % 10)).ToArray();
        var content = IdxFile.Labels(labels);
        return (IdxFile.Gzip(content), content);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
