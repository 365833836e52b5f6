namespace Functional.Nets;

/// <summary>The shape <see cref="Mnist"/> gives the inputs.</summary>
public enum MnistLayout
{
    /// <summary>[N, rows·columns]: one row of 784 pixels per digit, for dense networks.</summary>
    Flat,

    /// <summary>[N, 1, rows, columns]: one-channel images (NCHW), for convolutional networks.</summary>
    Images,
}

/// <summary>
/// MNIST (and any dataset in its IDX layout: Fashion-MNIST, KMNIST) as a <see cref="Dataset"/>: inputs from
/// the images file, one-hot targets [N, 10] and <see cref="Dataset.Labels"/> from the labels file.
/// </summary>
/// <remarks>
/// A directory may hold LeCun's four files (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each optionally ending in <c>.gz</c>; the
/// variant spelling <c>train-images.idx3-ubyte</c> is accepted too) or a single pair
/// <c>images-idx3-ubyte.gz</c> + <c>labels-idx1-ubyte.gz</c> (as <c>shared/data/mnist10k</c>). Whether a
/// file is gzip-compressed is read from its content, not its name. See <see cref="IdxReader"/> for the checks.
/// </remarks>
public static class Mnist
{
    /// <summary>The number of classes (digits 0–9).</summary>
    public const int Classes = 10;

    /// <summary>
    /// The single pair <c>images-idx3-ubyte</c> + <c>labels-idx1-ubyte</c> of <paramref name="directory"/> if it
    /// has one, otherwise its training files <c>train-images-idx3-ubyte</c> + <c>train-labels-idx1-ubyte</c>
    /// (each with or without <c>.gz</c>).
    /// </summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <param name="backend">Where the tensors live.</param>
    /// <param name="scaleTo01">Pixels as p/255 ∈ [0, 1] (default) or as the raw bytes 0–255.</param>
    /// <param name="layout">[N, 784] (default) or [N, 1, 28, 28].</param>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="FileNotFoundException">Neither pair is there; the message lists the names looked for and the files present.</exception>
    /// <exception cref="IdxFormatException">A file is malformed, the counts differ, or a label is not a digit.</exception>
    public static Dataset Load(string directory, Backend backend, bool scaleTo01 = true, MnistLayout layout = MnistLayout.Flat)
    {
        var pair = Find(directory, "images-idx3-ubyte", "labels-idx1-ubyte") ?? Find(directory, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")
            ?? throw Missing(directory, "images-idx3-ubyte[.gz] + labels-idx1-ubyte[.gz], or train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz]");
        return LoadFiles(pair.Images, pair.Labels, backend, scaleTo01, layout);
    }

    /// <summary>The test files <c>t10k-images-idx3-ubyte</c> + <c>t10k-labels-idx1-ubyte</c> (each with or without <c>.gz</c>) of <paramref name="directory"/>.</summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <param name="backend">Where the tensors live.</param>
    /// <param name="scaleTo01">Pixels as p/255 ∈ [0, 1] (default) or as the raw bytes 0–255.</param>
    /// <param name="layout">[N, 784] (default) or [N, 1, 28, 28].</param>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="FileNotFoundException">The pair is not there; the message lists the names looked for and the files present.</exception>
    /// <exception cref="IdxFormatException">A file is malformed, the counts differ, or a label is not a digit.</exception>
    public static Dataset LoadTest(string directory, Backend backend, bool scaleTo01 = true, MnistLayout layout = MnistLayout.Flat)
    {
        var pair = Find(directory, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
            ?? throw Missing(directory, "t10k-images-idx3-ubyte[.gz] + t10k-labels-idx1-ubyte[.gz] (a directory with a single images/labels pair has no separate test set: split it with Dataset.Slice)");
        return LoadFiles(pair.Images, pair.Labels, backend, scaleTo01, layout);
    }

    /// <summary>An images file and a labels file, by path.</summary>
    /// <param name="imagesPath">An idx3-ubyte file, raw or gzip.</param>
    /// <param name="labelsPath">An idx1-ubyte file, raw or gzip, with as many labels as there are images, each 0–9.</param>
    /// <param name="backend">Where the tensors live.</param>
    /// <param name="scaleTo01">Pixels as p/255 ∈ [0, 1] (default) or as the raw bytes 0–255.</param>
    /// <param name="layout">[N, rows·columns] (default) or [N, 1, rows, columns].</param>
    /// <exception cref="IdxFormatException">A file is malformed, the counts differ, or a label is not a digit.</exception>
    public static Dataset LoadFiles(string imagesPath, string labelsPath, Backend backend, bool scaleTo01 = true, MnistLayout layout = MnistLayout.Flat)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var images = IdxReader.ReadImages(imagesPath);
        var labelBytes = IdxReader.ReadLabels(labelsPath);
        if (labelBytes.Length != images.Count)
        {
            throw new IdxFormatException(
                labelsPath, $"{labelBytes.Length} labels, but the images file {imagesPath} holds {images.Count} images; expected one label per image");
        }

        var labels = new int[labelBytes.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= Classes)
            {
                throw new IdxFormatException(labelsPath, $"label {labels[i]} at position {i} is not a digit 0–{Classes - 1}");
            }
        }

        // k/255 correctly rounded (not k·(1/255), which differs in the last bit for some k), looked up per byte.
        var value = new double[256];
        for (var k = 0; k < value.Length; k++)
        {
            value[k] = scaleTo01 ? k / 255.0 : k;
        }

        var pixels = new double[images.Pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = value[images.Pixels[i]];
        }

        var shape = layout switch
        {
            MnistLayout.Flat => new Shape(images.Count, checked(images.Rows * images.Columns)),
            MnistLayout.Images => new Shape(images.Count, 1, images.Rows, images.Columns),
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "Mnist: unknown layout"),
        };

        var inputs = backend.FromArray(pixels, shape);
        try
        {
            return new Dataset(inputs, OneHot.Encode(labels, Classes, backend), labels);
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    private static (string Images, string Labels)? Find(string directory, string images, string labels)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Mnist: no directory {Path.GetFullPath(directory)}");
        }

        var imagesPath = Existing(directory, images);
        var labelsPath = Existing(directory, labels);
        return imagesPath is not null && labelsPath is not null ? (imagesPath, labelsPath) : null;
    }

    /// <summary>The first existing file among name, name.gz and the dotted spelling (train-images.idx3-ubyte) with or without .gz.</summary>
    private static string? Existing(string directory, string name)
    {
        var dash = name.LastIndexOf("-idx", StringComparison.Ordinal);
        var dotted = dash > 0 ? name[..dash] + "." + name[(dash + 1)..] : name;
        string[] candidates = [name, name + ".gz", dotted, dotted + ".gz"];
        return candidates.Select(c => Path.Combine(directory, c)).FirstOrDefault(File.Exists);
    }

    private static FileNotFoundException Missing(string directory, string lookedFor)
    {
        var present = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).Order().Take(20).ToArray();
        return new FileNotFoundException(
            $"Mnist: {Path.GetFullPath(directory)} holds no MNIST files; looked for {lookedFor}; it holds: {(present.Length == 0 ? "nothing" : string.Join(", ", present))}");
    }
}
