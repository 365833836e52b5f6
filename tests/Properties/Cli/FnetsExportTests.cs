using Functional.Nets.Cli;
using Functional.Nets.Reference;
using Functional.Nets.Tests.Onnx;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Cli;

/// <summary><c>fnets export</c>: the README's command, a checkpoint with running statistics, and one-line errors with exit code 2.</summary>
public sealed class FnetsExportTests
{
    private static readonly string Xor = RepositoryFiles.Path("examples/models/xor.json");
    private static readonly string Cnn = RepositoryFiles.Path("examples/models/cnn.json");

    /// <summary>The README's command: XOR with weights from --init-seed; ONNX Runtime's output is the model's (Torch float32).</summary>
    [Fact]
    public void Xor_with_initialized_weights_exports_and_runs()
    {
        var onnx = TempPath(".onnx");
        var (code, output, error) = Run("export", Xor, "--init-seed", "3", onnx);
        Assert.True(code == ExitCode.Passed, output + error);
        Assert.StartsWith($"wrote {onnx}: ", output, StringComparison.Ordinal);
        Assert.Contains("9 parameters, float32, opset 17, input 'input' [N, 2] -> output 'output' [N, 1]", output, StringComparison.Ordinal);

        var model = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 1), new Sigmoid());
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        var p = model.Init(Key.FromSeed(3).Fold(0), torch);
        var x = torch.FromArray([0.0, 0, 0, 1, 1, 0, 1, 1], 4, 2);
        var (values, shape) = OnnxRuntimeRunner.Run(File.ReadAllBytes(onnx), x);
        Assert.Equal(new Shape(4, 1), shape);
        Assert.True(RelativeError.Of(model.Apply(p, x).ToArray(), values).Value <= OnnxExportPropertyTests.Float32Tolerance);
    }

    /// <summary>A checkpoint with trained-looking weights and running statistics (the CNN example): the graph uses them.</summary>
    [Fact]
    public void A_checkpoint_with_running_statistics_exports_them()
    {
        var spec = Functional.Nets.Serialization.ArchitectureJson.Load(Cnn);
        var model = spec.Model;
        var b = ReferenceBackend.Instance;
        var parameters = model.Init(Key.FromSeed(5), b);
        var draw = Key.FromSeed(6);
        var state = model.InitState(b).Map((name, t) => name.EndsWith("running_var", StringComparison.Ordinal)
            ? b.FromArray(draw.Fold(1).Uniform(checked((int)t.Size), 0.5, 2), t.Shape)
            : name.EndsWith("running_mean", StringComparison.Ordinal) ? b.FromArray(draw.Fold(2).Normal(checked((int)t.Size)), t.Shape) : t);
        var checkpoint = TempPath(".safetensors");
        SafeTensors.Write(checkpoint, parameters.Merge(state));
        var onnx = TempPath(".onnx");
        var (code, output, error) = Run("export", Cnn, checkpoint, onnx, "--dtype", "float32");
        Assert.True(code == ExitCode.Passed, output + error);

        // Convolutions run in float32 only (no float64 Conv kernel in ONNX Runtime's CPU provider).
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        var x = torch.FromArray(Key.FromSeed(7).Normal(2 * 144), 2, 1, 12, 12);
        var ours = model.Apply(parameters.ToBackend(torch), state.ToBackend(torch), x, Context.Eval).Output;
        var (values, _) = OnnxRuntimeRunner.Run(File.ReadAllBytes(onnx), x);
        var e = RelativeError.Of(ours.ToArray(), values);
        Assert.True(e.Value <= OnnxExportPropertyTests.Float32Tolerance, e.ToString());

        // The running statistics matter: with the initial ones the output differs.
        var plain = model.Apply(parameters.ToBackend(torch), model.InitState(torch), x, Context.Eval).Output;
        Assert.True(RelativeError.Of(plain.ToArray(), values).Value > 1e-3);
    }

    [Theory]
    [InlineData("missing-checkpoint")]
    [InlineData("unexpected-leaf")]
    [InlineData("missing-leaf")]
    [InlineData("usage")]
    [InlineData("dtype")]
    public void Bad_input_is_one_line_and_exit_code_2(string what)
    {
        var onnx = TempPath(".onnx");
        var b = ReferenceBackend.Instance;
        var model = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 1), new Sigmoid());
        var checkpoint = TempPath(".safetensors");
        var p = model.Init(Key.FromSeed(0), b);
        string[] args;
        string expected;
        switch (what)
        {
            case "missing-checkpoint":
                args = ["export", Xor, checkpoint, onnx];
                expected = "no such file";
                break;
            case "unexpected-leaf":
                SafeTensors.Write(checkpoint, p.Merge(TensorTree.Of(("5.weight", b.FromArray([1.0], 1)))));
                args = ["export", Xor, checkpoint, onnx];
                expected = "the model has no leaf named '5.weight'";
                break;
            case "missing-leaf":
                SafeTensors.Write(checkpoint, p.Without("2.bias"));
                args = ["export", Xor, checkpoint, onnx];
                expected = "the checkpoint lacks the parameter '2.bias'";
                break;
            case "usage":
                args = ["export", Xor, onnx];
                expected = "export needs MODEL.json CHECKPOINT.safetensors OUT.onnx";
                break;
            default:
                args = ["export", Xor, "--init-seed", "1", onnx, "--dtype", "int8"];
                expected = "--dtype needs float32 or float64";
                break;
        }

        var (code, output, error) = Run(args);
        Assert.Equal(ExitCode.BadInput, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(onnx), output);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = FnetsCommand.Run(args, output, error, rich: false);
        return (code, output.ToString(), error.ToString());
    }

    private static string TempPath(string extension) => Path.Combine(Path.GetTempPath(), $"fnets-export-{Guid.NewGuid():N}{extension}");
}
