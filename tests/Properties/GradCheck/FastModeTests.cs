using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// Fast mode (random directional derivatives) reaches the same verdict as full mode (every entry): on generated
/// primitives, correct and broken, and on generated small networks whose activation is a generated custom op,
/// correct or broken. Cases whose planted error sits within a factor 2 of the allowance (marginal) are set aside,
/// counted, and bounded to a tenth of the cases.
/// </summary>
public sealed class FastModeTests(ITestOutputHelper output)
{
    [Fact]
    public void Fast_mode_agrees_with_full_mode_on_generated_primitives()
    {
        int cases = 0, agree = 0, failedBoth = 0, marginal = 0;
        var disagreements = new ConcurrentBag<string>();
        Law.Check(PrimitiveCase.Either, c =>
        {
            var key = Key.FromSeed(c.Seed);
            var full = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, key);
            var fast = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, key, GradCheckOptions.Float64.AsFast());
            Assert.All(fast.Rows, r => Assert.Equal(GradCheckMethod.DirectionalDerivatives, r.Method));
            Interlocked.Increment(ref cases);

            // A planted error that full mode sees within a factor 2 of the allowance either way is marginal (as in the
            // network law below): fast mode's random directions may honestly fall on either side (seen: MatMul 2×2 with
            // a transposed factor, worst entry 1.07× its allowance, failed by full mode and passed by fast mode).
            if (WorstExcess(full) is > MarginalLow and < MarginalHigh)
            {
                Interlocked.Increment(ref marginal);
                return;
            }

            if (full.Passed == fast.Passed)
            {
                Interlocked.Increment(ref agree);
                if (!full.Passed)
                {
                    Interlocked.Increment(ref failedBoth);
                }
            }
            else
            {
                disagreements.Add($"{c}: full {(full.Passed ? "passed" : "failed")}, fast {(fast.Passed ? "passed" : "failed")}\n{full}\n{fast}");
            }
        }, 500);

        output.WriteLine($"primitives: fast and full agree on {agree} of {cases - marginal} cases ({failedBoth} failed by both); set aside: {marginal} marginal");
        Assert.True(disagreements.IsEmpty, string.Join("\n", disagreements.Take(3)));
        Assert.InRange(marginal, 0, MaxUnresolvableFraction * cases);
    }

    /// <summary>
    /// How far beyond its allowance full mode found the worst entry of any row: |a − b| / (atol + rtol·|b|) at the row's
    /// worst entry (the checker picks the entry of largest such excess); ≤ 1 where every entry passed.
    /// </summary>
    private static double WorstExcess(GradCheckReport full) =>
        full.Rows.Where(r => r.WorstIndex >= 0)
            .Select(r => Math.Abs(r.Analytic - r.Expected) / (r.Atol + r.Rtol * Math.Abs(r.Expected)))
            .Select(e => double.IsNaN(e) ? double.PositiveInfinity : e)
            .DefaultIfEmpty(0)
            .Max();

    /// <summary>
    /// Cases whose loss is so large that its own rounding blurs central differences at eps 1e-6
    /// (<see cref="GradCheckReport.NoiseMayBlurVerdict"/>: u·|L|/eps over atol/10, i.e. |L| ≳ 9,000; the activations
    /// include x⁹ and exp(x³/2)) are set aside, not judged: there the checker itself says the verdict may be noise
    /// (seen in a stress run: |L| = 1.2e6, differences off by 1e-3). At most this fraction may be set aside.
    /// </summary>
    public const double MaxUnresolvableFraction = 0.1;

    /// <summary>
    /// A planted error's visibility (<see cref="NetworkWithCustomActivation.PlantedErrorVisibility"/>, or for a
    /// primitive full mode's worst excess over the allowance) between these bounds is marginal: the wrong gradient
    /// sits within a factor 2 of the rule's allowance, where either verdict is honest and fast and full mode may differ. Below the lower bound the wrong derivative is right at this point
    /// (3·2x/(1+x²) written as 3 is exact at x = 1: a stress run drew a pre-activation of 0.996) and must pass.
    /// </summary>
    public const double MarginalLow = 0.5, MarginalHigh = 2;

    [Fact]
    public void Fast_mode_agrees_with_full_mode_on_generated_networks_with_a_custom_activation()
    {
        int cases = 0, failedBoth = 0, unresolvable = 0, marginal = 0;
        var disagreements = new ConcurrentBag<string>();
        Law.Check(NetworkWithCustomActivation.Arbitrary, n =>
        {
            var backend = ReferenceBackend.Instance;
            var (loss, parameters) = n.Build(backend);
            var full = Functional.Nets.GradCheck.Check(loss, parameters);
            Interlocked.Increment(ref cases);
            if (full.NoiseMayBlurVerdict)
            {
                Interlocked.Increment(ref unresolvable);
                return;
            }

            var visibility = n.PlantedErrorVisibility(backend, full.Options);
            if (visibility is > MarginalLow and < MarginalHigh)
            {
                Interlocked.Increment(ref marginal);
                return;
            }

            var fast = Functional.Nets.GradCheck.Check(loss, parameters, GradCheckOptions.Float64.AsFast() with { Key = Key.FromSeed(n.Seed) });
            if (full.Passed != fast.Passed)
            {
                disagreements.Add($"{n}: full {(full.Passed ? "passed" : "failed")}, fast {(fast.Passed ? "passed" : "failed")}\n{full}\n{fast}");
            }
            else if (!full.Passed)
            {
                Interlocked.Increment(ref failedBoth);
            }

            // A correct network passes; a visible planted error fails (both modes, as just checked); one that is
            // invisible at this point passes.
            Assert.True(full.Passed == (visibility <= MarginalLow), $"{n} (planted error visibility {visibility:G3}):\n{full}");
        }, 200);

        var judged = cases - unresolvable - marginal;
        output.WriteLine(
            $"networks: fast and full agree on {judged - disagreements.Count} of {judged} cases ({failedBoth} failed by both); " +
            $"set aside: {unresolvable} unresolvable at eps 1e-6, {marginal} with a marginal planted error");
        Assert.True(disagreements.IsEmpty, string.Join("\n", disagreements.Take(3)));
        Assert.InRange(unresolvable + marginal, 0, MaxUnresolvableFraction * cases);
    }

    /// <summary>
    /// The CI case behind the primitives law's marginal window: a transposed factor of a 2×2 MatMul that full mode
    /// fails by a hair (worst entry 1.07× its allowance) and fast mode's directions pass; the law sets it aside.
    /// </summary>
    [Fact]
    public void A_marginal_planted_error_is_set_aside()
    {
        var c = new PrimitiveCase(618774020, PrimitiveKind.MatMul, 2, 2, 0, 0, PlantedError.Transposed);
        Assert.Equal("MatMul [[2, 2]; [2, 2]] seed 618774020, planted Transposed", c.ToString());
        var key = Key.FromSeed(c.Seed);
        var full = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, key);
        var fast = Functional.Nets.GradCheck.Op(c.Op(), c.InputShapes, key, GradCheckOptions.Float64.AsFast());
        Assert.False(full.Passed, full.ToString());
        Assert.True(fast.Passed, fast.ToString());
        Assert.InRange(WorstExcess(full), MarginalLow, MarginalHigh);
    }

    /// <summary>The stress-run case: a planted error that is no error at this point passes both modes.</summary>
    [Fact]
    public void A_planted_error_that_is_exact_at_the_point_passes()
    {
        var n = new NetworkWithCustomActivation(2028423075, 5, 1, 1, new PrimitiveCase(2020093586, PrimitiveKind.Chain, 2, 5, 8, 6, PlantedError.MissingTerm));
        Assert.Equal("Dense(5→1) · 3x−1∘ln(1+x²) [[2, 5]] seed 2020093586, planted MissingTerm · Dense(1→2), batch 1, seed 2028423075", n.ToString());
        var (loss, parameters) = n.Build(ReferenceBackend.Instance);
        var full = Functional.Nets.GradCheck.Check(loss, parameters);
        Assert.InRange(n.PlantedErrorVisibility(ReferenceBackend.Instance, full.Options), 0, MarginalLow);
        Assert.True(full.Passed, full.ToString());
        Assert.True(Functional.Nets.GradCheck.Check(loss, parameters, GradCheckOptions.Float64.AsFast() with { Key = Key.FromSeed(n.Seed) }).Passed);
    }

    [Fact]
    public void Fast_mode_evaluates_the_loss_twice_per_direction_whatever_the_size()
    {
        var backend = ReferenceBackend.Instance;
        var model = new Sequential(new Dense(30, 40), new Tanh(), new Dense(40, 3));
        var parameters = model.Init(Key.FromSeed(1), backend);
        var x = backend.FromArray(Key.FromSeed(2).Normal(8 * 30), 8, 30);
        var y = backend.FromArray(Key.FromSeed(3).Normal(8 * 3), 8, 3);
        var evaluations = 0;
        Tensor Loss(TensorTree p)
        {
            Interlocked.Increment(ref evaluations);
            return Losses.MeanSquaredError(model.Apply(p, x), y);
        }

        var options = GradCheckOptions.Float64.AsFast() with { Directions = 2 };
        var report = Functional.Nets.GradCheck.Check(Loss, parameters, options);
        Assert.True(report.Passed, report.ToString());

        // One ValueAndGrad, then 2 evaluations per direction: (2 random + 1 along the gradient) × (4 leaves + 1 overall).
        Assert.Equal(1 + 2 * 3 * (parameters.Count + 1), evaluations);
        Assert.All(report.Rows, r => Assert.Equal(3, r.Checked));
        Assert.Equal(parameters.Count + 1, report.Rows.Count);
        Assert.Equal("(all)", report.Rows[^1].Leaf);
        Assert.Equal(parameters.ParameterCount, report.Rows[^1].Shape.Size);
    }
}

/// <summary>A generated network Dense → custom activation (a generated elementwise primitive) → Dense with an MSE loss.</summary>
/// <param name="Seed">Seed of parameters and data.</param>
/// <param name="Inputs">Input width (1–6).</param>
/// <param name="Hidden">Hidden width (1–8).</param>
/// <param name="Batch">Rows (1–5).</param>
/// <param name="Activation">The elementwise primitive (chain or product), correct or with a planted error.</param>
public sealed record NetworkWithCustomActivation(int Seed, int Inputs, int Hidden, int Batch, PrimitiveCase Activation)
{
    /// <summary>The arbitrary: half the activations correct, half with a planted error.</summary>
    public static Arbitrary<NetworkWithCustomActivation> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from inputs in Gen.Choose(1, 6)
        from hidden in Gen.Choose(1, 8)
        from batch in Gen.Choose(1, 5)
        from activation in PrimitiveCase.Either.Generator
        where activation.Kind is PrimitiveKind.Chain or PrimitiveKind.Product
        select new NetworkWithCustomActivation(seed, inputs, hidden, batch, activation));

    /// <summary>The loss and the initial parameters on <paramref name="backend"/>.</summary>
    public (Func<TensorTree, Tensor> Loss, TensorTree Parameters) Build(Backend backend)
    {
        var model = new Sequential(new Dense(Inputs, Hidden), new CustomActivation(Activation.Op()), new Dense(Hidden, 2));
        var x = backend.FromArray(Key.FromSeed(Seed).Fold(1).Normal(Batch * Inputs), Batch, Inputs);
        var y = backend.FromArray(Key.FromSeed(Seed).Fold(2).Normal(Batch * 2), Batch, 2);
        return (p => Losses.MeanSquaredError(model.Apply(p, x), y), model.Init(Key.FromSeed(Seed), backend));
    }

    /// <summary>
    /// How far the planted derivative moves the gradient, in units of the check's allowance:
    /// maxⱼ |aⱼ − cⱼ| / (atol + rtol·|cⱼ|) with a the gradient with the planted error and c the correct one, both
    /// by the Reference backend's VJPs at the initial parameters. 0 for a correct activation.
    /// </summary>
    public double PlantedErrorVisibility(Backend backend, GradCheckOptions options)
    {
        if (Activation.Error == PlantedError.None)
        {
            return 0;
        }

        var (loss, parameters) = Build(backend);
        var (correctLoss, _) = (this with { Activation = Activation.AsCorrect }).Build(backend);
        var (_, planted) = Grad.ValueAndGrad(loss, parameters);
        var (_, correct) = Grad.ValueAndGrad(correctLoss, parameters);
        var worst = 0.0;
        for (var i = 0; i < planted.Count; i++)
        {
            var a = planted[i].Value.ToArray();
            var c = correct[i].Value.ToArray();
            for (var j = 0; j < a.Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(a[j] - c[j]) / (options.Atol + options.Rtol * Math.Abs(c[j])));
            }
        }

        return worst;
    }

    /// <inheritdoc />
    public override string ToString() => $"Dense({Inputs}→{Hidden}) · {Activation} · Dense({Hidden}→2), batch {Batch}, seed {Seed}";
}
