using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// <see cref="ParameterAverage"/>: (1) the parameters and the inner optimizer's state are bit-identical to those of the
/// inner optimizer alone, (2) the average is θ̄ₜ = β·θ̄ₜ₋₁ + (1 − β)·θₜ from θ̄₀ = θ₀, recomputed on the host from the
/// trajectory in float64, (3) a donated <see cref="Trainer.Step"/> gives bit for bit what the pure one gives, average
/// included, and (4) bad input names the optimizer. The catalog entry "adam with a parameter average" puts it through
/// every optimizer law besides (fused vs plain path, checkpoint resume, backend agreement).
/// </summary>
public sealed class ParameterAverageTests
{
    private const double Decay = 0.9;

    /// <summary>(1) and (2) over generated cases on every backend combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Parameters_step_as_the_inner_optimizer_and_the_average_follows_them(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(
            OptimizerCase.RandomSequences,
            c =>
            {
                using var scope = backend.Scope();
                var inner = Optim.Adam(0.01);
                var averaged = Optim.ParameterAverage(Optim.Adam(0.01), Decay);
                var p = c.Parameters(backend);
                var s = inner.Init(p);
                var pa = p;
                var sa = averaged.Init(p);

                // The host's average, in float64 from the values the backend holds (θ̄₀ = θ₀ exactly).
                var expected = p.ToDictionary(l => l.Key, l => l.Value.ToArray());
                for (var t = 0; t < 20; t++)
                {
                    (p, s) = inner.Step(c.Gradient(t, p), s, p);
                    (pa, sa) = averaged.Step(c.Gradient(t, pa), sa, pa);
                    foreach (var (name, leaf) in p)
                    {
                        var theta = leaf.ToArray();
                        var mean = expected[name];
                        for (var i = 0; i < mean.Length; i++)
                        {
                            mean[i] += (1 - Decay) * (theta[i] - mean[i]);
                        }
                    }
                }

                Bits.Identical($"{combination}: parameters with the average vs the inner optimizer alone", p, pa);
                Bits.Identical($"{combination}: inner state vs the inner optimizer's state", s, sa.Child("inner"));
                var average = ParameterAverage.Average(sa);
                Assert.Equal(p.Names, average.Names);

                // float64: the backend's lerp against the host's two operations, 20 steps, rounding only: 1e-12 relative.
                // float32: a + w(b − a) rounds three times, ≤ u(|θ̄′| + 2w·2M) ≤ 1.4u·M per step with u = 2⁻²⁴, w = 1 − β = 0.1
                // and M the largest magnitude; an earlier error is carried with factor β, so in all ≤ 1.4u·M/(1 − β) ≤ 15u·M.
                var tolerance = backend.DType == DType.Float64 ? 1e-12 : 1.5 * Math.Pow(2, -24) / (1 - Decay);
                foreach (var (name, leaf) in average)
                {
                    var actual = leaf.ToArray();
                    var scale = Math.Max(1, expected[name].Max(Math.Abs));
                    var worst = actual.Zip(expected[name], (x, y) => Math.Abs(x - y)).Max() / scale;
                    if (!(worst <= tolerance))
                    {
                        throw new LawViolation($"{combination}: average of '{name}' off by {worst:G3} relative (bound {tolerance:G3}) in {c}");
                    }
                }
            },
            10);
    }

    /// <summary>(3) Through the trainer, donating every state after the first: bit-identical, the average included.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void A_donated_trainer_step_keeps_the_same_average(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var key = Key.FromSeed(11);
        using var data = new Dataset(
            backend.FromArray(key.Fold(1).Normal(32 * 3), 32, 3),
            backend.FromArray(key.Fold(2).Normal(32 * 2), 32, 2));
        var trainer = new Trainer(
            new Sequential(new Dense(3, 5), new Tanh(), new Dense(5, 2)),
            Losses.MeanSquaredError,
            Optim.ParameterAverage(Optim.Adam(0.05), 0.8));
        var initial = trainer.Init(Key.FromSeed(12), backend);
        var batches = data.Batches(8, Key.FromSeed(13)).ToList();
        var pure = initial;
        var donated = initial;
        for (var step = 0; step < 8; step++)
        {
            (pure, _) = trainer.Step(pure, batches[step % batches.Count]);
            (donated, _) = trainer.Step(donated, batches[step % batches.Count], donate: step > 0);
        }

        Bits.Identical($"{combination}: donated vs pure steps with a parameter average", pure, donated);
        var average = ParameterAverage.Average(pure.OptimizerState);
        Assert.Equal(pure.Parameters.Names, average.Names);
        Assert.NotEqual(pure.Parameters["0.weight"].ToArray(), average["0.weight"].ToArray());
    }

    /// <summary>(4) A decay outside [0, 1) and a state without an average are refused, naming what was expected.</summary>
    [Fact]
    public void Bad_input_is_refused_with_a_clear_message()
    {
        var high = Assert.Throws<ArgumentOutOfRangeException>(() => Optim.ParameterAverage(Optim.Sgd(0.1), 1.0));
        Assert.Contains("ParameterAverage", high.Message, StringComparison.Ordinal);
        Assert.Contains("[0, 1)", high.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.ParameterAverage(Optim.Sgd(0.1), double.NaN));

        var backend = Functional.Nets.Reference.ReferenceBackend.Instance;
        var parameters = TensorTree.Of(("0.weight", backend.FromArray([1.0, 2.0], 2)));
        var plain = Optim.Adam(0.1).Init(parameters);
        var missing = Assert.Throws<ArgumentException>(() => ParameterAverage.Average(plain));
        Assert.Contains("no 'average.' leaves", missing.Message, StringComparison.Ordinal);
        Assert.Contains("0.weight.exp_avg", missing.Message, StringComparison.Ordinal);
    }
}
