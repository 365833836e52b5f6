using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// One generated convolution (or transposed convolution): shapes, stride, padding (asymmetric for convolutions),
/// dilation and groups, with the same operation in our core API (<see cref="Ours"/>) and written directly with
/// <c>torch.nn.functional</c> (<see cref="Peer"/>, asymmetric padding by <c>F.pad</c> first).
/// </summary>
/// <param name="Transposed">A transposed convolution rather than a convolution.</param>
/// <param name="Batch">N.</param>
/// <param name="InGroup">Input channels per group.</param>
/// <param name="OutGroup">Output channels per group.</param>
/// <param name="Groups">Channel groups.</param>
/// <param name="Spatial">Input spatial sizes.</param>
/// <param name="Kernel">Kernel sizes.</param>
/// <param name="Stride">Strides.</param>
/// <param name="Pads">Convolution: (before, after) zeros; transposed: (padding, output padding).</param>
/// <param name="Dilation">Dilations.</param>
/// <param name="Bias">Whether a bias is added.</param>
public sealed record ConvolutionCase(bool Transposed, int Batch, int InGroup, int OutGroup, int Groups, int[] Spatial, int[] Kernel, int[] Stride, (int, int)[] Pads, int[] Dilation, bool Bias)
{
    /// <summary>Generated convolutions (1-d and 2-d), each with a valid output.</summary>
    public static IReadOnlyList<ConvolutionCase> Convolutions { get; } = Enumerable.Range(0, 24).Select(s => Generate(s, transposed: false)).ToArray();

    /// <summary>Generated transposed convolutions (1-d and 2-d).</summary>
    public static IReadOnlyList<ConvolutionCase> Transposes { get; } = Enumerable.Range(0, 12).Select(s => Generate(100 + s, transposed: true)).ToArray();

    /// <summary>Every case, by name.</summary>
    public static IReadOnlyDictionary<string, ConvolutionCase> All { get; } = Convolutions.Concat(Transposes).ToDictionary(c => c.ToString());

    /// <summary>The names, as theory data.</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in All.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    /// <summary>A seed for the case's values, stable across runs (from its name; arrays hash by reference).</summary>
    public int Seed => ToString().Aggregate(17, (h, ch) => unchecked((h * 31) + ch)) & 0xffff;

    /// <summary>The number of spatial axes.</summary>
    public int Rank => Spatial.Length;

    /// <summary>The input's shape, [N, C_in, *S].</summary>
    public Shape InputShape => new([Batch, InGroup * Groups, .. Spatial]);

    /// <summary>The weight's shape: [C_out, C_in/groups, *K], or [C_in, C_out/groups, *K] when transposed.</summary>
    public Shape WeightShape => Transposed ? new([InGroup * Groups, OutGroup, .. Kernel]) : new([OutGroup * Groups, InGroup, .. Kernel]);

    /// <summary>The shapes of the float inputs: x, w and (if any) b.</summary>
    public Shape[] Shapes => Bias ? [InputShape, WeightShape, new Shape(OutGroup * Groups)] : [InputShape, WeightShape];

    /// <summary>The most terms in one output entry's dot product: input channels per group · ΠK (a transposed convolution sums fewer where taps miss).</summary>
    public int DotLength => InGroup * Kernel.Aggregate(1, (a, b) => a * b);

    /// <summary>The operation in our core API.</summary>
    public Functional.Nets.Tensor Ours(IReadOnlyList<Functional.Nets.Tensor> t) => Transposed
        ? t[0].ConvTranspose(t[1], Bias ? t[2] : null, Stride, Pads.Select(p => p.Item1).ToArray(), Pads.Select(p => p.Item2).ToArray(), Dilation, Groups)
        : t[0].Conv(t[1], Bias ? t[2] : null, Stride, Pads, Dilation, Groups);

    /// <summary>The operation written with torch.nn.functional (1-d through the 2-d functions over [N, C, 1, L]).</summary>
    public TorchTensor Peer(IReadOnlyList<TorchTensor> t)
    {
        var one = Rank == 1;
        var x = one ? t[0].unsqueeze(2) : t[0];
        var w = one ? t[1].unsqueeze(2) : t[1];
        var b = Bias ? t[2] : null;
        long[] Two(Func<int, int> f, long unit) => one ? [unit, f(0)] : [f(0), f(1)];
        TorchTensor y;
        if (Transposed)
        {
            y = nn.functional.conv_transpose2d(x, w, b, Two(i => Stride[i], 1), Two(i => Pads[i].Item1, 0), Two(i => Pads[i].Item2, 0), Two(i => Dilation[i], 1), Groups);
        }
        else
        {
            // F.pad's list runs from the last axis backwards.
            var pads = one ? new long[] { Pads[0].Item1, Pads[0].Item2 } : [Pads[1].Item1, Pads[1].Item2, Pads[0].Item1, Pads[0].Item2];
            var padded = nn.functional.pad(x, pads, TorchSharp.PaddingModes.Constant, 0.0);
            y = nn.functional.conv2d(padded, w, b, Two(i => Stride[i], 1), Two(_ => 0, 0), Two(i => Dilation[i], 1), Groups);
        }

        return one ? y.squeeze(2) : y;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var pads = string.Join(" ", Pads.Select(p => $"{p.Item1}/{p.Item2}"));
        return $"{(Transposed ? "convT" : "conv")}{Rank}d x{InputShape} w{WeightShape}{(Bias ? " +b" : "")} s{string.Join("", Stride)} {(Transposed ? "p/op" : "pad")} {pads} d{string.Join("", Dilation)} g{Groups}";
    }

    private static ConvolutionCase Generate(int seed, bool transposed)
    {
        var random = new Random(seed);
        var rank = 1 + (seed % 2);
        var groups = random.Next(1, 4);
        var inGroup = random.Next(1, 4);
        var outGroup = random.Next(1, 3);
        var kernel = new int[rank];
        var stride = new int[rank];
        var dilation = new int[rank];
        var pads = new (int, int)[rank];
        var spatial = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            kernel[i] = random.Next(1, 4);
            stride[i] = random.Next(1, 4);
            dilation[i] = random.Next(1, 3);
            var extent = dilation[i] * (kernel[i] - 1) + 1;
            if (transposed)
            {
                spatial[i] = random.Next(1, rank == 1 ? 7 : 5);
                var full = (spatial[i] - 1) * stride[i] + extent;
                var padding = random.Next(0, Math.Min(3, (full - 1) / 2 + 1));
                pads[i] = (padding, random.Next(0, Math.Max(stride[i], dilation[i])));
            }
            else
            {
                pads[i] = (random.Next(0, 3), random.Next(0, 3));
                spatial[i] = Math.Max(1, extent - pads[i].Item1 - pads[i].Item2) + random.Next(0, rank == 1 ? 7 : 4);
            }
        }

        return new ConvolutionCase(transposed, random.Next(1, 3), inGroup, outGroup, groups, spatial, kernel, stride, pads, dilation, random.Next(0, 3) != 0);
    }
}
