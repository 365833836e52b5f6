using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests;

/// <summary>
/// Law 3 of DESIGN.md: the Reference backend's hand-written VJPs agree with central finite
/// differences of the same objective, away from kinks (see <see cref="CentralDifferences"/>).
/// </summary>
/// <remarks>
/// Kinks are detected, not tolerated: an entry whose differences straddle a kink of ReLU, LeakyReLU,
/// ELU or |w| is rejected and counted; a case with more rejected than accepted entries is discarded
/// by FsCheck (also counted). Every accepted entry is held to the same test: per leaf,
/// max|g − D| ≤ 1e-6·max(max|g|, max|D|, NoiseMultiple·σ̂/1e-6), i.e. relative error 1e-6 unless the
/// central differences themselves cannot resolve that (σ̂ is the differences' own measured rounding
/// noise, the larger of the case's pooled and the leaf's own estimate, which no derivative enters;
/// see <see cref="CentralDifferences"/>).
/// </remarks>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 200)]
public sealed class FiniteDifferenceProperties(ITestOutputHelper output) : IDisposable
{
    /// <summary>Per-leaf relative tolerance of the finite-difference check.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>
    /// How many σ̂ of rounding noise the averaged difference may be off by. The average of D(h) and
    /// D(φh) has noise σ̂/√2 per entry; 8σ̂ ≈ 11 standard deviations, so over ~2·10⁴ entries per run a
    /// correct gradient exceeds it with negligible probability, while a wrong derivative, off by a
    /// fraction of the gradient itself, is still far outside.
    /// </summary>
    public const double NoiseMultiple = 8;

    private readonly WorstSeen worst = new("(c) gradients, Reference vs central differences, per leaf, plain relative error");
    private readonly WorstSeen judged = new("(c) gradients, per leaf, relative error with the noise floor (must be ≤ 1e-6)");
    private readonly WorstSeen inNoise = new("(c) leaves beyond 1e-6 relative: max|g − D| in units of the measured noise σ̂");
    private int entriesChecked;
    private int entriesRejected;
    private int casesDiscarded;

    /// <summary>(c) Reference gradients match central differences within 1e-6 per leaf.</summary>
    [Property]
    public Property Reference_gradients_match_central_differences(NetworkCase c)
    {
        var (_, report) = CentralDifferences.Run(c, c.Parameters(ReferenceBackend.Instance));
        foreach (var leaf in report.Leaves)
        {
            // The noise differs between leaves (a perturbation late in the network re-rounds fewer values),
            // so the larger of the case's pooled estimate and the leaf's own is used.
            var noise = Math.Max(report.Noise, leaf.Noise);
            var floor = NoiseMultiple * noise / Tolerance;
            var plain = RelativeError.Of(leaf.Analytic, leaf.Numeric);
            var e = RelativeError.Of(leaf.Analytic, leaf.Numeric, floor);
            if (e.WorstIndex < 0)
            {
                continue;
            }

            var where = leaf.Indices[e.WorstIndex];
            worst.Record(plain.Value, () => $"leaf '{leaf.Leaf}' entry {leaf.Indices[plain.WorstIndex]}: {plain}, noise σ̂ {noise:G3}, in {c}");
            judged.Record(e.Value, () => $"leaf '{leaf.Leaf}' entry {where}: {e}, noise σ̂ {noise:G3}, in {c}");
            inNoise.Record(plain.Value <= Tolerance || noise == 0 ? 0 : Math.Abs(e.A - e.B) / noise, () => $"leaf '{leaf.Leaf}' entry {where}: {e}, noise σ̂ {noise:G3}, in {c}");
            if (!(e.Value <= Tolerance))
            {
                throw new LawViolation(
                    $"gradient of {c}: leaf '{leaf.Leaf}' flat index {where}: analytic {e.A:R}, central difference {e.B:R}; " +
                    $"{e} over {leaf.Indices.Length} checked entries exceeds {Tolerance:G} (measured noise σ̂ = {noise:G3}, floor {NoiseMultiple}·σ̂/{Tolerance:G})");
            }
        }

        Interlocked.Add(ref entriesChecked, report.Accepted);
        Interlocked.Add(ref entriesRejected, report.Rejected.Count);
        var enough = report.Accepted >= report.Rejected.Count;
        if (!enough)
        {
            Interlocked.Increment(ref casesDiscarded);
        }

        return Prop.When(enough, () => { });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        output.WriteLine(worst.ToString());
        output.WriteLine(judged.ToString());
        output.WriteLine(inNoise.ToString());
        output.WriteLine($"(c) entries checked {entriesChecked}, rejected at a kink {entriesRejected}, cases discarded {casesDiscarded}");
    }
}
