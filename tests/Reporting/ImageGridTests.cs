using Functional.Nets.Reference;
using Functional.Nets.Reporting;
using SkiaSharp;

namespace Functional.Nets.Tests.Reporting;

/// <summary>Grids of small gray images (filters, feature maps, samples) as PNG.</summary>
public sealed class ImageGridTests
{
    /// <summary>Tiles laid out row by row with 2-pixel gaps, each scaled from its own minimum (black) to maximum (white).</summary>
    [Fact]
    public void Lays_out_and_scales_each_tile()
    {
        // Three 2×3 images; the second is constant (mid-gray); the third is the first times 10 plus 5 (the same picture).
        double[] first = [0, 1, 2, 3, 4, 5];
        var values = first.Concat(Enumerable.Repeat(7.0, 6)).Concat(first.Select(v => (10 * v) + 5)).ToArray();
        var images = ReferenceBackend.Instance.FromArray(values, new Shape(3, 1, 2, 3));
        var path = Path.Combine(Directory.CreateTempSubdirectory("fnets-grid-").FullName, "grid.png");
        try
        {
            var (width, height) = ImageGrid.WritePng(path, images, columns: 2, scale: 3);

            // 2 columns of 3·3 pixels and 2 rows of 2·3 pixels, with a 2-pixel gap around every tile.
            Assert.Equal((2 * ((3 * 3) + 2)) + 2, width);
            Assert.Equal((2 * ((2 * 3) + 2)) + 2, height);
            using var png = SKBitmap.Decode(path);
            Assert.Equal(width, png.Width);
            Assert.Equal(height, png.Height);
            byte Gray(int x, int y) => png.GetPixel(x, y).Red;

            // Tile 0 at (2, 2): entry (r, c) covers pixels 2 + 3c .. 2 + 3c + 2; value v ↦ round(255·v/5).
            Assert.Equal(0, Gray(2, 2));
            Assert.Equal(255, Gray(2 + 6 + 2, 2 + 3 + 2));
            Assert.Equal((byte)Math.Round(255 * 1 / 5.0), Gray(2 + 3, 2));
            Assert.Equal(96, Gray(0, 0));                                   // the gap's gray
            Assert.Equal(128, Gray(2 + 11 + 1, 2));                          // tile 1 (constant) is mid-gray
            Assert.Equal(Gray(2 + 3, 2), Gray(2 + 3, 2 + 8));                // tile 2 (second row) scales to the same picture
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>With one shared scale, a tile's grays follow the whole tensor's range.</summary>
    [Fact]
    public void A_shared_scale_uses_the_whole_range()
    {
        var images = ReferenceBackend.Instance.FromArray([0, 1, 0, 3], new Shape(2, 1, 2));
        var path = Path.Combine(Directory.CreateTempSubdirectory("fnets-grid-").FullName, "shared.png");
        try
        {
            ImageGrid.WritePng(path, images, columns: 2, scale: 1, shareScale: true);
            using var png = SKBitmap.Decode(path);
            Assert.Equal((byte)Math.Round(255 / 3.0), png.GetPixel(3, 2).Red);   // tile 0's 1 of [0, 3]
            Assert.Equal(255, png.GetPixel(2 + 2 + 2 + 1, 2).Red);             // tile 1's 3
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>A tensor that is not [N, H, W] or [N, 1, H, W] is refused with its shape.</summary>
    [Fact]
    public void Refuses_other_shapes()
    {
        var rgb = ReferenceBackend.Instance.FromArray(new double[12], new Shape(1, 3, 2, 2));
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.WritePng(Path.Combine(Path.GetTempPath(), "never.png"), rgb));
        Assert.Contains("[1, 3, 2, 2]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.WritePng("x.png", rgb, columns: 0));
    }
}
