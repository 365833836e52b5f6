using System.Text.Json;
using Functional.Nets.Reference;
using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>The report's table and JSON; custom ops on every backend.</summary>
public sealed class ReportAndCustomOpTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static readonly CustomOp Swish = CustomOp.Elementwise(
        "swish", x => x * Sigmoid(x), (x, _) => Sigmoid(x) * (1 + x * (1 - Sigmoid(x))), t => t * t.Sigmoid());

    private static readonly CustomOp BrokenSwish = CustomOp.Elementwise(
        "swish (planted)", x => x * Sigmoid(x), (x, _) => Sigmoid(x), t => t * t.Sigmoid());

    [Fact]
    public void The_JSON_carries_the_verdict_the_counts_and_the_worst_entry()
    {
        var report = Functional.Nets.GradCheck.Op(BrokenSwish, new Shape(3, 4), Key.FromSeed(1));
        using var doc = JsonDocument.Parse(report.ToJson());
        var root = doc.RootElement;
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal(report.Failures, root.GetProperty("failures").GetInt32());
        Assert.Equal(1e-5, root.GetProperty("options").GetProperty("atol").GetDouble());
        Assert.Equal(1e-3, root.GetProperty("options").GetProperty("rtol").GetDouble());
        Assert.Equal(1e-6, root.GetProperty("options").GetProperty("eps").GetDouble());
        var row = root.GetProperty("rows")[0];
        var expected = report.Rows[0];
        Assert.Equal("input", row.GetProperty("leaf").GetString());
        Assert.Equal([3, 4], row.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(expected.WorstIndex, row.GetProperty("worstIndex").GetInt32());
        Assert.Equal(expected.WorstPosition, row.GetProperty("worstPosition").GetString());
        Assert.Equal(expected.Analytic, row.GetProperty("analytic").GetDouble());
        Assert.Equal(expected.Expected, row.GetProperty("expected").GetDouble());
        Assert.Equal(expected.MaxRelativeError, row.GetProperty("maxRelativeError").GetDouble());
    }

    /// <summary>
    /// Regression (a CI failure): exp(x³/2) at inputs 4 and 0.3 has outputs 7.9e13 and 1.01. Contracted with the
    /// cotangent before differencing, the small entry's change (~1e-6) drowned in the rounding of the large one
    /// (ulp 0.016) and its central difference read 0. Outputs are now differenced before the contraction.
    /// </summary>
    [Fact]
    public void Outputs_of_very_different_scales_do_not_hide_each_others_differences()
    {
        var op = CustomOp.Elementwise("exp(x³/2)", x => Math.Exp(x * x * x / 2), (x, _) => 1.5 * x * x * Math.Exp(x * x * x / 2));
        var report = Functional.Nets.GradCheck.Op(op, [[4.0, 0.3, -1.3, 0.7]], [new Shape(2, 2)], Key.FromSeed(1616813036));
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(4, report.Rows.Single().Checked);
    }

    /// <summary>
    /// A correct network whose loss is 1.2e6 (x⁹ activation; found by a stress run of the generated networks): at eps
    /// 1e-6 the loss's rounding (u·|L|/eps ≈ 1.3e-4) makes central differences miss by ~1e-3 and look like kinks.
    /// The report says so, and at eps 1e-4 the same check passes.
    /// </summary>
    [Fact]
    public void A_loss_too_large_for_the_step_is_flagged_as_rounding_noise()
    {
        var n = new NetworkWithCustomActivation(2025567286, 6, 7, 3, new PrimitiveCase(185790337, PrimitiveKind.Chain, 4, 2, 4, 4, PlantedError.None));
        var (loss, parameters) = n.Build(ReferenceBackend.Instance);
        var blurred = Functional.Nets.GradCheck.Check(loss, parameters);
        Assert.True(blurred.NoiseMayBlurVerdict);
        Assert.InRange(blurred.DifferenceNoise, 1e-4, 2e-4);
        Assert.Contains("can be rounding, not derivatives", blurred.ToString(), StringComparison.Ordinal);
        Assert.Equal(blurred.DifferenceNoise, JsonDocument.Parse(blurred.ToJson()).RootElement.GetProperty("differenceNoise").GetDouble());

        var resolved = Functional.Nets.GradCheck.Check(loss, parameters, GradCheckOptions.Float64 with { Eps = 1e-4 });
        Assert.True(resolved.Passed, resolved.ToString());
        Assert.Equal(blurred.DifferenceNoise / 100, resolved.DifferenceNoise, 1e-12);  // the noise falls as 1/eps

        // An ordinary check says nothing about noise.
        var swish = Functional.Nets.GradCheck.Op(Swish, new Shape(3, 4), Key.FromSeed(1));
        Assert.False(swish.NoiseMayBlurVerdict);
        Assert.DoesNotContain("note:", swish.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_names_the_failing_leaf_and_entry()
    {
        var report = Functional.Nets.GradCheck.Op(BrokenSwish, new Shape(3, 4), Key.FromSeed(1));
        var text = report.ToString();
        var row = report.FailedRows.Single();
        Assert.Contains("FAILED", text, StringComparison.Ordinal);
        Assert.Contains("FAIL", text.Split('\n')[3], StringComparison.Ordinal);
        Assert.Contains(row.WorstPosition, text, StringComparison.Ordinal);
        Assert.Contains("1e-5 + 0.001·|b|, eps 1e-6", text, StringComparison.Ordinal);

        // The worst entry really is the worst by the rule, and the values are the op's VJP and a central difference.
        Assert.Equal(row.Checked, row.Failures);
    }

    [Fact]
    public void NaN_gradients_fail_and_are_written_as_strings_in_JSON()
    {
        var nan = CustomOp.Elementwise("nan-derivative", x => x, (_, _) => double.NaN);
        var report = Functional.Nets.GradCheck.Op(nan, new Shape(2), Key.FromSeed(1));
        Assert.False(report.Passed);
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal("NaN", doc.RootElement.GetProperty("rows")[0].GetProperty("analytic").GetString());
    }

    [Theory]
    [MemberData(nameof(AllBackends))]
    public void A_custom_op_runs_and_differentiates_on_every_backend(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var values = Key.FromSeed(9).Normal(12);
        var x = backend.FromArray(values, 3, 4);
        var (value, grads) = Grad.ValueAndGrad(p => Swish.Apply(p["x"]).Sum(), TensorTree.Of(("x", x)));
        var expected = values.Select(v => Sigmoid(v) * (1 + v * (1 - Sigmoid(v)))).ToArray();
        var tolerance = backend.DType == DType.Float32 ? 1e-6 : 1e-14;
        Assert.True(RelativeError.Of(grads["x"].ToArray(), expected).Value < tolerance);
        Assert.True(Math.Abs(value.Item() - values.Sum(v => v * Sigmoid(v))) < tolerance * 12);
    }

    [Fact]
    public void A_torch_forward_takes_precedence_over_the_composition_on_torch()
    {
        var calls = 0;
        var op = Swish.WithTorch(x =>
        {
            calls++;
            return x * torch.sigmoid(x);
        });
        var backend = TorchBackend.CpuFloat64;
        var report = Functional.Nets.GradCheck.Op(op, new Shape(2, 3), Key.FromSeed(2), compareWith: [backend]);
        Assert.True(report.Passed, report.ToString());
        Assert.True(calls > 0);
        Assert.True(report.Rows.Single(r => r.Method == GradCheckMethod.Backend).MaxRelativeError < 1e-12, report.ToString());

        // The original op is untouched: With returns a new value.
        Assert.Null(Swish.Implementation<TorchForward>());
        Assert.NotNull(op.Implementation<TorchForward>());
    }

    [Fact]
    public void An_op_with_no_way_to_run_on_a_backend_says_so()
    {
        var referenceOnly = CustomOp.Elementwise("cube", x => x * x * x, (x, _) => 3 * x * x);
        var x = TorchBackend.CpuFloat64.FromArray([1.0, 2.0], 2);
        var e = Assert.Throws<NotSupportedException>(() => referenceOnly.Apply(x));
        Assert.Contains("cube", e.Message, StringComparison.Ordinal);
        Assert.Contains("WithTorch", e.Message, StringComparison.Ordinal);

        // The Reference backend needs nothing beyond the forward and the VJP.
        Assert.Equal([1.0, 8.0], referenceOnly.Apply(ReferenceBackend.Instance.FromArray([1.0, 2.0], 2)).ToArray());
    }

    [Theory]
    [MemberData(nameof(AllBackends))]
    public void Shape_errors_come_from_the_core_identically_on_every_backend(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var matmul = CustomOp.Create(
            "mm",
            2,
            s => s[0][1] == s[1][0] ? new Shape(s[0][0], s[1][1]) : throw new ShapeMismatchException($"mm: {s[0]} and {s[1]} do not chain"),
            (x, s) => RowMajor.MatMul(x[0], x[1], s[0][0], s[0][1], s[1][1]),
            (x, s, _, g) => [RowMajor.MatMul(g, RowMajor.Transpose(x[1], s[1][0], s[1][1]), s[0][0], s[1][1], s[1][0]), RowMajor.MatMul(RowMajor.Transpose(x[0], s[0][0], s[0][1]), g, s[0][1], s[0][0], s[1][1])],
            t => t[0].MatMul(t[1]));
        var a = backend.FromArray(new double[6], 2, 3);
        var e = Assert.Throws<ShapeMismatchException>(() => matmul.Apply(a, a));
        Assert.Equal("mm: [2, 3] and [2, 3] do not chain", e.Message);
        Assert.Throws<ArgumentException>(() => matmul.Apply(a));
    }

    [Fact]
    public void A_VJP_of_the_wrong_length_is_reported_naming_the_op()
    {
        var bad = CustomOp.Unary("short-vjp", x => x, (x, _, _) => new double[x.Length - 1]);
        var e = Assert.Throws<InvalidOperationException>(() => Functional.Nets.GradCheck.Op(bad, new Shape(3), Key.FromSeed(1)));
        Assert.Contains("short-vjp", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_is_checked_against_central_differences_and_another_backend_in_one_report()
    {
        var model = new Sequential(new Dense(3, 5), new CustomActivation(Swish), new Dense(5, 2));
        var parameters = model.Init(Key.FromSeed(2), ReferenceBackend.Instance);
        var inputs = Key.FromSeed(3).Normal(4 * 3);
        int[] classes = [0, 1, 1, 0];
        Func<TensorTree, Tensor> LossOn(Backend b) => p => Losses.SoftmaxCrossEntropy(model.Apply(p, b.FromArray(inputs, 4, 3)), classes);
        var report = Functional.Nets.GradCheck.Check(LossOn, parameters, [TorchBackend.CpuFloat64, TorchBackend.CpuFloat32]);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(3 * parameters.Count, report.Rows.Count);
        Assert.All(report.Rows.Where(r => r.Against.StartsWith("torch/float64", StringComparison.Ordinal)), r => Assert.True(r.MaxRelativeError < 1e-10, r.ToString()));
    }

    [Fact]
    public void Reports_combine_into_one_verdict_and_float32_gets_float32_tolerances()
    {
        var model = new Sequential(new Dense(2, 3), new Tanh(), new Dense(3, 1));
        var inputs = Key.FromSeed(5).Normal(4 * 2);
        Func<TensorTree, Tensor> LossOn(Backend b) => p => model.Apply(p, b.FromArray(inputs, 4, 2)).Square().Mean();
        var reference = ReferenceBackend.Instance;
        var onReference = Functional.Nets.GradCheck.Check(LossOn(reference), model.Init(Key.FromSeed(6), reference));
        using var float32Parameters = model.Init(Key.FromSeed(6), TorchBackend.CpuFloat32);
        var onFloat32 = Functional.Nets.GradCheck.Check(LossOn(TorchBackend.CpuFloat32), float32Parameters);
        Assert.Equal(GradCheckOptions.Float32, onFloat32.Options);
        Assert.All(onFloat32.Rows, r => Assert.Equal((1e-3, 1e-2), (r.Atol, r.Rtol)));

        var broken = Functional.Nets.GradCheck.Op(BrokenSwish, new Shape(2), Key.FromSeed(1));
        var combined = GradCheckReport.Combine("xor", [onReference, onFloat32, broken]);
        Assert.False(combined.Passed);
        Assert.Equal(onReference.Rows.Count + onFloat32.Rows.Count + broken.Rows.Count, combined.Rows.Count);
        Assert.Contains(combined.Rows, r => r.Against == "torch/float32/cpu: central differences");
        Assert.True(GradCheckReport.Combine("xor", [onReference, onFloat32]).Passed);
    }

    public static TheoryData<string> AllBackends => BackendCombinations.All;
}
