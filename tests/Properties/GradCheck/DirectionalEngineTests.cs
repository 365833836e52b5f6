using Xunit.Abstractions;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// Issue 11, point 5: the fast check of <see cref="Functional.Nets.GradCheck.Check(Func{TensorTree, Tensor}, TensorTree, GradCheckOptions?, string?)"/>
/// runs on the backend's own tensors, leaf by leaf, generating each direction entry by entry (DirectionalCheck), so that
/// its memory stays a small multiple of the model's. It must take exactly the steps and give exactly the rows of the
/// array engine (FiniteDifferences, which holds θ, u and the moved point on the host), on every backend: the same key,
/// the same directions, the same rounded points, the same sums in the same order.
/// </summary>
public sealed class DirectionalEngineTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(AllBackends))]
    public void The_backend_engine_gives_the_array_engines_rows_bit_for_bit(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        // Leaves of 15, 5, 5 and 1 entries: the concatenated directions start leaves at odd offsets, inside a Box–Muller pair.
        var model = new Sequential(new Dense(3, 5), new Tanh(), new Dense(5, 1));
        var parameters = model.Init(Key.FromSeed(7), backend);
        var x = backend.FromArray(Key.FromSeed(8).Normal(4 * 3), 4, 3);
        var y = backend.FromArray(Key.FromSeed(9).Normal(4), 4, 1);
        Tensor Loss(TensorTree p) => Losses.MeanSquaredError(model.Apply(p, x), y);
        var options = GradCheckOptions.For(backend.DType).AsFast() with { Directions = 5, Key = Key.FromSeed(10) };

        var report = Functional.Nets.GradCheck.Check(Loss, parameters, options);

        var (value, gradients) = Grad.ValueAndGrad(Loss, parameters);
        var f0 = value.Item();
        var grads = gradients.Select(g => g.Value.ToArray()).ToArray();
        var names = parameters.Names.ToArray();
        double Evaluate(double[]?[] point) =>
            Loss(parameters.Map((name, t) => point[Array.IndexOf(names, name)] is { } v ? backend.FromArray(v, t.Shape) : t)).Item();
        Func<double, double> round = backend.DType == DType.Float32 ? v => (float)v : v => v;
        var expected = FiniteDifferences.Run(
            names, parameters.Values.Select(t => t.Shape).ToArray(), parameters.Values.Select(t => t.ToArray()).ToArray(), grads, f0, Evaluate, round, options);

        output.WriteLine(report.ToString());
        Assert.Equal(expected.Count, report.Rows.Count);
        Assert.Equal(5, report.Rows.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (a, b) = (report.Rows[i], expected[i]);
            Assert.Equal((b.Leaf, b.Shape, b.Checked, b.Kinks, b.Failures, b.WorstIndex), (a.Leaf, a.Shape, a.Checked, a.Kinks, a.Failures, a.WorstIndex));
            Assert.Equal(b.Checked, options.Directions + 1);
            Assert.Equal(BitConverter.DoubleToInt64Bits(b.MaxAbsoluteError), BitConverter.DoubleToInt64Bits(a.MaxAbsoluteError));
            Assert.Equal(BitConverter.DoubleToInt64Bits(b.Analytic), BitConverter.DoubleToInt64Bits(a.Analytic));
            Assert.Equal(BitConverter.DoubleToInt64Bits(b.Expected), BitConverter.DoubleToInt64Bits(a.Expected));
            Assert.Equal(b.KinkIndices, a.KinkIndices);
        }
    }

    [Fact]
    public void A_normal_pair_is_the_entries_normal_gives()
    {
        var key = Key.FromSeed(3);
        foreach (var count in new[] { 1, 2, 7, 1000 })
        {
            var z = key.Normal(count);
            for (var i = 0; i < count; i += 2)
            {
                var (even, odd) = key.NormalPair(i);
                Assert.Equal(z[i], even);
                if (i + 1 < count)
                {
                    Assert.Equal(z[i + 1], odd);
                }
            }
        }
    }

    public static TheoryData<string> AllBackends => BackendCombinations.All;
}
