using Functional.Nets.Onnx;
using Functional.Nets.Reference;
using Microsoft.ML.OnnxRuntime;

namespace Functional.Nets.Tests.Onnx;

/// <summary>
/// Which exported operators ONNX Runtime 1.31.1's CPU provider runs in float64, measured: Conv, ConvTranspose,
/// AveragePool, GlobalAveragePool and RNN have no float64 kernel, LSTM and GRU refuse double when run ("does not
/// support double yet") (and Elu has none either, which is why a float64 export
/// writes ELU as Relu, Min, Exp, Sub and Mul). So the float64 property covers dense, activation, dropout, batch-norm,
/// join and max-pool models, and convolution, average-pool and recurrent models are tested in float32 only. If a later runtime
/// adds these kernels, this test fails and says which, so that the float64 property can take them in.
/// </summary>
public sealed class OnnxRuntimeFloat64KernelTests
{
    public static TheoryData<string> Float32Only => ["Conv2d", "Conv1d", "ConvTranspose2d", "AvgPool2d", "AdaptiveAvgPool2d", "Rnn", "Lstm", "Gru"];

    public static TheoryData<string> Float64Capable => ["Dense", "MaxPool2d", "BatchNorm", "ELU"];

    [Theory]
    [MemberData(nameof(Float32Only))]
    public void The_runtime_has_no_float64_kernel_for(string kind)
    {
        var (layer, shape) = Make(kind);
        var backend = ReferenceBackend.Instance;
        var bytes = OnnxExport.ToBytes(layer, layer.Init(Key.FromSeed(1), backend), layer.InitState(backend), shape, DType.Float64);
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxRuntimeRunner.Run(bytes, backend.FromArray(new double[shape.Size], shape)));
        // RNN has no kernel registered; LSTM and GRU have one that refuses double when run.
        Assert.True(e.Message.Contains("NotImplemented", StringComparison.Ordinal) || e.Message.Contains("does not support double", StringComparison.Ordinal), e.Message);
    }

    [Theory]
    [MemberData(nameof(Float64Capable))]
    public void The_runtime_runs_in_float64(string kind)
    {
        var (layer, shape) = Make(kind);
        var backend = ReferenceBackend.Instance;
        var p = layer.Init(Key.FromSeed(1), backend);
        var x = backend.FromArray(Key.FromSeed(2).Normal(checked((int)shape.Size)), shape);
        var (values, _) = OnnxRuntimeRunner.Run(OnnxExport.ToBytes(layer, p, layer.InitState(backend), shape, DType.Float64), x);
        Assert.True(RelativeError.Of(layer.Apply(p, layer.InitState(backend), x, Context.Eval).Output.ToArray(), values).Value <= 1e-12);
    }

    private static (Layer Layer, Shape Shape) Make(string kind) => kind switch
    {
        "Conv2d" => (new Conv2d(2, 2, 3), new Shape(1, 2, 4, 4)),
        "Conv1d" => (new Conv1d(2, 2, 3), new Shape(1, 2, 4)),
        "ConvTranspose2d" => (new ConvTranspose2d(2, 2, 3), new Shape(1, 2, 4, 4)),
        "AvgPool2d" => (new AvgPool2d(2), new Shape(1, 2, 4, 4)),
        "AdaptiveAvgPool2d" => (AdaptiveAvgPool2d.Global, new Shape(1, 2, 4, 4)),
        "Dense" => (new Dense(3, 2), new Shape(2, 3)),
        "MaxPool2d" => (new MaxPool2d(2), new Shape(1, 2, 4, 4)),
        "BatchNorm" => (new BatchNorm(2), new Shape(1, 2, 4, 4)),
        "Rnn" => (new Rnn(2, 3), new Shape(2, 4, 2)),
        "Lstm" => (new Lstm(2, 3), new Shape(2, 4, 2)),
        "Gru" => (new Gru(2, 3), new Shape(2, 4, 2)),
        _ => (new ELU(0.7), new Shape(2, 3)),
    };
}
