using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// Bad input to the convolutions and their layers is refused in the core (or by the layer, before any backend runs),
/// with a message naming the operation or layer, the expected and the actual: the same message on both backends.
/// </summary>
public sealed class ConvolutionErrorTests
{
    public static TheoryData<string> Cases => new()
    {
        "channels not divisible by groups", "weight channels mismatch", "kernel larger than the padded input", "bias shape",
        "input rank", "zero stride", "padding pair count", "transposed padding leaves no output", "output padding too large",
        "Conv2d image smaller than the kernel", "Conv2d wrong channels", "Conv1d padding leaves no output", "ConvTranspose2d no output",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_backends_refuse_with_the_same_message(string name)
    {
        var messages = new[] { (Backend)ReferenceBackend.Instance, TorchBackend.CpuFloat64 }.Select(b =>
        {
            using var scope = b.Scope();
            var e = Assert.ThrowsAny<Exception>(() => Run(name, b));
            Assert.True(e is ArgumentException or ShapeMismatchException, $"{name} on {b}: {e.GetType().Name}: {e.Message}");
            return e.Message;
        }).ToArray();
        Assert.Equal(messages[0], messages[1]);
        foreach (var word in Expected(name))
        {
            Assert.Contains(word, messages[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Half_padding_with_an_even_kernel_is_refused_by_the_layer()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2d(1, 1, 4, padding: Padding.Half));
        Assert.Contains("Conv2d: half (same) padding needs an odd kernel", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2));
    }

    private static string[] Expected(string name) => name switch
    {
        "channels not divisible by groups" => ["conv2d", "2 groups", "[1, 3, 5, 5]", "3 input channels"],
        "weight channels mismatch" => ["conv2d", "[4, 2, 3, 3]", "expects 2 input channels", "[1, 3, 5, 5]"],
        "kernel larger than the padded input" => ["conv2d", "spatial axis 1", "extent 5", "(3 + 0 + 1 = 4)", "no output"],
        "bias shape" => ["conv1d", "bias must be [4]", "[3]"],
        "input rank" => ["conv2d", "[N, C, H, W] (rank 4)", "[3, 5, 5]"],
        "zero stride" => ["conv2d", "stride", "[1, 0]"],
        "padding pair count" => ["conv2d", "expected 2", "[(1, 1)]"],
        "transposed padding leaves no output" => ["conv_transpose2d", "padding 3", "no output", "= -3"],
        "output padding too large" => ["conv_transpose2d", "output padding 2", "stride (2)"],
        "Conv2d image smaller than the kernel" => ["Conv2d(3→4, kernel 5×5", "at least 5", "[2, 3, 4, 6]"],
        "Conv2d wrong channels" => ["Conv2d(3→4", "[N, 3, H, W]", "[2, 2, 8, 8]"],
        "Conv1d padding leaves no output" => ["Conv1d(2→2, kernel 7", "at least 3", "[1, 2, 2]"],
        "ConvTranspose2d no output" => ["ConvTranspose2d(2→2", "≤ 0", "[1, 2, 1, 1]"],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
    };

    private static void Run(string name, Backend b)
    {
        Tensor Zeros(params int[] dims) => b.FromArray(new double[new Shape(dims).Size], new Shape(dims));
        switch (name)
        {
            case "channels not divisible by groups":
                Zeros(1, 3, 5, 5).Conv(Zeros(4, 1, 3, 3), groups: 2);
                break;
            case "weight channels mismatch":
                Zeros(1, 3, 5, 5).Conv(Zeros(4, 2, 3, 3));
                break;
            case "kernel larger than the padded input":
                Zeros(1, 1, 5, 3).Conv(Zeros(1, 1, 3, 3), padding: [(0, 0), (0, 1)], dilation: [1, 2]);
                break;
            case "bias shape":
                Zeros(1, 2, 5).Conv(Zeros(4, 2, 3), Zeros(3));
                break;
            case "input rank":
                Zeros(3, 5, 5).Conv(Zeros(4, 3, 3, 3));
                break;
            case "zero stride":
                Zeros(1, 1, 5, 5).Conv(Zeros(1, 1, 3, 3), stride: [1, 0]);
                break;
            case "padding pair count":
                Zeros(1, 1, 5, 5).Conv(Zeros(1, 1, 3, 3), padding: [(1, 1)]);
                break;
            case "transposed padding leaves no output":
                Zeros(1, 1, 2, 2).ConvTranspose(Zeros(1, 1, 2, 2), padding: [1, 3]);
                break;
            case "output padding too large":
                Zeros(1, 1, 2, 2).ConvTranspose(Zeros(1, 1, 2, 2), stride: [2, 2], outputPadding: [0, 2]);
                break;
            case "Conv2d image smaller than the kernel":
                Apply(new Conv2d(3, 4, 5), Zeros(2, 3, 4, 6), b);
                break;
            case "Conv2d wrong channels":
                Apply(new Conv2d(3, 4, 3), Zeros(2, 2, 8, 8), b);
                break;
            case "Conv1d padding leaves no output":
                Apply(new Conv1d(2, 2, 7, padding: Padding.Explicit((2, 2))), Zeros(1, 2, 2), b);
                break;
            case "ConvTranspose2d no output":
                Apply(new ConvTranspose2d(2, 2, (1, 1), padding: (1, 1)), Zeros(1, 2, 1, 1), b);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case");
        }
    }

    private static void Apply(Layer layer, Tensor input, Backend b) =>
        layer.Apply(layer.Init(Key.FromSeed(0), b), TensorTree.Empty, input, Context.Eval);
}
