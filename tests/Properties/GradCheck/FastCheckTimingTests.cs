using System.Diagnostics;
using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// Fast mode checks a ~100k-parameter network in seconds: an MNIST-sized MLP 784-128-10 (101,770 parameters),
/// softmax cross-entropy on a batch of 32, on every backend combination. Prints the time; the bound is loose
/// (the host shows CPU steal), the printed figure is the measurement.
/// </summary>
public sealed class FastCheckTimingTests(ITestOutputHelper output)
{
    /// <summary>A generous bound for a check that takes well under a second here; fails only on a pathology.</summary>
    public const double BoundSeconds = 30;

    [Theory]
    [MemberData(nameof(AllBackends))]
    public void A_100k_parameter_MLP_is_fast_checked_in_seconds(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(784, 128), new Tanh(), new Dense(128, 10));
        var parameters = model.Init(Key.FromSeed(1), backend);
        Assert.Equal(101_770, parameters.ParameterCount);
        var x = backend.FromArray(Key.FromSeed(2).Uniform(32 * 784), 32, 784);
        var classes = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        Tensor Loss(TensorTree p) => Losses.SoftmaxCrossEntropy(model.Apply(p, x), classes);

        // Warm-up (JIT, libtorch's first-op initialization), then the measured check.
        Functional.Nets.GradCheck.Check(Loss, parameters, GradCheckOptions.For(backend.DType).AsFast() with { Directions = 1 });
        var stopwatch = Stopwatch.StartNew();
        var report = Functional.Nets.GradCheck.Check(Loss, parameters, GradCheckOptions.For(backend.DType).AsFast());
        stopwatch.Stop();

        output.WriteLine($"{combination}: fast check of {parameters.ParameterCount:N0} parameters (4 directions × 5 rows: along the gradient and 3 random) in {stopwatch.Elapsed.TotalSeconds:F2} s");
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.True(stopwatch.Elapsed.TotalSeconds < BoundSeconds, $"took {stopwatch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void Full_mode_on_a_subset_complements_fast_mode_on_the_same_MLP()
    {
        var backend = ReferenceBackend.Instance;
        var model = new Sequential(new Dense(784, 128), new Tanh(), new Dense(128, 10));
        var parameters = model.Init(Key.FromSeed(1), backend);
        var x = backend.FromArray(Key.FromSeed(2).Uniform(32 * 784), 32, 784);
        var classes = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        var stopwatch = Stopwatch.StartNew();
        var report = Functional.Nets.GradCheck.Check(
            p => Losses.SoftmaxCrossEntropy(model.Apply(p, x), classes), parameters, GradCheckOptions.Float64 with { MaxEntriesPerLeaf = 10 });
        output.WriteLine($"full mode, 10 entries per leaf: {stopwatch.Elapsed.TotalSeconds:F2} s\n{report}");
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(4 * 10, report.Checked + report.Kinks);
    }

    public static TheoryData<string> AllBackends => BackendCombinations.All;
}
