using Functional.Nets.Reference;
using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Primitives;

/// <summary>
/// <see cref="Losses.CrossEntropy"/> with int64 targets of any rank (built on log-softmax and take-along) equals
/// <c>F.cross_entropy</c> in value and gradient, in float64, for classification [N, C] and sequences [N, C, T]; the
/// Reference and Torch gradients agree; bad targets are refused.
/// </summary>
public sealed class IndexCrossEntropyTests
{
    [Theory]
    [InlineData(new[] { 5, 4 })]
    [InlineData(new[] { 3, 6, 7 })]
    [InlineData(new[] { 2, 3, 2, 4 })]
    public void Matches_F_cross_entropy_on_every_float64_backend(int[] dims)
    {
        var logitsShape = new Shape(dims);
        var targetDims = dims.Where((_, i) => i != 1).ToArray();
        var n = checked((int)logitsShape.Size);
        var z = Key.FromSeed(dims.Sum()).Normal(n);
        var classes = dims[1];
        var targets = Key.FromSeed(7).Permutation(targetDims.Aggregate(1, (a, b) => a * b) * classes).Take(targetDims.Aggregate(1, (a, b) => a * b)).Select(v => (long)(v % classes)).ToArray();

        using var scope = NewDisposeScope();
        var peerZ = tensor(z, dims.Select(d => (long)d).ToArray(), float64).requires_grad_();
        var peerLoss = nn.functional.cross_entropy(peerZ, tensor(targets, int64).reshape(targetDims.Select(d => (long)d).ToArray()));
        peerLoss.backward();
        var peerGrad = peerZ.grad!.data<double>().ToArray();

        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
        {
            using var ours = backend.Scope();
            var t = backend.FromIndices(targets, targetDims);
            var (loss, g) = Grad.ValueAndGrad(p => Losses.CrossEntropy(p["z"], t), TensorTree.Of(("z", backend.FromArray(z, logitsShape))));
            Assert.True(RelativeError.Of([loss.Item()], [peerLoss.item<double>()]).Value <= 1e-12, $"{backend}: loss {loss.Item()} vs {peerLoss.item<double>()}");
            var error = RelativeError.Of(g["z"].ToArray(), peerGrad);
            Assert.True(error.Value <= 1e-10, $"{backend}: gradient {error}");
        }
    }

    [Fact]
    public void Float_targets_and_wrong_shapes_are_refused()
    {
        var b = ReferenceBackend.Instance;
        var logits = b.FromArray(new double[12], 3, 4);
        var e1 = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(logits, b.FromArray([0, 1, 2], 3)));
        Assert.Contains("int64", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ShapeMismatchException>(() => Losses.CrossEntropy(logits, b.FromIndices([0, 1], 2)));
        Assert.Contains("[3, 4]", e2.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(logits, b.FromIndices([0, 1, 4], 3)));
    }
}
