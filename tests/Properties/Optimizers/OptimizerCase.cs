using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>Where a run's gradients come from.</summary>
public enum GradientSource
{
    /// <summary>A sequence drawn from the case's key, independent of the parameters: tests the optimizer's arithmetic alone.</summary>
    RandomSequence,

    /// <summary>∇L of <see cref="OptimizerCase.Loss"/> at the current parameters, by each backend's own differentiation.</summary>
    SmoothLoss,
}

/// <summary>
/// A generated parameter record and gradient sequence for optimizer laws: 1–4 leaves named like a model's
/// (<c>0.weight</c>, <c>0.bias</c>, <c>1.weight</c>, ...) of rank 0–4, dimensions 1–<see cref="MaxDim"/>, values
/// N(0, 1) from <see cref="Key.FromSeed(long)"/>, and gradients either drawn from the key (mean plus noise,
/// times <see cref="GradScale"/>) or from a smooth loss.
/// </summary>
/// <param name="Seed">Seed of every value and of the shapes.</param>
/// <param name="Leaves">Number of leaves (1–4).</param>
/// <param name="MaxRank">Largest rank (0–4).</param>
/// <param name="MaxDim">Largest dimension (1–5).</param>
/// <param name="ScaleExponent">Gradients are scaled by 10^ScaleExponent (−3 to 1).</param>
/// <param name="Source">Where gradients come from.</param>
public sealed record OptimizerCase(long Seed, int Leaves, int MaxRank, int MaxDim, int ScaleExponent, GradientSource Source)
{
    /// <summary>The number of steps every run takes.</summary>
    public const int Steps = 50;

    /// <summary>The arbitrary; shrinks toward fewer, smaller leaves (the seed stays).</summary>
    public static Arbitrary<OptimizerCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from leaves in Gen.Choose(1, 4)
        from maxRank in Gen.Choose(0, 4)
        from maxDim in Gen.Choose(1, 5)
        from scale in Gen.Choose(-3, 1)
        from smooth in Gen.Choose(0, 1)
        select new OptimizerCase(seed, leaves, maxRank, maxDim, scale, smooth == 1 ? GradientSource.SmoothLoss : GradientSource.RandomSequence),
        c => new[]
            {
                c with { Leaves = 1 }, c with { Leaves = c.Leaves - 1 }, c with { MaxRank = 0 }, c with { MaxRank = c.MaxRank - 1 },
                c with { MaxDim = 1 }, c with { MaxDim = c.MaxDim - 1 }, c with { ScaleExponent = 0 },
            }
            .Where(s => s.Leaves >= 1 && s.MaxRank >= 0 && s.MaxDim >= 1 && s != c)
            .Distinct());

    /// <summary>The arbitrary restricted to random gradient sequences.</summary>
    public static Arbitrary<OptimizerCase> RandomSequences { get; } = Arb.From(
        Arbitrary.Generator.Select(c => c with { Source = GradientSource.RandomSequence }),
        c => Arbitrary.Shrinker(c).Where(s => s.Source == GradientSource.RandomSequence));

    /// <summary>
    /// 10^<see cref="ScaleExponent"/>; for the smooth loss clamped to [0.1, 1]. At most 1, so that every optimizer's
    /// steps on it stay in the stable range (rate × curvature ≤ 0.1 × 2.4) and the dynamics contract rounding
    /// differences rather than amplify them: a comparison of two backends must measure their arithmetic, not the
    /// chaos of an ill-conditioned trajectory. At least 0.1, so that an L2 penalty's gradient λθ (λ ≤ 0.01, |θ| ≲ 4)
    /// stays below the loss's (≥ 0.1 · |c(θ − a)| ≥ 0.1, see <see cref="Optima"/>) and cannot cancel it: where
    /// g + λθ ≈ 0 a normalised optimizer divides a cancelled gradient by a stale √v̂ and oscillates with a growing
    /// amplitude (measured at scale 10⁻³ with optima anywhere: NAdam ended 10⁻⁹–10⁻⁶ apart on the two backends in
    /// 5 of 3,000 cases). Small gradient scales are covered by the random sequences, down to 10⁻³.
    /// </summary>
    public double GradScale => Math.Pow(10, Source == GradientSource.SmoothLoss ? Math.Clamp(ScaleExponent, -1, 0) : ScaleExponent);

    /// <summary>The leaf names, in order.</summary>
    public string[] Names => [.. Enumerable.Range(0, Leaves).Select(LeafName)];

    /// <summary>The leaf shapes, in order (derived from the seed, within the case's bounds).</summary>
    public Shape[] Shapes =>
    [
        .. Enumerable.Range(0, Leaves).Select(i =>
        {
            var key = Root.Fold(3000 + (ulong)i);
            var rank = (int)(key.Bits(0) % (ulong)(MaxRank + 1));
            return new Shape([.. Enumerable.Range(0, rank).Select(d => 1 + (int)(key.Bits(1 + d) % (ulong)MaxDim))]);
        }),
    ];

    private Key Root => Key.FromSeed(Seed);

    /// <summary>The i-th leaf's name: <c>0.weight</c>, <c>0.bias</c>, <c>1.weight</c>, ...</summary>
    public static string LeafName(int i) => string.Create(CultureInfo.InvariantCulture, $"{i / 2}.{(i % 2 == 0 ? "weight" : "bias")}");

    /// <summary>The initial parameters, N(0, 1), as plain arrays.</summary>
    public double[][] InitialValues() => [.. Shapes.Select((s, i) => Root.Fold(1000 + (ulong)i).Normal((int)s.Size))];

    /// <summary>The initial parameters on <paramref name="backend"/>.</summary>
    public TensorTree Parameters(Backend backend) => Tree(backend, InitialValues());

    /// <summary>
    /// The random gradient of step <paramref name="step"/> (0-based) as plain arrays: scale·(μᵢ + N(0, 1)), with a
    /// per-leaf drift μᵢ ~ N(0, 1) so that momentum accumulates.
    /// </summary>
    public double[][] RandomGradient(int step)
    {
        var shapes = Shapes;
        var result = new double[shapes.Length][];
        for (var i = 0; i < shapes.Length; i++)
        {
            var n = (int)shapes[i].Size;
            var drift = Root.Fold(2000 + (ulong)i).Normal(n);
            var noise = Root.Fold(10_000 + (ulong)step).Fold((ulong)i).Normal(n);
            result[i] = [.. drift.Zip(noise, (m, z) => GradScale * (m + z))];
        }

        return result;
    }

    /// <summary>
    /// The smooth loss L(θ) = scale·Σᵢ Σ [½cᵢ(θ − aᵢ)² + bᵢ·tanh θ] with cᵢ ∈ [1, 2], aᵢ at least 1.5 from θ₀ (<see cref="Optima"/>), bᵢ ∈ [−½, ½]; its
    /// gradient is scale·(cᵢ(θ − aᵢ) + bᵢ(1 − tanh²θ)) (see <see cref="LossGradient"/>). Strongly convex: the curvature
    /// cᵢ + bᵢ·tanh″θ ≥ 1 − ½·0.77 &gt; 0.6, and at most 2.4.
    /// </summary>
    public Func<TensorTree, Tensor> Loss(Backend backend)
    {
        var (a, b, c) = LossCoefficients();
        var names = Names;
        var shapes = Shapes;
        return p =>
        {
            Tensor? total = null;
            for (var i = 0; i < names.Length; i++)
            {
                var theta = p[names[i]];
                var ai = backend.FromArray(a[i], shapes[i]);
                var bi = backend.FromArray(b[i], shapes[i]);
                var ci = backend.FromArray(c[i], shapes[i]);
                var term = ((theta - ai).Square() * ci * 0.5 + theta.Tanh() * bi).Sum() * GradScale;
                total = total is null ? term : total + term;
            }

            return total!;
        };
    }

    /// <summary>∇L of <see cref="Loss"/> at <paramref name="theta"/>, in plain C#.</summary>
    public double[][] LossGradient(double[][] theta)
    {
        var (a, b, c) = LossCoefficients();
        return
        [
            .. theta.Select((t, i) => t.Select((x, j) =>
            {
                var th = Math.Tanh(x);
                return GradScale * ((c[i][j] * (x - a[i][j])) + (b[i][j] * (1 - (th * th))));
            }).ToArray()),
        ];
    }

    /// <summary>
    /// The gradient of step <paramref name="step"/> at <paramref name="parameters"/> on their backend: the random
    /// sequence's, or ∇L by the backend's own differentiation.
    /// </summary>
    public TensorTree Gradient(int step, TensorTree parameters)
    {
        var backend = parameters[0].Value.Backend;
        return Source == GradientSource.RandomSequence
            ? Tree(backend, RandomGradient(step))
            : Grad.Gradient(Loss(backend), parameters);
    }

    /// <summary>A tree with the case's names and shapes holding <paramref name="values"/>.</summary>
    public TensorTree Tree(Backend backend, double[][] values)
    {
        var names = Names;
        var shapes = Shapes;
        return TensorTree.Of([.. names.Select((n, i) => (n, backend.FromArray(values[i], shapes[i])))]);
    }

    /// <summary>Runs <paramref name="optimizer"/> for <paramref name="steps"/> steps from <see cref="Parameters"/> on <paramref name="backend"/>; returns the leaves' values.</summary>
    public Dictionary<string, double[]> Run(Optimizer optimizer, Backend backend, int steps = Steps)
    {
        using var scope = backend.Scope();
        var p = Parameters(backend);
        var s = optimizer.Init(p);
        for (var t = 0; t < steps; t++)
        {
            (p, s) = optimizer.Step(Gradient(t, p), s, p);
        }

        return p.ToDictionary(l => l.Key, l => l.Value.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"OptimizerCase(seed {Seed}, shapes [{string.Join(", ", Shapes.Select((s, i) => $"{LeafName(i)} {s}"))}], gradient scale 1e{ScaleExponent}, {Source})");

    private (double[][] A, double[][] B, double[][] C) LossCoefficients()
    {
        var sizes = Shapes.Select(s => (int)s.Size).ToArray();
        var start = InitialValues();
        return (
            [.. sizes.Select((n, i) => Optima(start[i], Root.Fold(4000 + (ulong)i).Normal(n)))],
            [.. sizes.Select((n, i) => Root.Fold(5000 + (ulong)i).Uniform(n, -0.5, 0.5))],
            [.. sizes.Select((n, i) => Root.Fold(6000 + (ulong)i).Uniform(n, 1, 2))]);
    }

    /// <summary>
    /// aᵢ = θ₀ᵢ ± (<see cref="OptimumDistance"/> + |zᵢ|), the sign of zᵢ ~ N(0, 1): every optimum lies beyond the reach
    /// of 50 steps, so that no gradient component crosses zero on the way. Near a zero crossing the normalised
    /// optimizers (Adam, NAdam, RAdam, RMSprop, …) divide a small, partly cancelled gradient by a stale √v̂; their
    /// effective rate then exceeds the stability limit, the iterates oscillate with a growing amplitude, and two
    /// backends end 10⁻⁹–10⁻⁶ apart from rounding alone (measured: 5 of 3,000 NAdam cases above 10⁻¹⁰ with optima
    /// drawn as N(0, 1) independently of θ₀). Beyond that distance |c(θ − a)| &gt; |b·(1 − tanh²θ)| for every θ a
    /// normalised optimizer's run can reach, so the gradient keeps its sign.
    /// </summary>
    private static double[] Optima(double[] start, double[] z) =>
        [.. start.Zip(z, (t, zi) => t + (Math.Sign(zi) >= 0 ? 1 : -1) * (OptimumDistance + Math.Abs(zi)))];

    /// <summary>
    /// The least distance from θ₀ to the optimum. The Adam family moves a parameter by about rate × steps ≤ 0.5 in
    /// 50 steps (measured at most 0.8 over 300 cases each: RAdam's unrectified first steps; AdamW's decoupled decay
    /// included), and 1.5 − 0.8 leaves |c(θ − a)| ≥ 0.7 &gt; ½ ≥ |b·(1 − tanh²θ)|. The entries that do reach their optimum (SGD and the lecture forms, up to 5; RMSprop and
    /// Adagrad, whose first steps are large, up to 1.3; RMSprop with momentum, up to 5) contract there at their
    /// rates: measured worst 6·10⁻¹⁴ against Torch over 300 cases each.
    /// </summary>
    private const double OptimumDistance = 1.5;
}
