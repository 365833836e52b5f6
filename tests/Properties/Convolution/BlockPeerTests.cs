using Functional.Nets.Reference;
using TorchSharp;
using Functional.Nets.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TorchModule = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// Peers with state and modes, float64, on both of our backends: torchvision's ResNet <c>BasicBlock</c> as TorchSharp
/// ships it (NuGet <c>TorchVision</c> 0.107.0; <c>layer1.0</c>, the identity block, and <c>layer2.0</c>, the block with
/// its downsample, of <c>torchvision.models.resnet18()</c>) against <see cref="Blocks.BasicBlock"/>, and
/// <c>nn.BatchNorm2d</c>, <c>nn.MaxPool2d</c>, <c>nn.AvgPool2d</c> (count_include_pad, ceil_mode) and
/// <c>nn.AdaptiveAvgPool2d</c> against our layers. The peer's parameters and running statistics are first set to random
/// values, then copied into ours by name (<see cref="Blocks.FromTorchvisionName"/> for the blocks). Compared: the output,
/// the gradients of Σ u ⊙ y for the input and every parameter (1e-12 / 1e-10 relative per tensor), and in training mode
/// the running statistics after the step (1e-12).
/// </summary>
public sealed class BlockPeerTests(ITestOutputHelper output)
{
    /// <summary>torchvision's BasicBlocks of resnet18 against ours, in training and evaluation mode.</summary>
    [Theory]
    [InlineData("layer1.0", 64, 64, 1, "train")]
    [InlineData("layer1.0", 64, 64, 1, "eval")]
    [InlineData("layer2.0", 64, 128, 2, "train")]
    [InlineData("layer2.0", 64, 128, 2, "eval")]
    public void BasicBlock_matches_torchvision_resnet18_blocks(string block, int inChannels, int outChannels, int stride, string mode)
    {
        _ = TorchBackend.CpuFloat64;
        using var scope = NewDisposeScope();
        using var resnet = TorchSharp.torchvision.models.resnet18();
        resnet.to(float64);
        var module = (TorchModule)resnet.named_modules().Single(m => m.name == block).module;
        Compare($"torchvision resnet18.{block}", Blocks.BasicBlock(inChannels, outChannels, stride), new Shape(2, inChannels, 6, 5), mode, module, Blocks.FromTorchvisionName);
    }

    /// <summary>nn.BatchNorm2d, affine with running statistics, in training and evaluation mode.</summary>
    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    public void BatchNorm_matches_nn_BatchNorm2d(string mode)
    {
        _ = TorchBackend.CpuFloat64;
        using var scope = NewDisposeScope();
        using var module = nn.BatchNorm2d(3, 1e-5, 0.3, dtype: float64);
        Compare("nn.BatchNorm2d(3, momentum 0.3)", new BatchNorm(3, momentum: 0.3), new Shape(4, 3, 5, 6), mode, module, n => n);
    }

    /// <summary>nn.MaxPool2d, nn.AvgPool2d and nn.AdaptiveAvgPool2d with the options PyTorch has.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Pooling_matches_nn_pooling_modules(int variant)
    {
        _ = TorchBackend.CpuFloat64;
        using var scope = NewDisposeScope();
        (Layer Layer, TorchModule Module) pair = variant switch
        {
            0 => (new MaxPool2d(PoolWindow.Square(2)), nn.MaxPool2d(2)),
            1 => (new MaxPool2d(PoolWindow.Of((3, 2), (2, 1), (1, 1), (1, 2), ceilMode: true)), nn.MaxPool2d([3L, 2], [2L, 1], [1L, 1], [1L, 2], ceil_mode: true)),
            2 => (new AvgPool2d(PoolWindow.Square(2)), nn.AvgPool2d(2)),
            3 => (new AvgPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true)), nn.AvgPool2d([3L, 3], [2L, 2], [1L, 1], ceil_mode: true, count_include_pad: true)),
            4 => (new AvgPool2d(PoolWindow.Square(3, 2, 1, ceilMode: true), countIncludePad: false), nn.AvgPool2d([3L, 3], [2L, 2], [1L, 1], ceil_mode: true, count_include_pad: false)),
            5 => (new AdaptiveAvgPool2d(3, 2), nn.AdaptiveAvgPool2d([3L, 2])),
            _ => (AdaptiveAvgPool2d.Global, nn.AdaptiveAvgPool2d([1L, 1])),
        };
        using var module = pair.Module;
        Compare(pair.Layer.Describe(), pair.Layer, new Shape(2, 3, 7, 6), "train", module, n => n);
    }

    private void Compare(string name, Layer layer, Shape inputShape, string mode, TorchModule module, Func<string, string> ourName)
    {
        var train = mode == "train";
        var ids = 0UL;
        var root = Key.FromSeed(name.Length * 31 + (train ? 1 : 0));

        // The peer's batch norms get random γ, β, running mean and variance, so nothing rests on their defaults.
        using (no_grad())
        {
            foreach (var (n, t) in module.state_dict())
            {
                if (n.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                {
                    t.fill_(7);
                }
                else if (n.EndsWith("running_var", StringComparison.Ordinal) || (n.EndsWith("weight", StringComparison.Ordinal) && t.dim() == 1))
                {
                    t.copy_(tensor(root.Fold(ids++).Uniform(checked((int)t.numel()), 0.5, 1.5), t.shape, float64));
                }
                else if (t.dim() == 1)
                {
                    t.copy_(tensor(root.Fold(ids++).Normal(checked((int)t.numel())).Select(v => v / 2).ToArray(), t.shape, float64));
                }
            }
        }

        var peerState = module.state_dict().ToDictionary(e => e.Key, e => (Values: e.Value.to(float64).contiguous().data<double>().ToArray(), Shape: e.Value.shape.Select(d => (int)d).ToArray()));
        var xValues = root.Fold(100).Normal(checked((int)inputShape.Size));
        var outShape = layer.OutputShape(inputShape);
        var u = root.Fold(101).Normal(checked((int)outShape.Size));

        var x = tensor(xValues, inputShape.Dims.Select(d => (long)d).ToArray(), float64).requires_grad_();
        if (train)
        {
            module.train();
        }
        else
        {
            module.eval();
        }

        var y = module.forward(x);
        (y * tensor(u, y.shape, float64)).sum().backward();
        var peerY = y.detach().contiguous().data<double>().ToArray();
        var peerGrads = module.named_parameters().ToDictionary(p => ourName(p.name), p => p.parameter.grad!.contiguous().data<double>().ToArray());
        peerGrads["x"] = x.grad!.contiguous().data<double>().ToArray();
        var peerAfter = module.state_dict().ToDictionary(e => ourName(e.Key), e => e.Value.to(float64).contiguous().data<double>().ToArray());

        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
        {
            using var ours = backend.Scope();
            var all = peerState.ToDictionary(e => ourName(e.Key), e => backend.FromArray(e.Value.Values, new Shape(e.Value.Shape)));
            var parameterNames = layer.Init(Key.FromSeed(0), backend).Names.ToArray();
            var stateNames = layer.InitState(backend).Names.ToArray();
            Assert.Equal(parameterNames.Concat(stateNames).Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
            var p = TensorTree.Of([.. parameterNames.Select(n => (n, all[n]))]);
            var state = TensorTree.Of([.. stateNames.Select(n => (n, all[n]))]);
            var context = train ? Context.TrainDeterministic : Context.Eval;
            var xOurs = backend.FromArray(xValues, inputShape);
            var (yOurs, newState) = layer.Apply(p, state, xOurs, context);
            var e = RelativeError.Of(yOurs.ToArray(), peerY);
            Assert.True(e.Value <= CnnLaws.OutputTolerance, $"{name} ({mode}) on {backend}: output differs from the peer's, {e}");

            var worstState = 0.0;
            foreach (var (n, t) in newState)
            {
                var s = RelativeError.Of(t.ToArray(), peerAfter[n]);
                Assert.True(s.Value <= CnnLaws.OutputTolerance, $"{name} ({mode}) on {backend}: state '{n}' after the step differs from the peer's, {s}");
                worstState = Math.Max(worstState, s.Value);
            }

            var arguments = TensorTree.Nest([("p", p), ("x", TensorTree.Of(("x", xOurs)))]);
            var uOurs = backend.FromArray(u, outShape);
            var (_, grads) = Grad.ValueAndGrad(a => (layer.Apply(a.Child("p"), state, a["x.x"], context).Output * uOurs).Sum(), arguments);
            var worst = 0.0;
            foreach (var (n, g) in grads)
            {
                var leaf = n == "x.x" ? "x" : n[2..];
                var r = RelativeError.Of(g.ToArray(), peerGrads[leaf]);
                Assert.True(r.Value <= CnnLaws.GradientTolerance, $"{name} ({mode}) on {backend}: gradient of '{leaf}' differs from the peer's, {r}");
                worst = Math.Max(worst, r.Value);
            }

            Assert.Equal(peerGrads.Count, grads.Count);
            output.WriteLine($"{name} ({mode}) on {backend}: output {e.Value:G3}, worst gradient {worst:G3}, worst state {worstState:G3}");
        }
    }
}
