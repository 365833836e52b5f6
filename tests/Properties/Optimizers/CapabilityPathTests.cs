using Xunit.Abstractions;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// The optional capabilities (<see cref="IFusedUpdates"/>, <see cref="IFlatBuffers"/>) change speed, never results:
/// every optimizer of the catalog, on every backend combination, takes the same <see cref="Steps"/> steps with the
/// backend's capabilities (pure <see cref="Optimizer.Step"/>, and the donating step of <see cref="Trainer.Step"/>, which
/// lets fused kernels write in place) as with all of them withheld (<see cref="Capabilities.PlainOnly"/>: the plain
/// compositions of core operations, leaf by leaf). On the Reference backend, which has no capabilities, the runs must
/// be identical to the bit; elsewhere within <see cref="Tolerance"/>, derived from the dtype's unit roundoff.
/// </summary>
public sealed class CapabilityPathTests(ITestOutputHelper output)
{
    /// <summary>Steps per run: several, so that state (moments, accumulators) carries differences forward, and few
    /// enough that no run gets near convergence, where an adaptive method's direction m/√v turns sensitive to rounding.</summary>
    public const int Steps = 10;

    /// <summary>Generated cases per optimizer and combination.</summary>
    public const int Cases = 10;

    /// <summary>Fused maps per leaf and step, at most (Adam with AMSGrad and weight decay: decay, m, v, max, ratio, θ + c·u).</summary>
    public const int MapsPerStep = 6;

    /// <summary>
    /// Roundings one map may differ by between its paths, counted in units of roundoff relative to its operands: each
    /// path rounds every intermediate and every scalar coefficient it converts to the dtype (the plain ratio
    /// γ·a / (s·√b + ε) rounds √b, s·√b, + ε, the quotient, γ· and s, γ, ε; the fused one √b, + ε/s, the quotient, the
    /// product and ε/s, γ/s), at most 8 each, so 16 for their difference.
    /// </summary>
    public const int RoundingsPerMap = 16;

    /// <summary>
    /// The worst conditioning of a map: centered RMSprop's s − m² (s = E[g²], m = E[g]) cancels, amplifying its
    /// operands' rounding by s / (s − m²) = (μ² + σ²)/σ² for gradients of drift μ and noise σ = 1, at most ~17 for the
    /// case generator's drifts μ ~ N(0, 1) within four standard deviations; 20 covers it.
    /// </summary>
    public const double Conditioning = 20;

    /// <summary>How far the parameters may grow over a run, as a multiple of max|θ₀| (the rounding of θ + u scales with |θ|).</summary>
    public const double Growth = 4;

    /// <summary>
    /// The per-leaf bound on <see cref="TrajectoryError"/> between the two paths, for unit roundoff u (2⁻⁵³ in float64,
    /// 2⁻²⁴ in float32) and a case with n parameters in all:
    /// u·(T·M·k·κ + n + T·R / F). The first term is the direction's error: each step's maps differ by at most
    /// M·k·κ roundings relative to the values, and the state carries them forward at most additively (the moment and
    /// accumulator updates are averages, which damp old errors), so T steps add T·M·k·κ. The second is the global norm
    /// of <see cref="ClipByGlobalNorm"/>, summed over one flat buffer with capabilities and leaf by leaf without: a
    /// reordered sum of n positive terms differs by at most n roundings. The third is θ + u itself, rounded at the
    /// scale of |θ| ≤ R·max|θ₀| once per step, which the displacement θ − θ₀ measures against its floor
    /// F·max|θ₀| (<see cref="TrajectoryError.Floor"/>), an amplification by 1/F. With T = 10, M = 6, k = 16,
    /// κ = 20, R = 4, F = 10⁻³ and n ≤ 4·5⁴ this is at most 61,700·u: 6.9·10⁻¹² in float64 and 3.7·10⁻³ in float32.
    /// Random gradient sequences feed nothing back; the smooth loss's dynamics contract (see <see cref="OptimizerCase.GradScale"/>),
    /// so neither amplifies the differences beyond this sum.
    /// </summary>
    public static double Tolerance(DType dtype, long parameters)
    {
        var u = dtype == DType.Float64 ? Math.ScaleB(1, -53) : Math.ScaleB(1, -24);
        return u * ((Steps * MapsPerStep * RoundingsPerMap * Conditioning) + parameters + (Steps * Growth / TrajectoryError.Floor));
    }

    /// <summary>With capabilities (pure and donating steps) and without them, the same steps.</summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnAllBackends), MemberType = typeof(OptimizerCatalog))]
    public void Fused_and_plain_paths_take_the_same_steps(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var exact = backend is not IFusedUpdates and not IFlatBuffers;
        var worst = new WorstSeen($"{optimizer}, capabilities vs plain path on {combination}, {Steps} steps, per leaf");
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                var initial = c.Names.Zip(c.InitialValues()).ToDictionary(p => p.First, p => p.Second);
                var tolerance = exact ? 0 : Tolerance(backend.DType, c.Shapes.Sum(s => s.Size));
                Dictionary<string, double[]> plain;
                using (Capabilities.PlainOnly())
                {
                    Assert.Null(Capabilities.Of<IFusedUpdates>(backend));
                    plain = Run(c, OptimizerCatalog.Build(optimizer), backend, donate: false);
                }

                foreach (var donate in new[] { false, true })
                {
                    var fused = Run(c, OptimizerCatalog.Build(optimizer), backend, donate);
                    var e = TrajectoryError.Of(fused, plain, initial);
                    worst.Record(e.Value, () => $"{e} in {c}{(donate ? ", donating" : "")}");
                    if (!(e.Value <= tolerance))
                    {
                        throw new LawViolation(
                            $"{optimizer}: {e} exceeds {tolerance:G3} (a = capabilities{(donate ? ", donating" : "")}, b = plain path, on {combination}) in {c}");
                    }
                }
            },
            Cases);
        output.WriteLine(worst.ToString());
    }

    /// <summary>The Torch backends have both capabilities, so that the law above compares two different paths there.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Torch_offers_both_capabilities_and_reference_none(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var torch = backend.Name == "torch";
        Assert.Equal(torch, backend is IFusedUpdates);
        Assert.Equal(torch, backend is IFlatBuffers);
    }

    private static Dictionary<string, double[]> Run(OptimizerCase c, Optimizer optimizer, Backend backend, bool donate)
    {
        using var scope = backend.Scope();
        var p = c.Parameters(backend);
        var s = optimizer.Init(p);
        for (var t = 0; t < Steps; t++)
        {
            var g = c.Gradient(t, p);

            // Donating: the old parameters and state are dead after the step, as in Trainer.Fit; the fused kernels may
            // write the new values into their buffers.
            (p, s) = donate ? optimizer.StepDonating(g, s, p) : optimizer.Step(g, s, p);
        }

        return p.ToDictionary(l => l.Key, l => l.Value.ToArray());
    }
}
