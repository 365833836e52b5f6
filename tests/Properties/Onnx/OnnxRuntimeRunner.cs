using Microsoft.ML.OnnxRuntime;

namespace Functional.Nets.Tests.Onnx;

/// <summary>Runs an exported graph with ONNX Runtime's CPU provider on one input and returns the output's values and shape.</summary>
public static class OnnxRuntimeRunner
{
    public static (double[] Values, Shape Shape) Run(byte[] model, Tensor input)
    {
        // One thread: the host is shared, and the sums' order is then fixed from run to run.
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var dims = input.Shape.Dims.Select(d => (long)d).ToArray();
        var x = input.ToArray();
        using var value = input.DType == DType.Float64
            ? OrtValue.CreateTensorValueFromMemory(x, dims)
            : OrtValue.CreateTensorValueFromMemory(x.Select(v => (float)v).ToArray(), dims);
        using var run = new RunOptions();
        using var results = session.Run(run, [Functional.Nets.Onnx.OnnxExport.InputName], [value], [Functional.Nets.Onnx.OnnxExport.OutputName]);
        var y = results[0];
        var shape = new Shape([.. y.GetTensorTypeAndShape().Shape.Select(d => checked((int)d))]);
        var values = input.DType == DType.Float64
            ? y.GetTensorDataAsSpan<double>().ToArray()
            : [.. y.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)];
        return (values, shape);
    }
}
