using Xunit.Abstractions;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// Issue 4, test (a), law 4 of DESIGN.md: every optimizer, 50 steps from the same random parameter record with
/// the same gradients, ends at the same parameters on the Reference backend and on Torch float64, within 1e-10
/// relative per leaf, both in the parameters and in their displacement θ − θ₀ (<see cref="TrajectoryError"/>).
/// Gradients are a random sequence from the case's key or ∇ of a smooth loss, differentiated by each backend
/// itself (hand-written VJPs against libtorch autograd).
/// </summary>
public sealed class BackendAgreementTests(ITestOutputHelper output)
{
    /// <summary>Per-leaf relative tolerance in float64: a few ulps per operation over 50 steps, with a wide margin.</summary>
    public const double Tolerance = 1e-10;

    /// <summary>Generated cases per optimizer.</summary>
    public const int Cases = 25;

    /// <summary>(a) Reference and Torch float64 agree after 50 steps of each optimizer.</summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnTorchFloat64), MemberType = typeof(OptimizerCatalog))]
    public void Reference_and_torch_float64_take_the_same_steps(string optimizer, string combination)
    {
        var torch = BackendCombinations.Resolve(combination);
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        var worst = new WorstSeen($"(a) {optimizer}, Reference vs {combination}, 50 steps, per leaf");
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                var initial = c.Names.Zip(c.InitialValues()).ToDictionary(p => p.First, p => p.Second);
                var a = c.Run(OptimizerCatalog.Build(optimizer), reference);
                var b = c.Run(OptimizerCatalog.Build(optimizer), torch);
                var e = TrajectoryError.Of(a, b, initial);
                worst.Record(e.Value, () => $"{e} in {c}");
                if (!(e.Value <= Tolerance))
                {
                    throw new LawViolation($"{optimizer}: {e} exceeds {Tolerance:G} (a = Reference, b = {combination}) in {c}");
                }
            },
            Cases);
        output.WriteLine(worst.ToString());
    }
}
