using System.Buffers.Binary;
using System.IO.Compression;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// Issue 4, test (f), IDX part: the reader accepts raw and gzip files (told apart by content, not name) and
/// rejects truncated, wrong-magic and inconsistent files (trailing bytes, label count ≠ image count, a label
/// that is not a digit, a forged header) with an error naming the file and what was expected and found.
/// Every file is generated in a fresh temporary folder.
/// </summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("idx-tests-");

    /// <summary>Raw and gzip files give the same images and labels, whatever their names say.</summary>
    [Fact]
    public void Reads_raw_and_gzip_alike_detected_by_content()
    {
        var (images, labels) = Sample(5, 3, 4);
        var raw = Write("raw-images-named.gz", IdxFile.Images(5, 3, 4, images));
        var gz = Write("gzip-images-plain-name", IdxFile.Gzip(IdxFile.Images(5, 3, 4, images)));
        foreach (var path in new[] { raw, gz })
        {
            var read = IdxReader.ReadImages(path);
            Assert.Equal((5, 3, 4), (read.Count, read.Rows, read.Columns));
            Assert.Equal(images, read.Pixels);
        }

        Assert.Equal(labels, IdxReader.ReadLabels(Write("l", IdxFile.Labels(labels))));
        Assert.Equal(labels, IdxReader.ReadLabels(Write("l.gz", IdxFile.Gzip(IdxFile.Labels(labels)))));
    }

    /// <summary>A raw file missing its last bytes: "truncated", with the expected and actual lengths.</summary>
    [Fact]
    public void Truncated_raw_file_is_rejected_with_both_lengths()
    {
        var (images, _) = Sample(10, 28, 28);
        var bytes = IdxFile.Images(10, 28, 28, images);
        var path = Write("truncated", bytes[..^100]);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(
            $"{path}: truncated: the header describes 10 images of 28×28 pixels, so the file should be 7856 bytes long, but it is 7756 bytes (100 missing)",
            e.Message);
        Assert.Equal(path, e.Path);
    }

    /// <summary>A gzip file whose content is short, and one whose compressed stream is cut: both rejected, naming the file.</summary>
    [Fact]
    public void Truncated_gzip_file_is_rejected()
    {
        var (images, _) = Sample(10, 28, 28);
        var bytes = IdxFile.Images(10, 28, 28, images);
        var shortContent = Write("short.gz", IdxFile.Gzip(bytes[..^7]));
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(shortContent));
        Assert.Equal(
            $"{shortContent}: truncated: the header describes 10 images of 28×28 pixels, so the decompressed content should be 7856 bytes long, but it is 7849 bytes (7 missing)",
            e.Message);

        var gzip = IdxFile.Gzip(bytes);
        var cut = Write("cut.gz", gzip[..(gzip.Length / 2)]);
        var f = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(cut));
        Assert.StartsWith($"{cut}: ", f.Message);
        Assert.True(f.Message.Contains("truncated") || f.Message.Contains("corrupt"), f.Message);
    }

    /// <summary>Bytes after the data the header describes are an error too, raw or gzip.</summary>
    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        var labels = new byte[] { 1, 2, 3 };
        var bytes = IdxFile.Labels(labels).Concat(new byte[] { 9, 9 }).ToArray();
        var raw = Write("trailing", bytes);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(raw));
        Assert.Equal($"{raw}: 2 trailing bytes: the header describes 3 labels, so the file should be 11 bytes long, but it is 13 bytes", e.Message);
        var gz = Write("trailing.gz", IdxFile.Gzip(bytes));
        var f = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(gz));
        Assert.Equal($"{gz}: 2 trailing bytes: the header describes 3 labels, so the decompressed content should be 11 bytes long, but it is 13 bytes", f.Message);
    }

    /// <summary>A wrong magic number is named with the expected one; swapped images and labels files get a hint.</summary>
    [Fact]
    public void Wrong_magic_is_rejected_with_expected_and_actual()
    {
        var bytes = IdxFile.Images(1, 2, 2, [1, 2, 3, 4]);
        bytes[3] = 0x02;
        var path = Write("wrong-magic", bytes);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(
            $"{path}: wrong magic number 0x00000802, expected 0x00000803 (an IDX images file: unsigned bytes, 3 dimensions) (2 dimensions, expected 3)",
            e.Message);

        var labels = Write("labels-as-images", IdxFile.Labels([1, 2]));
        var s = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(labels));
        Assert.Contains("wrong magic number 0x00000801, expected 0x00000803", s.Message);
        Assert.Contains("swapped", s.Message);

        var text = Write("not-idx.gz", "hello, world"u8.ToArray());
        var t = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(text));
        Assert.Contains("wrong magic number 0x68656C6C, expected 0x00000801", t.Message);
        Assert.Contains("not an IDX file", t.Message);
    }

    /// <summary>Empty files and files cut inside the header say how long they are and how long the header is.</summary>
    [Fact]
    public void Short_headers_are_rejected()
    {
        var empty = Write("empty", []);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(empty));
        Assert.Equal($"{empty}: the file is 0 bytes long, too short for the 4-byte magic number 0x00000803 of an IDX images file: unsigned bytes, 3 dimensions", e.Message);
        var cut = Write("cut-header", IdxFile.Images(1, 2, 2, [1, 2, 3, 4])[..10]);
        var f = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(cut));
        Assert.Equal(
            $"{cut}: truncated header: the file ends 10 bytes in, but an IDX images file: unsigned bytes, 3 dimensions has a 16-byte header (magic number and 3 dimension sizes)",
            f.Message);
    }

    /// <summary>
    /// A forged header claiming far more data than the file holds fails before anything of that size is
    /// allocated: raw files by their length, gzip files because the buffer grows only with the data that arrives.
    /// </summary>
    [Fact]
    public void Forged_headers_allocate_nothing_of_the_claimed_size()
    {
        var huge = Write("huge", IdxFile.Header(0x803, [int.MaxValue, int.MaxValue, int.MaxValue]));
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(huge));
        Assert.Contains($"describe more than {Array.MaxLength} bytes", e.Message);

        // 1,000,000 images of 1000×1 pixels: 1 GB claimed, 4 bytes present.
        var header = IdxFile.Header(0x803, [1_000_000, 1000, 1]).Concat(new byte[] { 1, 2, 3, 4 }).ToArray();
        var raw = Write("claims-1GB", header);
        var gz = Write("claims-1GB.gz", IdxFile.Gzip(header));
        foreach (var path in new[] { raw, gz })
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var f = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("truncated: the header describes 1000000 images of 1000×1 pixels", f.Message);
            Assert.True(allocated < 16 << 20, $"reading {path} allocated {allocated} bytes");
        }
    }

    /// <summary>Mnist.LoadFiles refuses a labels file whose count differs from the images file's, naming both files and counts.</summary>
    [Fact]
    public void Label_count_must_match_image_count()
    {
        var (images, labels) = Sample(4, 2, 2);
        var imagesPath = Write("images", IdxFile.Images(4, 2, 2, images));
        var labelsPath = Write("labels", IdxFile.Labels(labels[..3]));
        var e = Assert.Throws<IdxFormatException>(() => Mnist.LoadFiles(imagesPath, labelsPath, ReferenceBackend.Instance));
        Assert.Equal($"{labelsPath}: 3 labels, but the images file {imagesPath} holds 4 images; expected one label per image", e.Message);
    }

    /// <summary>A label that is not a digit is refused, naming its position.</summary>
    [Fact]
    public void Labels_must_be_digits()
    {
        var (images, _) = Sample(3, 2, 2);
        var imagesPath = Write("images", IdxFile.Images(3, 2, 2, images));
        var labelsPath = Write("labels", IdxFile.Labels([0, 12, 3]));
        var e = Assert.Throws<IdxFormatException>(() => Mnist.LoadFiles(imagesPath, labelsPath, ReferenceBackend.Instance));
        Assert.Equal($"{labelsPath}: label 12 at position 1 is not a digit 0–9", e.Message);
    }

    /// <summary>A directory in LeCun's layout loads its training and test sets; the layouts and scaling options apply.</summary>
    [Fact]
    public void Loads_lecun_layout_with_options()
    {
        var (trainImages, trainLabels) = Sample(6, 28, 28);
        var (testImages, testLabels) = Sample(2, 28, 28, seed: 2);
        Write("train-images-idx3-ubyte.gz", IdxFile.Gzip(IdxFile.Images(6, 28, 28, trainImages)));
        Write("train-labels-idx1-ubyte", IdxFile.Labels(trainLabels));
        Write("t10k-images.idx3-ubyte", IdxFile.Images(2, 28, 28, testImages));
        Write("t10k-labels.idx1-ubyte.gz", IdxFile.Gzip(IdxFile.Labels(testLabels)));

        var train = Mnist.Load(folder.FullName, ReferenceBackend.Instance);
        Assert.Equal(new Shape(6, 784), train.Inputs.Shape);
        Assert.Equal(new Shape(6, 10), train.Targets.Shape);
        Assert.Equal(trainLabels.Select(b => (int)b), train.Labels!);
        Assert.Equal(trainImages.Select(b => b / 255.0), train.Inputs.ToArray());
        Assert.Equal(OneHot.Encode(train.Labels!, 10, ReferenceBackend.Instance).ToArray(), train.Targets.ToArray());

        var test = Mnist.LoadTest(folder.FullName, ReferenceBackend.Instance, scaleTo01: false, layout: MnistLayout.Images);
        Assert.Equal(new Shape(2, 1, 28, 28), test.Inputs.Shape);
        Assert.Equal(testImages.Select(b => (double)b), test.Inputs.ToArray());
    }

    /// <summary>A directory without MNIST files says what was looked for and what is there.</summary>
    [Fact]
    public void Missing_files_are_listed()
    {
        Write("readme.txt", "x"u8.ToArray());
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder.FullName, ReferenceBackend.Instance));
        Assert.Contains("looked for images-idx3-ubyte[.gz] + labels-idx1-ubyte[.gz], or train-images-idx3-ubyte[.gz]", e.Message);
        Assert.Contains("it holds: readme.txt", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => Mnist.Load(Path.Combine(folder.FullName, "nope"), ReferenceBackend.Instance));
    }

    /// <inheritdoc />
    public void Dispose() => folder.Delete(recursive: true);

    private static (byte[] Images, byte[] Labels) Sample(int count, int rows, int columns, long seed = 1)
    {
        var key = Key.FromSeed(seed);
        var images = key.Fold(0).Uniform(count * rows * columns).Select(u => (byte)(u * 256)).ToArray();
        var labels = key.Fold(1).Uniform(count).Select(u => (byte)(u * 10)).ToArray();
        return (images, labels);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

/// <summary>Builds IDX files byte by byte (big-endian header, then the data), for tests.</summary>
public static class IdxFile
{
    /// <summary>The header: the magic number, then each dimension.</summary>
    public static byte[] Header(uint magic, int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), (uint)dims[i]);
        }

        return header;
    }

    /// <summary>An idx3-ubyte images file.</summary>
    public static byte[] Images(int count, int rows, int columns, byte[] pixels) => [.. Header(0x803, [count, rows, columns]), .. pixels];

    /// <summary>An idx1-ubyte labels file.</summary>
    public static byte[] Labels(byte[] labels) => [.. Header(0x801, [labels.Length]), .. labels];

    /// <summary>The bytes gzip-compressed.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }
}
