using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.LossFunctions;

/// <summary>
/// <see cref="IFusedLosses"/> changes speed, never results: on Torch float64 the one-kernel losses (<c>F.mse_loss</c>,
/// <c>F.cross_entropy</c> with probability targets) give the composition's value within 1e-12 and its gradients (with
/// respect to the prediction and to the targets) within 1e-10 relative, and both agree with the Reference backend;
/// the fused path is the one taken (one tensor handle for the loss instead of the composition's four).
/// </summary>
public sealed class FusedLossTests
{
    /// <summary>The two losses, by name.</summary>
    public static TheoryData<string> Names => new() { "mse", "softmax_ce" };

    /// <summary>Value and both gradients: fused against plain on Torch float64, and against the Reference backend.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void The_fused_loss_equals_the_composition(string name)
    {
        var torch = TorchBackend.CpuFloat64;
        using var scope = torch.Scope();
        var key = Key.FromSeed(name.Length);
        var z = key.Fold(1).Normal(6 * 5);
        var raw = key.Fold(2).Uniform(6 * 5, 0.1, 1);

        // Target probabilities: each row normalized (for the cross-entropy; the squared error takes them as they are).
        var t = raw.Select((v, i) => v / raw.Skip(i / 5 * 5).Take(5).Sum()).ToArray();
        Func<Tensor, Tensor, Tensor> loss = name == "mse" ? Functional.Nets.Losses.MeanSquaredError : Functional.Nets.Losses.SoftmaxCrossEntropy;

        (double Value, double[] Dz, double[] Dt) Run(Backend b)
        {
            var tree = TensorTree.Of(("z", b.FromArray(z, new Shape(6, 5))), ("t", b.FromArray(t, new Shape(6, 5))));
            var (value, gradients) = Grad.ValueAndGrad(p => loss(p["z"], p["t"]), tree);
            return (value.Item(), gradients["z"].ToArray(), gradients["t"].ToArray());
        }

        var fused = Run(torch);
        (double Value, double[] Dz, double[] Dt) plain;
        using (Capabilities.PlainOnly())
        {
            plain = Run(torch);
        }

        var reference = Run(ReferenceBackend.Instance);
        foreach (var (what, other) in new[] { ("plain Torch", plain), ("Reference", reference) })
        {
            Assert.True(Math.Abs(fused.Value - other.Value) <= 1e-12 * Math.Abs(other.Value), $"{name} value: fused {fused.Value:R}, {what} {other.Value:R}");
            var dz = RelativeError.Of(fused.Dz, other.Dz);
            var dt = RelativeError.Of(fused.Dt, other.Dt);
            Assert.True(dz.Value <= 1e-10, $"{name} ∂/∂prediction, fused vs {what}: {dz}");
            Assert.True(dt.Value <= 1e-10, $"{name} ∂/∂target, fused vs {what}: {dt}");
        }
    }

    /// <summary>The fused path is taken: one TorchSharp handle per loss, where the composition makes four.</summary>
    [Theory]
    [InlineData("mse", 4)]
    [InlineData("softmax_ce", 4)]
    public void The_torch_backend_takes_the_fused_path(string name, int composed)
    {
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        var a = torch.FromArray(Key.FromSeed(1).Normal(8 * 4), new Shape(8, 4));
        var b = torch.FromArray(Key.FromSeed(2).Uniform(8 * 4, 0, 0.25), new Shape(8, 4));
        Func<Tensor, Tensor, Tensor> loss = name == "mse" ? Functional.Nets.Losses.MeanSquaredError : Functional.Nets.Losses.SoftmaxCrossEntropy;
        long Handles()
        {
            var stats = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
            var before = stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount;
            loss(a, b);
            return stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - before;
        }

        Assert.Equal(1, Handles());
        using (Capabilities.PlainOnly())
        {
            Assert.Equal(composed, Handles());
        }
    }
}
