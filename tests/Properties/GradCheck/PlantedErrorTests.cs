using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// The checker against generated primitives (<see cref="PrimitiveCase"/>): elementwise chains and products of
/// smooth functions, matrix products, a quadratic form, log-softmax and row normalization, each with its
/// derivative written by hand, either right or with one planted error (a wrong sign, a transposed matrix, a
/// missing term). Full mode at PyTorch's float64 defaults (eps 1e-6, atol 1e-5, rtol 1e-3).
/// </summary>
public sealed class PlantedErrorTests(ITestOutputHelper output)
{
    /// <summary>Generated cases per property, as issue 6 asks.</summary>
    public const int Cases = 500;

    /// <summary>The detection rate the checker must reach on planted errors.</summary>
    public const double RequiredDetectionRate = 0.95;

    [Fact]
    public void Correct_primitives_pass_without_false_failures_over_500_generated_cases()
    {
        var passed = 0;
        var failures = new ConcurrentBag<string>();
        Law.Check(PrimitiveCase.Correct, c =>
        {
            var report = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, Key.FromSeed(c.Seed));
            if (!report.Passed)
            {
                failures.Add($"{c}:\n{report}");
                throw new LawViolation($"false failure on {c}:\n{report}");
            }

            Interlocked.Increment(ref passed);
        }, Cases);

        output.WriteLine($"correct primitives: {passed} of {Cases} generated cases passed, {failures.Count} false failures");
        Assert.Equal(Cases, passed);
    }

    [Fact]
    public void Planted_errors_are_detected_in_at_least_95_percent_of_500_generated_cases()
    {
        var byError = new ConcurrentDictionary<PlantedError, (int Cases, int Detected)>();
        var missed = new ConcurrentBag<string>();
        var total = 0;
        var detected = 0;
        Law.Check(PrimitiveCase.Broken, c =>
        {
            var report = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, Key.FromSeed(c.Seed));
            var caught = !report.Passed;
            Interlocked.Increment(ref total);
            if (caught)
            {
                Interlocked.Increment(ref detected);

                // Caught, and pinpointed: the failing row names an entry and the two values that disagree.
                var row = report.FailedRows.First();
                Assert.InRange(row.WorstIndex, 0, (int)row.Shape.Size - 1);
                Assert.True(GradCheckRuleFails(row.Analytic, row.Expected, report.Options), $"the worst entry of {c} passes the rule: {row}");
            }
            else
            {
                missed.Add($"{c}: {report.Rows.MaxBy(r => r.MaxRelativeError)}");
            }

            byError.AddOrUpdate(c.Error, _ => (1, caught ? 1 : 0), (_, v) => (v.Cases + 1, v.Detected + (caught ? 1 : 0)));
        }, Cases);

        var rate = (double)detected / total;
        output.WriteLine($"planted errors: detected {detected} of {total} generated cases ({rate:P1}); required {RequiredDetectionRate:P0}");
        foreach (var (error, (cases, hits)) in byError.OrderBy(e => e.Key))
        {
            output.WriteLine($"  {error}: {hits} of {cases}");
        }

        foreach (var m in missed.Take(10))
        {
            output.WriteLine($"  missed: {m}");
        }

        Assert.Equal(Cases, total);
        Assert.True(rate >= RequiredDetectionRate, $"detection rate {rate:P1} below {RequiredDetectionRate:P0}; missed: {string.Join("; ", missed.Take(5))}");
    }

    [Fact]
    public void A_backend_of_its_own_catches_planted_errors_and_agrees_with_correct_derivatives()
    {
        // The same generated primitives, judged only by libtorch autograd of their composition in core ops
        // (the Torch backend never sees the hand-written VJP): rows "torch/float64/cpu gradient".
        var torch = BackendCombinations.Resolve(BackendCombinations.TorchCpuFloat64);
        int correct = 0, correctPassed = 0, broken = 0, brokenCaught = 0;
        Law.Check(PrimitiveCase.Either, c =>
        {
            var report = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, Key.FromSeed(c.Seed), compareWith: [torch]);
            var torchRows = report.Rows.Where(r => r.Method == GradCheckMethod.Backend).ToArray();
            Assert.Equal(c.InputShapes.Length, torchRows.Length);
            var torchPassed = torchRows.All(r => r.Passed);
            if (c.Error == PlantedError.None)
            {
                Interlocked.Increment(ref correct);
                if (!torchPassed)
                {
                    throw new LawViolation($"torch autograd disagrees with a correct derivative, {c}:\n{report}");
                }

                Interlocked.Increment(ref correctPassed);

                // Two float64 derivatives of the same function: far inside the tolerance.
                Assert.All(torchRows, r => Assert.True(r.MaxRelativeError < 1e-10, $"{c}: {r}"));
            }
            else
            {
                Interlocked.Increment(ref broken);
                if (!torchPassed)
                {
                    Interlocked.Increment(ref brokenCaught);
                }
            }
        }, 200);

        output.WriteLine($"against torch autograd: correct {correctPassed} of {correct} passed; planted errors caught {brokenCaught} of {broken}");
        Assert.Equal(correct, correctPassed);
        Assert.True(brokenCaught >= RequiredDetectionRate * broken, $"caught {brokenCaught} of {broken}");
    }

    private static bool GradCheckRuleFails(double a, double b, GradCheckOptions o) => !(Math.Abs(a - b) <= o.Atol + o.Rtol * Math.Abs(b));
}
