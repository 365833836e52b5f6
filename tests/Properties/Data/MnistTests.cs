using System.Diagnostics;
using System.Runtime.CompilerServices;
using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// The real data: <c>../shared/data/mnist10k</c> next to the repository (10,000 gzip-compressed MNIST digits)
/// loads as 10,000 samples of 784 pixels in [0, 1] with labels 0–9, on the Reference and Torch backends.
/// Load times are printed to the test output.
/// </summary>
public sealed class MnistTests(ITestOutputHelper output)
{
    /// <summary>10,000 images [10000, 784] in [0, 1] (min 0, max 1), labels 0–9 all present, one-hot targets.</summary>
    [Theory]
    [InlineData(BackendCombinations.Reference)]
    [InlineData(BackendCombinations.TorchCpuFloat32)]
    public void Loads_the_shared_mnist10k(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var directory = SharedData.Mnist10k();
        var watch = Stopwatch.StartNew();
        using var data = Mnist.Load(directory, backend);
        watch.Stop();
        output.WriteLine($"Mnist.Load({directory}) on {combination}: {watch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(10_000, data.Count);
        Assert.Equal(new Shape(10_000, 784), data.Inputs.Shape);
        Assert.Equal(new Shape(10_000, 10), data.Targets.Shape);
        var labels = data.Labels!;
        Assert.Equal(Enumerable.Range(0, 10), labels.Distinct().Order());
        var pixels = data.Inputs.ToArray();
        Assert.Equal(0.0, pixels.Min());
        Assert.Equal(1.0, pixels.Max());
        Assert.All(pixels, p => Assert.True(p >= 0 && p <= 1));

        // Every pixel is k/255 for a byte k: the same double in float64, rounded once to float32 (relative error ≤ 2⁻²⁴).
        var tolerance = backend.DType == DType.Float64 ? 0 : Math.Pow(2, -24);
        Assert.All(pixels, p => Assert.True(Math.Abs(p - Math.Round(p * 255) / 255) <= tolerance * p, $"pixel {p:R} is not k/255"));

        var targets = data.Targets.ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            for (var c = 0; c < 10; c++)
            {
                Assert.Equal(c == labels[i] ? 1.0 : 0.0, targets[i * 10 + c]);
            }
        }

        // The class frequencies of MNIST are 9–11% each.
        foreach (var group in labels.GroupBy(l => l))
        {
            Assert.InRange(group.Count(), 800, 1200);
        }

        output.WriteLine($"class counts: {string.Join(", ", labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}");
    }

    /// <summary>The image layout and raw bytes give the same pixels as [10000, 1, 28, 28] in 0–255; labels as the flat layout.</summary>
    [Fact]
    public void Image_layout_and_raw_scale()
    {
        var directory = SharedData.Mnist10k();
        var flat = Mnist.Load(directory, ReferenceBackend.Instance);
        var images = Mnist.Load(directory, ReferenceBackend.Instance, scaleTo01: false, layout: MnistLayout.Images);
        Assert.Equal(new Shape(10_000, 1, 28, 28), images.Inputs.Shape);
        Assert.Equal(flat.Labels!, images.Labels!);
        Assert.Equal(flat.Inputs.ToArray().Select(p => Math.Round(p * 255)), images.Inputs.ToArray());
    }

    /// <summary>The conventional split (first 8,000 train, last 2,000 test) and a stratified split keep MNIST's class balance.</summary>
    [Fact]
    public void Stratified_split_of_mnist10k_keeps_class_frequencies()
    {
        var data = Mnist.Load(SharedData.Mnist10k(), ReferenceBackend.Instance);
        var (train, validation) = data.Slice(0, 8000).StratifiedSplit(0.1, Key.FromSeed(1));
        Assert.Equal(800, validation.Count);
        Assert.Equal(7200, train.Count);
        var trainCounts = train.Labels!.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        foreach (var g in validation.Labels!.GroupBy(l => l))
        {
            var exact = 0.1 * (trainCounts[g.Key] + g.Count());
            Assert.InRange(g.Count(), Math.Floor(exact), Math.Ceiling(exact));
        }

        var s = Standardizer.Fit(train.Inputs);
        output.WriteLine($"{s} on the first 7,200 training digits");
        var zca = Whitening.FitZca(train.Inputs, epsilon: 0.1);
        var y = zca.Transform(validation.Inputs);
        Assert.All(y.ToArray(), v => Assert.True(double.IsFinite(v)));
    }
}

/// <summary>Finds the shared data folder next to the repository (<c>../shared/data</c> from the folder holding Functional.sln).</summary>
public static class SharedData
{
    /// <summary>The mnist10k folder, or a failure saying where it was looked for.</summary>
    public static string Mnist10k([CallerFilePath] string sourceFile = "")
    {
        // The test binaries may live outside the repository (--artifacts-path), so three starting points are
        // tried: the binaries' folder, the working directory and this source file's folder as compiled.
        var starts = new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? "" };
        foreach (var start in starts.Where(s => s.Length > 0))
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
                {
                    var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "mnist10k"));
                    if (Directory.Exists(data))
                    {
                        return data;
                    }

                    Assert.Fail($"the repository is {dir.FullName}, but the MNIST data folder {data} is missing; it should hold images-idx3-ubyte.gz and labels-idx1-ubyte.gz (see DESIGN.md, Data)");
                }
            }
        }

        Assert.Fail($"no folder holding Functional.sln above any of {string.Join(", ", starts)}, so ../shared/data/mnist10k cannot be located");
        return "";
    }
}
