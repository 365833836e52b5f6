using Functional.Nets.Onnx;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Onnx;

/// <summary>
/// Pooling windows where PyTorch's ceil mode and ONNX Runtime's differ (PyTorch drops a last window that starts in the
/// right padding), and where the last window overhangs the padded input; found by the generated cases, kept as examples.
/// </summary>
public sealed class OnnxPoolingExportTests
{
    public static TheoryData<string> Windows =>
    [
        "max k1x1 s2 ceil", "max k2x2 s2 p1,0 d2,1 ceil", "avg k3 s2 p1 ceil include", "avg k3 s2 p1 ceil exclude", "avg k2 s2 ceil include",
    ];

    [Theory]
    [MemberData(nameof(Windows))]
    public void Ceil_mode_windows_are_pytorchs(string name)
    {
        Layer layer = name switch
        {
            "max k1x1 s2 ceil" => new MaxPool2d(PoolWindow.Square(1, 2, ceilMode: true)),
            "max k2x2 s2 p1,0 d2,1 ceil" => new MaxPool2d(PoolWindow.Of((2, 2), (2, 2), (1, 0), (2, 1), ceilMode: true)),
            "avg k3 s2 p1 ceil include" => new AvgPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true), countIncludePad: true),
            "avg k3 s2 p1 ceil exclude" => new AvgPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true), countIncludePad: false),
            _ => new AvgPool2d(PoolWindow.Square(2, 2, 0, ceilMode: true), countIncludePad: true),
        };
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        foreach (var shape in new[] { new Shape(1, 2, 4, 5), new Shape(2, 1, 5, 6), new Shape(1, 1, 6, 7) })
        {
            var x = torch.FromArray(Key.FromSeed(shape[2]).Normal(checked((int)shape.Size)), shape);
            var ours = layer.Apply(TensorTree.Empty, x);
            var (values, onnxShape) = OnnxRuntimeRunner.Run(OnnxExport.ToBytes(layer, TensorTree.Empty, TensorTree.Empty, shape, DType.Float32), x);
            Assert.Equal(ours.Shape, onnxShape);
            var e = RelativeError.Of(ours.ToArray(), values);
            Assert.True(e.Value <= 1e-6, $"{name} on {shape}: {e}");
        }
    }
}
