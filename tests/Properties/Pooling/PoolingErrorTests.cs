using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Pooling;

/// <summary>
/// Bad input to the pooling layers inside a network: a feature map smaller than the window, a window that leaves no
/// output, a tensor of the wrong rank. The error names the layer, its position and the shapes, and is the same on
/// both backends (the check runs in the core, before dispatch).
/// </summary>
public sealed class PoolingErrorTests
{
    public static TheoryData<string> Cases => new() { "max pool on a map smaller than its window", "average pool of the wrong rank", "adaptive pool of the wrong rank", "max pool 1d larger than the sequence" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_backends_refuse_with_the_same_message(string name)
    {
        var (model, input, path, words) = Case(name);
        var messages = new[] { (Backend)ReferenceBackend.Instance, TorchBackend.CpuFloat64 }.Select(b =>
        {
            using var scope = b.Scope();
            var x = b.FromArray(new double[input.Size], input);
            var e = Assert.Throws<LayerShapeException>(() => model.Apply(model.Init(Key.FromSeed(0), b), x));
            Assert.Equal(path, e.Path);
            Assert.Throws<LayerShapeException>(() => model.OutputShape(input));
            return e.Message;
        }).ToArray();
        Assert.Equal(messages[0], messages[1]);
        foreach (var word in words)
        {
            Assert.Contains(word, messages[0], StringComparison.Ordinal);
        }
    }

    private static (Layer Model, Shape Input, string Path, string[] Words) Case(string name) => name switch
    {
        // [1, 1, 5, 5] → conv 3×3 → [1, 2, 3, 3] → pool 2 → [1, 2, 1, 1] → pool 2 cannot fit.
        "max pool on a map smaller than its window" => (
            new Sequential(new Conv2d(1, 2, 3), new MaxPool2d(PoolWindow.Square(2)), new MaxPool2d(PoolWindow.Square(2))),
            new Shape(1, 1, 5, 5), "2", ["MaxPool2d(kernel=(2, 2)", "at [2]", "[N, C, H, W] whose window fits", "larger than the padded input", "got [1, 2, 1, 1]"]),
        "average pool of the wrong rank" => (
            new Sequential(new Flatten(), new AvgPool2d(PoolWindow.Square(2))),
            new Shape(2, 3, 4, 4), "1", ["AvgPool2d(kernel=(2, 2)", "at [1]", "rank 4", "got [2, 48]"]),
        "adaptive pool of the wrong rank" => (
            new Sequential(new Conv1d(2, 3, 3), AdaptiveAvgPool2d.Global),
            new Shape(2, 2, 6), "1", ["AdaptiveAvgPool2d((1, 1))", "at [1]", "got [2, 3, 4]"]),
        _ => (
            new Sequential(new Conv1d(1, 1, 3), new MaxPool1d(5)),
            new Shape(1, 1, 6), "1", ["MaxPool1d(", "at [1]", "larger than the padded input", "got [1, 1, 4]"]),
    };
}
