using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// Fast mode on a ~100k-parameter network: an MNIST-sized MLP 784-128-10 (101,770 parameters), softmax
/// cross-entropy on a batch of 32, on every backend combination. Its cost does not depend on the size (two loss
/// evaluations per direction, <see cref="FastModeTests"/>); its time is measured by the benchmark
/// (<c>gradcheck_fast_seconds</c> in bench/results), not here: timings do not belong in unit tests.
/// </summary>
public sealed class FastCheckOnLargeModelTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(AllBackends))]
    public void A_100k_parameter_MLP_passes_the_fast_check(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(784, 128), new Tanh(), new Dense(128, 10));
        var parameters = model.Init(Key.FromSeed(1), backend);
        Assert.Equal(101_770, parameters.ParameterCount);
        var x = backend.FromArray(Key.FromSeed(2).Uniform(32 * 784), 32, 784);
        var classes = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        Tensor Loss(TensorTree p) => Losses.SoftmaxCrossEntropy(model.Apply(p, x), classes);

        var report = Functional.Nets.GradCheck.Check(Loss, parameters, GradCheckOptions.For(backend.DType).AsFast());
        output.WriteLine($"{combination}: fast check of {parameters.ParameterCount:N0} parameters\n{report}");
        Assert.True(report.Passed, report.ToString());
        Assert.All(report.Rows, r => Assert.True(r.Checked > 0, $"{r.Leaf}: no direction compared"));
    }

    [Fact]
    public void Full_mode_on_a_subset_complements_fast_mode_on_the_same_MLP()
    {
        var backend = ReferenceBackend.Instance;
        var model = new Sequential(new Dense(784, 128), new Tanh(), new Dense(128, 10));
        var parameters = model.Init(Key.FromSeed(1), backend);
        var x = backend.FromArray(Key.FromSeed(2).Uniform(32 * 784), 32, 784);
        var classes = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        var report = Functional.Nets.GradCheck.Check(
            p => Losses.SoftmaxCrossEntropy(model.Apply(p, x), classes), parameters, GradCheckOptions.Float64 with { MaxEntriesPerLeaf = 10 });
        output.WriteLine($"full mode, 10 entries per leaf:\n{report}");
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(4 * 10, report.Checked + report.Kinks);
    }

    public static TheoryData<string> AllBackends => BackendCombinations.All;
}
