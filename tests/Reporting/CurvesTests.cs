using Functional.Nets.Reporting;

namespace Functional.Nets.Tests.Reporting;

/// <summary>Learning curves as PNG.</summary>
public sealed class CurvesTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A run with validation writes a PNG of the requested size, creating the directory.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Writes_a_png(bool validation)
    {
        var (_, history) = TinyRun.Fit(epochs: 4, validation);
        var directory = Directory.CreateTempSubdirectory("fnets-curves-").FullName;
        try
        {
            var path = Path.Combine(directory, "nested", "curves.png");
            Curves.WritePng(history, path, "tiny", width: 640, height: 320);

            var bytes = File.ReadAllBytes(path);
            Assert.Equal(PngSignature, bytes[..8]);

            // The IHDR chunk holds the width and height as big-endian 32-bit integers at bytes 16 and 20.
            Assert.Equal(640, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
            Assert.Equal(320, (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A history with no epochs has nothing to plot and says so.</summary>
    [Fact]
    public void Refuses_an_empty_history()
    {
        var e = Assert.Throws<ArgumentException>(() => Curves.WritePng(new History(), Path.Combine(Path.GetTempPath(), "never.png")));
        Assert.Contains("no epochs", e.Message);
    }

    /// <summary>Named series against their index, on a linear or a log axis, give a PNG of the requested size.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Writes_series_as_a_png(bool logY)
    {
        var directory = Directory.CreateTempSubdirectory("fnets-series-").FullName;
        try
        {
            var path = Path.Combine(directory, "nested", "series.png");

            // A zero and a NaN: left out of the line (the zero only on the log axis), never an error while finite values remain.
            Curves.WriteSeriesPng(path, [("a", [1.0, 0.5, 0.25, double.NaN]), ("b", [0.0, 2, 4, 8])], "two lines", "step", "value", logY, width: 500, height: 300);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(PngSignature, bytes[..8]);
            Assert.Equal(500, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
            Assert.Equal(300, (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>No series, or a series with nothing plottable, is refused with its name.</summary>
    [Fact]
    public void Refuses_series_with_nothing_to_plot()
    {
        var path = Path.Combine(Path.GetTempPath(), "never.png");
        Assert.Contains("at least one series", Assert.Throws<ArgumentException>(() => Curves.WriteSeriesPng(path, [], "t", "x", "y")).Message);
        var e = Assert.Throws<ArgumentException>(() => Curves.WriteSeriesPng(path, [("norms", [0.0, -1])], "t", "x", "y", logY: true));
        Assert.Contains("'norms'", e.Message);
        Assert.False(File.Exists(path));
    }
}
