using Functional.Nets.Reference;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// Kinks are reported as kinks, not failures: ReLU at exactly 0, ties in a max, zero-initialised biases in a
/// ReLU network; and a kink does not hide a wrong derivative elsewhere.
/// </summary>
public sealed class KinkReportTests
{
    private static readonly CustomOp Relu = CustomOp.Elementwise("relu", x => x > 0 ? x : 0, (x, _) => x > 0 ? 1 : 0, t => t.Relu());

    /// <summary>Row-wise max of [rows, cols] → [rows]; the gradient goes to the first maximal entry (as torch.max does to one of them).</summary>
    private static readonly CustomOp RowMax = CustomOp.Create(
        "rowmax",
        1,
        s => new Shape(s[0][0]),
        (x, s) => Enumerable.Range(0, s[0][0]).Select(r => x[0].Skip(r * s[0][1]).Take(s[0][1]).Max()).ToArray(),
        (x, s, y, g) =>
        {
            var (rows, cols) = (s[0][0], s[0][1]);
            var gx = new double[rows * cols];
            for (var r = 0; r < rows; r++)
            {
                gx[r * cols + Array.IndexOf(x[0], y[r], r * cols, cols) - r * cols] = g[r];
            }

            return [gx];
        });

    [Theory]
    [InlineData(GradCheckMode.Full)]
    [InlineData(GradCheckMode.Fast)]
    public void ReLU_at_zero_is_a_kink_not_a_failure(GradCheckMode mode)
    {
        // Entries 1 and 4 sit exactly on the kink; the others away from it.
        double[] x = [0.7, 0, -1.2, 0.3, 0, -0.4];
        var options = GradCheckOptions.Float64 with { Mode = mode, Directions = 4 };
        var report = Functional.Nets.GradCheck.Op(Relu, [x], [new Shape(2, 3)], Key.FromSeed(5), options);
        Assert.True(report.Passed, report.ToString());
        Assert.True(report.Kinks > 0, report.ToString());
        if (mode == GradCheckMode.Full)
        {
            var row = Assert.Single(report.Rows);
            Assert.Equal([1, 4], row.KinkIndices);
            Assert.Equal(4, row.Checked);
            Assert.Contains("kinks in input", report.ToString(), StringComparison.Ordinal);
            Assert.Contains("[0, 1], [1, 1]", report.ToString(), StringComparison.Ordinal);
        }

        // Without kink detection the same entries are failures: the central difference averages the two slopes.
        var blind = Functional.Nets.GradCheck.Op(Relu, [x], [new Shape(2, 3)], Key.FromSeed(5), options with { DetectKinks = false });
        Assert.False(blind.Passed);
        Assert.Equal(0, blind.Kinks);
    }

    [Fact]
    public void Ties_in_a_max_are_kinks()
    {
        // Row 0 has a tie (0.9 twice), row 1 none.
        double[] x = [0.9, -0.3, 0.9, 0.1, 0.5, -2];
        var report = Functional.Nets.GradCheck.Op(RowMax, [x], [new Shape(2, 3)], Key.FromSeed(6));
        Assert.True(report.Passed, report.ToString());
        Assert.Equal([0, 2], Assert.Single(report.Rows).KinkIndices);
    }

    [Fact]
    public void A_kink_does_not_hide_a_wrong_derivative_at_smooth_entries()
    {
        var wrong = CustomOp.Elementwise("relu (planted: slope 2)", x => x > 0 ? x : 0, (x, _) => x > 0 ? 2 : 0);
        double[] x = [0.7, 0, -1.2, 0.3, 0, -0.4];
        var report = Functional.Nets.GradCheck.Op(wrong, [x], [new Shape(2, 3)], Key.FromSeed(5));
        Assert.False(report.Passed);
        var row = Assert.Single(report.Rows);
        Assert.Equal(2, row.Failures);   // entries 0 and 3, where x > 0
        Assert.Contains(row.WorstIndex, new[] { 0, 3 });
    }

    [Theory]
    [MemberData(nameof(Float64Backends))]
    public void A_ReLU_network_with_zero_biases_reports_kinks_and_passes(string combination)
    {
        // An all-zero input row makes every first-layer pre-activation exactly its bias, 0: all on the kink.
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(3, 4, biasInit: Initializer.Zeros), new ReLU(), new Dense(4, 2));
        var parameters = model.Init(Key.FromSeed(3), backend);
        double[] inputs = [0, 0, 0, 0.5, -1, 2, 1.5, 0.2, -0.7];
        var x = backend.FromArray(inputs, 3, 3);
        var y = backend.FromArray(Key.FromSeed(4).Normal(6), 3, 2);
        var report = Functional.Nets.GradCheck.Check(p => Losses.MeanSquaredError(model.Apply(p, x), y), parameters);
        Assert.True(report.Passed, report.ToString());
        var biasRow = report.Rows.Single(r => r.Leaf == "0.bias");
        Assert.True(biasRow.Kinks > 0, report.ToString());
        Assert.Equal(report.Kinks, report.Rows.Sum(r => r.KinkIndices.Count));
    }

    public static TheoryData<string> Float64Backends => BackendCombinations.Float64;
}
