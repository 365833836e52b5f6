using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// A generated batch-norm input of layout [N, C], [N, C, L] or [N, C, H, W] with γ, β, a weighting R for the
/// loss ℓ = Σ R⊙tanh(y), and ε, all drawn from <see cref="Seed"/>.
/// </summary>
/// <param name="Seed">Seed of every value.</param>
/// <param name="Batch">N (2–10).</param>
/// <param name="Channels">C (1–6).</param>
/// <param name="Trailing">The trailing dimensions (none, [L] or [H, W], each 1–4).</param>
/// <param name="Epsilon">ε (1e-5, 1e-3 or 0.1).</param>
/// <param name="Offset">A common offset of the inputs (0, or up to ±5): batch statistics must not care.</param>
public sealed record BatchNormCase(long Seed, int Batch, int Channels, int[] Trailing, double Epsilon, double Offset)
{
    /// <summary>The arbitrary (shrinks toward smaller shapes and rank 2; the seed stays).</summary>
    public static Arbitrary<BatchNormCase> Arbitrary { get; } = Arb.From(Generator(minBatch: 2), Shrink);

    /// <summary>The arbitrary with at least three values per channel (M ≥ 3; see <see cref="NormalizationCase"/> on M = 2).</summary>
    public static Arbitrary<BatchNormCase> WellPosed { get; } = Arb.From(Generator(minBatch: 3), c => Shrink(c).Where(s => s.Batch >= 3));

    /// <summary>The input's shape.</summary>
    public Shape Shape => new([Batch, Channels, .. Trailing]);

    /// <summary>Values per channel.</summary>
    public int PerChannel => Batch * Trailing.Aggregate(1, (a, b) => a * b);

    /// <summary>The input: N(offset, 1) entries, each channel scaled by a factor in [0.5, 2].</summary>
    public double[] X()
    {
        var z = Root.Fold(0).Normal(checked((int)Shape.Size));
        var scale = Root.Fold(1).Uniform(Channels, 0.5, 2);
        var inner = PerChannel / Batch;
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = Offset + scale[i / inner % Channels] * z[i];
        }

        return z;
    }

    /// <summary>γ ~ U(0.5, 1.5).</summary>
    public double[] Gamma() => Root.Fold(2).Uniform(Channels, 0.5, 1.5);

    /// <summary>β ~ N(0, ½²).</summary>
    public double[] Beta() => Root.Fold(3).Normal(Channels).Select(v => 0.5 * v).ToArray();

    /// <summary>The loss weights R ~ N(0, 1), shape of the input.</summary>
    public double[] Weights() => Root.Fold(4).Normal(checked((int)Shape.Size));

    /// <summary>The parameter tree (x, weight, bias) on <paramref name="backend"/>: the input is differentiated too.</summary>
    public TensorTree Tree(Backend backend) => TensorTree.Of(
        ("x", backend.FromArray(X(), Shape)),
        ("weight", backend.FromArray(Gamma(), new Shape(Channels))),
        ("bias", backend.FromArray(Beta(), new Shape(Channels))));

    /// <summary>ℓ = Σ R⊙tanh(y) with y from <paramref name="normalize"/>(x, γ, β).</summary>
    public Func<TensorTree, Tensor> Loss(Backend backend, Func<Tensor, Tensor, Tensor, Tensor> normalize)
    {
        var r = backend.FromArray(Weights(), Shape);
        return p => (r * normalize(p["x"], p["weight"], p["bias"]).Tanh()).Sum();
    }

    /// <summary>
    /// The floor of each gradient leaf's comparison: the magnitude the gradient is summed from, i.e. the lecture's
    /// backward pass with every term replaced by its absolute value (rounding errors of a sum are bounded relative
    /// to the sum of the absolute values of its terms, Higham §3.1, not relative to a result that cancels):
    /// <code>
    /// β: maxc Σᵢ |ȳᵢ|        γ: maxc Σᵢ |ȳᵢ|·(|xᵢ| + |μ|)/s   (x − μ is rounded relative to |x| + |μ|)
    /// x: maxᵢ |ȳᵢγ|/s + V·2|xᵢ − μ|/M + U/M,  with s = √(σ² + ε), V = Σ|ȳγ(x − μ)|·½s⁻³, U = Σ|ȳγ|/s + V·Σ2|x − μ|/M
    /// </code>
    /// where ȳ = ∂ℓ/∂y = R⊙(1 − tanh²y). The loss ℓ = Σ R⊙tanh(y) makes ∂ℓ/∂γ cancel whenever R⊙tanh′ is nearly
    /// uncorrelated with x̂ in a channel (seen: ∂ℓ/∂γ = 8e-4 from terms of order 1, where two correct float64
    /// implementations differed by 1.2e-12 of the result).
    /// </summary>
    public Dictionary<string, double> GradientFloors()
    {
        var x = X();
        var gamma = Gamma();
        var beta = Beta();
        var r = Weights();
        var inner = PerChannel / Batch;
        var m = (double)PerChannel;
        double floorX = 0, floorGamma = 0, floorBeta = 0;
        for (var ch = 0; ch < Channels; ch++)
        {
            var at = Enumerable.Range(0, Batch).SelectMany(n => Enumerable.Range((n * Channels + ch) * inner, inner)).ToArray();
            var mu = at.Sum(i => x[i]) / m;
            var s = Math.Sqrt(at.Sum(i => (x[i] - mu) * (x[i] - mu)) / m + Epsilon);
            var gy = at.Select(i =>
            {
                var t = Math.Tanh(gamma[ch] * (x[i] - mu) / s + beta[ch]);
                return r[i] * (1 - t * t);
            }).ToArray();
            var v = at.Select((i, k) => Math.Abs(gy[k] * gamma[ch] * (x[i] - mu))).Sum() * 0.5 / (s * s * s);
            var u = gy.Sum(g => Math.Abs(g * gamma[ch])) / s + v * at.Sum(i => 2 * Math.Abs(x[i] - mu)) / m;
            for (var k = 0; k < at.Length; k++)
            {
                floorX = Math.Max(floorX, Math.Abs(gy[k] * gamma[ch]) / s + v * 2 * Math.Abs(x[at[k]] - mu) / m + u / m);
            }

            floorGamma = Math.Max(floorGamma, at.Select((i, k) => Math.Abs(gy[k]) * (Math.Abs(x[i]) + Math.Abs(mu)) / s).Sum());
            floorBeta = Math.Max(floorBeta, gy.Sum(Math.Abs));
        }

        return new() { ["x"] = floorX, ["weight"] = floorGamma, ["bias"] = floorBeta };
    }

    /// <summary>The case in one line.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"BatchNormCase(seed {Seed}, input {Shape}, ε {Epsilon:G}, offset {Offset:G})");

    private Key Root => Key.FromSeed(Seed);

    private static Gen<BatchNormCase> Generator(int minBatch) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from batch in Gen.Choose(minBatch, 10)
        from channels in Gen.Choose(1, 6)
        from rank in Gen.Choose(2, 4)
        from trailing in Gen.ArrayOf(Gen.Choose(1, 4), rank - 2)
        from epsilon in Gen.Elements(1e-5, 1e-3, 0.1)
        from offset in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(-50, 50)))
        select new BatchNormCase(seed, batch, channels, trailing, epsilon, offset / 10.0);

    private static IEnumerable<BatchNormCase> Shrink(BatchNormCase c)
    {
        if (c.Trailing.Length > 0)
        {
            yield return c with { Trailing = [] };
            yield return c with { Trailing = c.Trailing[..^1] };
        }

        if (c.Batch > 2)
        {
            yield return c with { Batch = c.Batch - 1 };
        }

        if (c.Channels > 1)
        {
            yield return c with { Channels = 1 };
        }

        if (c.Offset != 0)
        {
            yield return c with { Offset = 0 };
        }
    }
}
