using Functional.Nets.Reference;
using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>
/// A gradient check on the Torch backend releases every tensor it creates (perturbed leaves, intermediates,
/// gradients, copies): the thread's live-tensor count is the same before and after, exactly.
/// </summary>
public sealed class TorchLifetimeTests
{
    [Theory]
    [InlineData(GradCheckMode.Full)]
    [InlineData(GradCheckMode.Fast)]
    public void Checks_on_torch_leave_no_live_tensors(GradCheckMode mode)
    {
        var backend = TorchBackend.CpuFloat64;
        var model = new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2));
        var inputs = Key.FromSeed(1).Normal(5 * 3);
        var targets = Key.FromSeed(2).Normal(5 * 2);
        Func<TensorTree, Tensor> LossOn(Backend b) => p => Losses.MeanSquaredError(model.Apply(p, b.FromArray(inputs, 5, 3)), b.FromArray(targets, 5, 2));
        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        var swish = CustomOp.Elementwise("swish", x => x * Sigmoid(x), (x, _) => Sigmoid(x) * (1 + x * (1 - Sigmoid(x))), t => t * t.Sigmoid());
        using var parameters = model.Init(Key.FromSeed(3), backend);
        var referenceParameters = model.Init(Key.FromSeed(3), ReferenceBackend.Instance);
        var options = GradCheckOptions.Float64 with { Mode = mode };

        // Warm-up, so that lazily created tensors (if any) exist before the count is taken.
        Functional.Nets.GradCheck.Check(LossOn, parameters, [TorchBackend.CpuFloat32], options);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(Functional.Nets.GradCheck.Check(LossOn, parameters, [TorchBackend.CpuFloat32], options).Passed);
        Assert.True(Functional.Nets.GradCheck.Across(LossOn, referenceParameters, backend, options).Passed);
        Assert.True(Functional.Nets.GradCheck.Op(swish, new Shape(2, 3), Key.FromSeed(4), options, [backend, TorchBackend.CpuFloat32]).Passed);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        // The count does see tensors: one more while one is alive.
        using (backend.FromArray([1.0], 1))
        {
            Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void Comparing_a_backend_with_itself_is_refused()
    {
        var model = new Dense(2, 1);
        var parameters = model.Init(Key.FromSeed(1), ReferenceBackend.Instance);
        var x = new[] { 1.0, 2.0 };
        var e = Assert.Throws<ArgumentException>(() => Functional.Nets.GradCheck.Across(b => p => model.Apply(p, b.FromArray(x, 1, 2)).Sum(), parameters, ReferenceBackend.Instance));
        Assert.Contains("itself", e.Message, StringComparison.Ordinal);
    }
}
