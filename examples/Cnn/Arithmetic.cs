using System.Globalization;

namespace Functional.Nets.Examples.Cnn;

/// <summary>The lecture's convolution arithmetic and its max-pooling example, computed by the layers themselves.</summary>
internal static class Arithmetic
{
    /// <summary>
    /// The four cases of the lecture (Dumoulin and Visin's guide): a 3×3 kernel over a 5×5 input with no, half
    /// and full padding at stride 1, and half padding at stride 2. Each output size is the layer's own
    /// <see cref="Layer.OutputShape"/>, o = ⌊(n + p_before + p_after − d(k − 1) − 1)/s⌋ + 1.
    /// </summary>
    public static void PrintConvolutionTable()
    {
        var cases = new (string Name, int Input, int Kernel, Padding Padding, int Stride)[]
        {
            ("no padding", 5, 3, Padding.None, 1),
            ("half (same) padding", 5, 3, Padding.Half, 1),
            ("full padding", 5, 3, Padding.Full, 1),
            ("half padding, stride 2", 5, 3, Padding.Half, 2),
            ("no padding, stride 2", 7, 3, Padding.None, 2),
        };

        Console.WriteLine("convolution arithmetic (Conv2d(1 → 1).OutputShape on [1, 1, n, n]):");
        Console.WriteLine($"{"case",-24}{"input",7}{"kernel",8}{"padding",9}{"stride",8}{"output",8}");
        foreach (var (name, n, k, padding, stride) in cases)
        {
            var layer = new Conv2d(1, 1, k, stride, padding);
            var output = layer.OutputShape(new Shape(1, 1, n, n));
            var (before, after) = padding.Resolve([k, k], [1, 1], layer.Describe())[0];
            var sides = before == after ? before.ToString(CultureInfo.InvariantCulture) : $"{before},{after}";
            Console.WriteLine($"{name,-24}{$"{n}×{n}",7}{$"{k}×{k}",8}{sides,9}{stride,8}{$"{output[2]}×{output[3]}",8}");
        }

        Console.WriteLine();
    }

    /// <summary>
    /// The lecture's 4×4 max-pooling example, 2×2 windows at stride 2, on <paramref name="backend"/>: the output
    /// and the gradient of the sum of the outputs with respect to the input, which is 1 at each window's maximum
    /// and 0 elsewhere (max-pooling routes the gradient to its arg-max).
    /// </summary>
    public static void PrintMaxPoolExample(Backend backend)
    {
        double[] pixels = [1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4];
        var pool = new MaxPool2d(2);
        var inputs = TensorTree.Of(("x", backend.FromArray(pixels, 1, 1, 4, 4)));
        var output = pool.Apply(TensorTree.Empty, inputs["x"]);
        var (_, gradients) = Grad.ValueAndGrad(p => pool.Apply(TensorTree.Empty, p["x"]).Sum(), inputs);

        Console.WriteLine($"max-pooling 2×2, stride 2, on {backend.Name} {backend.DType.Name()}: input → output; gradient of Σ output w.r.t. the input");
        PrintSideBySide(pixels, 4, output.ToArray(), 2, gradients["x"].ToArray());
        Console.WriteLine();
    }

    private static void PrintSideBySide(double[] input, int n, double[] output, int m, double[] gradient)
    {
        for (var r = 0; r < n; r++)
        {
            var left = Row(input, r, n);
            var middle = r < m ? Row(output, r, m) : new string(' ', m * 3);
            Console.WriteLine($"  {left}   {(r < m ? "→" : " ")}  {middle}      {Row(gradient, r, n)}");
        }
    }

    private static string Row(double[] values, int row, int width) =>
        string.Concat(Enumerable.Range(0, width).Select(c => values[(row * width) + c].ToString("0", CultureInfo.InvariantCulture).PadLeft(3)));
}
