using SkiaSharp;

namespace Functional.Nets.Reporting;

/// <summary>
/// A grid of small gray images as one PNG: a convolution's filters ([C_out, 1, kh, kw]), one input's feature maps
/// ([C, H, W]) or a batch of generated digits ([N, 1, 28, 28]). Each tile is scaled on its own from its minimum
/// (black) to its maximum (white), as filter pictures are usually shown, or all tiles share one scale.
/// </summary>
public static class ImageGrid
{
    /// <summary>Writes the images of <paramref name="images"/> to <paramref name="path"/> (PNG); its directory is created if missing.</summary>
    /// <param name="path">The PNG file to create or replace.</param>
    /// <param name="images">[N, H, W], or [N, 1, H, W] (one channel); any backend and dtype.</param>
    /// <param name="columns">Tiles per row (the last row may be short).</param>
    /// <param name="scale">Pixels per image entry, in each direction (≥ 1).</param>
    /// <param name="shareScale">Whether all tiles share one gray scale (the whole tensor's min and max) instead of one each.</param>
    /// <returns>The image's (width, height) in pixels.</returns>
    /// <exception cref="ArgumentException">A rank other than 3 or 4, more than one channel, no images, or a non-positive columns or scale; the message gives the shape.</exception>
    public static (int Width, int Height) WritePng(string path, Tensor images, int columns = 8, int scale = 4, bool shareScale = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var shape = images.Shape;
        if (!(shape.Rank == 3 || (shape.Rank == 4 && shape[1] == 1)) || shape[0] == 0)
        {
            throw new ArgumentException($"ImageGrid.WritePng: expected images [N, H, W] or [N, 1, H, W] with N ≥ 1, got {shape}", nameof(images));
        }

        var (n, h, w) = (shape[0], shape[shape.Rank - 2], shape[shape.Rank - 1]);
        var values = images.ToArray();
        var rows = (n + columns - 1) / columns;
        var cols = Math.Min(columns, n);
        const int Gap = 2;

        // Checked: a grid too large for one bitmap is an error, not a wrapped size.
        var width = checked((cols * ((w * scale) + Gap)) + Gap);
        var height = checked((rows * ((h * scale) + Gap)) + Gap);
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(96, 96, 96));
        var (allLow, allHigh) = Range(values, 0, values.Length);
        for (var i = 0; i < n; i++)
        {
            var offset = i * h * w;
            var (low, high) = shareScale ? (allLow, allHigh) : Range(values, offset, h * w);
            var x0 = Gap + ((i % columns) * ((w * scale) + Gap));
            var y0 = Gap + ((i / columns) * ((h * scale) + Gap));
            for (var r = 0; r < h; r++)
            {
                for (var c = 0; c < w; c++)
                {
                    // gray = 255·(v − min)/(max − min); a constant tile is mid-gray.
                    var v = values[offset + (r * w) + c];
                    var gray = high > low ? (byte)Math.Round(255 * (v - low) / (high - low)) : (byte)128;
                    for (var dy = 0; dy < scale; dy++)
                    {
                        for (var dx = 0; dx < scale; dx++)
                        {
                            bitmap.SetPixel(x0 + (c * scale) + dx, y0 + (r * scale) + dy, new SKColor(gray, gray, gray));
                        }
                    }
                }
            }
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
        return (width, height);
    }

    // The finite minimum and maximum of values[offset .. offset + count).
    private static (double Low, double High) Range(double[] values, int offset, int count)
    {
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        for (var i = offset; i < offset + count; i++)
        {
            if (double.IsFinite(values[i]))
            {
                low = Math.Min(low, values[i]);
                high = Math.Max(high, values[i]);
            }
        }

        return double.IsFinite(low) ? (low, high) : (0, 0);
    }
}
