using Functional.Nets.Onnx;
using Functional.Nets.Reference;
using Functional.Nets.Tests.Convolution;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Onnx;

/// <summary>
/// Issue 16's ONNX acceptance: generated architectures (<see cref="OnnxCaseGenerator"/>) exported with their
/// parameters and running statistics, run by ONNX Runtime (a third forward implementation, independent of ours), give
/// our evaluation-mode outputs: float32 graphs against Torch float32, float64 graphs against the Reference backend and
/// Torch float64. Errors are per tensor, max|a − b| / max(max|a|, max|b|) (<see cref="RelativeError"/>).
/// </summary>
public sealed class OnnxExportPropertyTests(ITestOutputHelper output)
{
    /// <summary>Generated architectures per property.</summary>
    public const int Cases = 100;

    /// <summary>
    /// Float32: ONNX Runtime and libtorch get the same float32 weights and inputs (the export writes the float32
    /// leaves bit for bit), so no representation error enters; only each one's own rounding, in its own summation
    /// order (blocked GEMM and convolution kernels differ). A dot product of length n rounds to within λ·√n·u of
    /// Σ|wⱼxⱼ| with overwhelming probability (λ = 6, u = 2⁻²⁴; Higham and Mary 2019, Theorem 3.1, as derived in
    /// <see cref="BackendAgreementProperties.Float32Tolerance"/>), so two independent implementations differ by at
    /// most 2λ√n·u per layer and, with slopes ≤ 2 and errors of random sign adding over the layers, by about
    /// 2λ√(depth·n)·u at the output. The generators' longest paths (MLPs: ≤ 6 units of width ≤ 64 with a batch norm
    /// or DropConnect beside some; CNNs: ≤ 3 stages, fan-in ≤ 6·9 per convolution, a block counting 2–3 layers;
    /// recurrent: ≤ 2 layers of ≤ 5 steps, each step a product of length F + H ≤ 11) give depth·n ≲ 9·64, so 2·6·24·u ≈ 1.7e-5 in the worst arrangement of signs and ≈ 1e-6 typically; the issue's
    /// 1e-5 sits between, and the measured worst is printed (and reported in the README) to show the margin.
    /// </summary>
    public const double Float32Tolerance = 1e-5;

    /// <summary>Float64: a few ulps per operation in another summation order; 1e-12 leaves ample room at these depths.</summary>
    public const double Float64Tolerance = 1e-12;

    [Fact]
    public void Float32_graphs_run_by_onnx_runtime_match_torch_float32()
    {
        var worst = new WorstSeen("ONNX Runtime float32 vs Torch float32, relative error");
        var ops = new SortedSet<string>(StringComparer.Ordinal);
        Law.Check(OnnxCaseGenerator.Arbitrary, c =>
        {
            var torch = TorchBackend.CpuFloat32;
            using var scope = torch.Scope();
            var e = Compare(c, torch, DType.Float32, ops);
            worst.Record(e.Value, () => $"{e} in {c}");
            if (!(e.Value <= Float32Tolerance))
            {
                throw new LawViolation($"float32 ONNX output of {c}: {e} exceeds {Float32Tolerance:G3} (a = Torch float32, b = ONNX Runtime)");
            }
        }, Cases);
        output.WriteLine(worst.ToString());
        output.WriteLine($"operators seen: {string.Join(", ", ops)}");
    }

    [Theory]
    [InlineData(BackendCombinations.Reference)]
    [InlineData(BackendCombinations.TorchCpuFloat64)]
    public void Float64_graphs_run_by_onnx_runtime_match_our_float64_backends(string combination)
    {
        var worst = new WorstSeen($"ONNX Runtime float64 vs {combination}, relative error");
        var ops = new SortedSet<string>(StringComparer.Ordinal);
        Law.Check(OnnxCaseGenerator.Float64Capable, c =>
        {
            var backend = BackendCombinations.Resolve(combination);
            using var scope = backend.Scope();
            var e = Compare(c, backend, DType.Float64, ops);
            worst.Record(e.Value, () => $"{e} in {c}");
            if (!(e.Value <= Float64Tolerance))
            {
                throw new LawViolation($"float64 ONNX output of {c}: {e} exceeds {Float64Tolerance:G3} (a = {combination}, b = ONNX Runtime)");
            }
        }, Cases);
        output.WriteLine(worst.ToString());
        output.WriteLine($"operators seen: {string.Join(", ", ops)}");
    }

    /// <summary>
    /// The float32 generator covers every exported operator. Deterministic: the CNN and extra kinds over fixed seeds,
    /// the MLP kind over a fixed list of network cases.
    /// </summary>
    [Fact]
    public void The_generated_cases_cover_every_operator()
    {
        var backend = ReferenceBackend.Instance;
        var ops = new SortedSet<string>(StringComparer.Ordinal);
        var cases = Enumerable.Range(0, 60).SelectMany(s => new[] { CnnGenerator.Build(s) with { Mode = Mode.Eval }, OnnxCaseGenerator.BuildExtra(s), OnnxCaseGenerator.BuildRecurrent(s) })
            .Concat(Enumerable.Range(0, 8).Select(s => OnnxCaseGenerator.BuildMlp(CoverageNetwork((ActivationKind)s, (BlockKind)(s % 5)), s)));
        foreach (var c in cases)
        {
            var model = OnnxExport.ToModel(c.Layer, c.Parameters(backend), c.State(backend), c.InputShape, DType.Float32);
            ops.UnionWith(model.Graph.Node.Select(n => n.OpType));
        }

        string[] expected =
        [
            "Add", "AveragePool", "BatchNormalization", "Concat", "Conv", "ConvTranspose", "Elu", "GRU", "Gemm", "GlobalAveragePool", "LSTM", "LeakyRelu",
            "LogSoftmax", "MatMul", "MaxPool", "Mul", "RNN", "Relu", "Reshape", "Sigmoid", "Softmax", "Tanh", "Transpose",
        ];
        Assert.Empty(expected.Except(ops));
    }

    private static NetworkCase CoverageNetwork(ActivationKind activation, BlockKind block) =>
        NetworkCase.Create(
            7, 5, 4, [6, 4, 3],
            [new ActivationSpec(activation, 0.3), new ActivationSpec(ActivationKind.ELU, 0.7), new ActivationSpec(ActivationKind.LeakyReLU, 0.02)],
            LossKind.MeanSquaredError,
            blocks: [block, BlockKind.Plain, BlockKind.Concat]);

    private static RelativeError Compare(CnnCase c, Backend backend, DType dtype, SortedSet<string> ops)
    {
        var parameters = c.Parameters(backend);
        var state = c.State(backend);
        var x = c.Input(backend);
        var ours = c.Layer.Apply(parameters, state, x, Context.Eval).Output;
        var model = OnnxExport.ToModel(c.Layer, parameters, state, c.InputShape, dtype);
        lock (ops)
        {
            ops.UnionWith(model.Graph.Node.Select(n => n.OpType));
        }

        var (values, shape) = OnnxRuntimeRunner.Run(Google.Protobuf.MessageExtensions.ToByteArray(model), x);
        if (shape != ours.Shape)
        {
            throw new LawViolation($"ONNX output of {c}: shape {shape}, ours {ours.Shape}");
        }

        return RelativeError.Of(ours.ToArray(), values);
    }
}
