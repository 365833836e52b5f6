using System.Globalization;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// Dropout keeps the expected activation: on a constant input c of n = 10⁶ entries, the training output's mean
/// is within 5σ of its expectation (c for inverted dropout, c·(1 − p) for classic, which is the classic
/// evaluation output), and the fraction of dropped entries within 5σ of p. Fixed keys, so the test is
/// deterministic; the bound says how unlikely a failure would be for a correct layer under a random key.
/// </summary>
/// <remarks>
/// <para>Derivation. Entry i of the output is Yᵢ = c·mᵢ·k with mᵢ ~ Bernoulli(1 − p) independent and k = 1/(1 − p)
/// (inverted) or 1 (classic). So</para>
/// <code>
/// inverted: E[Yᵢ] = c,         Var[Yᵢ] = c²·p/(1 − p),   std of the mean over n: σ = c·√(p/((1 − p)n))
/// classic:  E[Yᵢ] = c(1 − p),  Var[Yᵢ] = c²·p(1 − p),    σ = c·√(p(1 − p)/n)
/// dropped fraction:  E = p,    std over n: √(p(1 − p)/n)
/// </code>
/// <para>
/// False-failure probability of the 5σ bound, rigorously by Bernstein's inequality for i.i.d. variables with
/// |Yᵢ − E Yᵢ| ≤ b and variance σ₁² = nσ²: P(|Ȳ − E Ȳ| ≥ t) ≤ 2·exp(−n t²/(2σ₁² + 2bt/3)). With t = 5σ this is
/// 2·exp(−12.5/(1 + (5/3)·b/(σ₁√n))). For p ∈ {0.1, 0.5, 0.9} the ratio b/σ₁ is at most 3 (inverted p = 0.9:
/// b = 9c, σ₁ = 3c; classic p = 0.1: b = 0.9c, σ₁ = 0.3c), so with n = 10⁶ each check fails with probability
/// ≤ 2·exp(−12.5/1.005) ≈ 7.9e-6, and all 12 checks together (union bound) with ≤ 1e-4. The normal approximation
/// (the CLT, n = 10⁶) puts each at P(|Z| ≥ 5) ≈ 5.7e-7. The test computes the Bernstein bound for each check
/// and prints it with the observed deviation in units of σ.
/// </para>
/// </remarks>
public sealed class DropoutStatisticsTests(ITestOutputHelper output)
{
    /// <summary>Entries per check.</summary>
    public const int Entries = 1000 * 1000;

    /// <summary>The bound, in standard deviations of the mean.</summary>
    public const double Sigmas = 5;

    /// <summary>The constant input.</summary>
    public const double C = 1.7;

    /// <summary>Inverted and classic dropout keep the expected activation; the dropped fraction is p.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Dropout_keeps_the_expected_activation(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var x = backend.FromArray(Enumerable.Repeat(C, Entries).ToArray(), 1000, 1000);
        var failures = new List<string>();
        foreach (var p in new[] { 0.1, 0.5, 0.9 })
        {
            foreach (var kind in new[] { DropoutKind.Inverted, DropoutKind.Classic })
            {
                var layer = new Dropout(p, kind);
                var key = Key.FromSeed(20_250_501).Fold((ulong)(p * 10)).Fold((ulong)kind);
                var y = layer.Apply(TensorTree.Empty, TensorTree.Empty, x, Context.Train(key)).Output.ToArray();
                var mean = y.Average();
                var dropped = y.Count(v => v == 0) / (double)Entries;

                // E[Y], σ of the mean, and b = max|Y − E Y| for the Bernstein bound.
                var (expected, sigma1, b) = kind == DropoutKind.Inverted
                    ? (C, C * Math.Sqrt(p / (1 - p)), C * Math.Max(1, p / (1 - p)))
                    : (C * (1 - p), C * Math.Sqrt(p * (1 - p)), C * Math.Max(p, 1 - p));
                var evalOutput = layer.Apply(TensorTree.Empty, TensorTree.Empty, x, Context.Eval).Output.ToArray()[0];
                Check($"{layer.Describe()} mean output", mean, expected, sigma1, b, failures);
                Check($"{layer.Describe()} dropped fraction", dropped, p, Math.Sqrt(p * (1 - p)), Math.Max(p, 1 - p), failures);

                // The evaluation output is the training output's expectation, exactly as each kind defines it.
                var evalExpected = kind == DropoutKind.Inverted ? C : C * (1 - p);
                if (Math.Abs(evalOutput - evalExpected) > 1e-6 * C)
                {
                    failures.Add($"{layer.Describe()} evaluation output {evalOutput:R}, expected {evalExpected:R}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        void Check(string what, double observed, double expected, double sigma1, double b, List<string> fails)
        {
            var sigma = sigma1 / Math.Sqrt(Entries);
            var deviation = Math.Abs(observed - expected) / sigma;
            var bernstein = 2 * Math.Exp(-Sigmas * Sigmas / 2 / (1 + Sigmas / 3 * b / (sigma1 * Math.Sqrt(Entries))));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{combination} {what}: observed {observed:R}, expected {expected:R}, σ {sigma:G3}, |deviation| {deviation:F2}σ (bound {Sigmas}σ; false-failure probability ≤ {bernstein:G2} by Bernstein)"));
            if (!(deviation <= Sigmas))
            {
                fails.Add($"{what}: observed {observed:R}, expected {expected:R}: {deviation:F2}σ exceeds {Sigmas}σ (σ = {sigma:G3})");
            }

            if (!(bernstein <= 1e-5))
            {
                fails.Add($"{what}: the Bernstein bound {bernstein:G3} is weaker than the documented 1e-5");
            }
        }
    }
}
