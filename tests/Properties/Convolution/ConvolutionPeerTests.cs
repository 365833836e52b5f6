using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// Our <see cref="Conv1d"/>, <see cref="Conv2d"/> and <see cref="ConvTranspose2d"/> against TorchSharp's
/// <c>nn.Conv1d</c>, <c>nn.Conv2d</c> and <c>nn.ConvTranspose2d</c> with the same weights, in float64, on both of our
/// backends: outputs within 1e-12 and the gradients of Σ u ⊙ y for the input, <c>weight</c> and <c>bias</c> within
/// 1e-10 relative per tensor. Conv2d runs every combination of the lecture's paddings (none, half, full) and an
/// asymmetric explicit one with stride 1/2, dilation 1/2 and groups 1/depthwise; libtorch's modules pad symmetrically
/// only, so the asymmetric peer pads its input with <c>F.pad</c> first.
/// </summary>
public sealed class ConvolutionPeerTests(ITestOutputHelper output)
{
    private static readonly Padding Asymmetric = Padding.Explicit((1, 0), (0, 2));

    public static TheoryData<string> Conv2dCases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var padding in new[] { "None", "Half", "Full", "Explicit" })
            {
                foreach (var stride in new[] { 1, 2 })
                {
                    foreach (var dilation in new[] { 1, 2 })
                    {
                        foreach (var depthwise in new[] { false, true })
                        {
                            data.Add($"{padding} s{stride} d{dilation} {(depthwise ? "depthwise" : "g1")}");
                        }
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Conv2dCases))]
    public void Conv2d_matches_nn_Conv2d(string name)
    {
        var parts = name.Split(' ');
        var padding = parts[0] switch { "None" => Padding.None, "Half" => Padding.Half, "Full" => Padding.Full, _ => Asymmetric };
        var stride = int.Parse(parts[1][1..], System.Globalization.CultureInfo.InvariantCulture);
        var dilation = int.Parse(parts[2][1..], System.Globalization.CultureInfo.InvariantCulture);
        var depthwise = parts[3] == "depthwise";
        var (cIn, cOut, groups) = depthwise ? (3, 6, 3) : (2, 3, 1);
        var layer = new Conv2d(cIn, cOut, (3, 3), (stride, stride), padding, (dilation, dilation), groups, bias: !depthwise);
        var pads = layer.Pads;
        var symmetric = pads.All(p => p.Before == p.After);
        var x = new Shape(2, cIn, 7, 8);
        Compare(name, layer, x, w =>
        {
            var m = nn.Conv2d(cIn, cOut, (3L, 3L), (stride, stride), symmetric ? (pads[0].Before, pads[1].Before) : (0L, 0L), (dilation, dilation), groups: groups, bias: !depthwise, dtype: float64);
            return (m, input => m.forward(symmetric ? input : nn.functional.pad(input, [pads[1].Before, pads[1].After, pads[0].Before, pads[0].After])));
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Conv1d_matches_nn_Conv1d(int variant)
    {
        var (layer, symmetric) = variant switch
        {
            0 => (new Conv1d(2, 4, 3), true),
            1 => (new Conv1d(2, 4, 3, stride: 2, padding: Padding.Half, dilation: 2), true),
            2 => (new Conv1d(4, 4, 5, padding: Padding.Full, groups: 4, bias: false), true),
            _ => (new Conv1d(4, 2, 2, stride: 3, padding: Padding.Explicit((2, 1)), groups: 2), false),
        };
        var p = layer.Pads[0];
        Compare(layer.Describe(), layer, new Shape(2, layer.InChannels, 11), _ =>
        {
            var m = nn.Conv1d(layer.InChannels, layer.OutChannels, layer.Kernel[0], layer.Stride[0], symmetric ? p.Before : 0, layer.Dilation[0], groups: layer.Groups, bias: layer.HasBias, dtype: float64);
            return (m, input => m.forward(symmetric ? input : nn.functional.pad(input, [p.Before, p.After])));
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ConvTranspose2d_matches_nn_ConvTranspose2d(int variant)
    {
        // TorchSharp 0.107's nn.ConvTranspose2d applies output_padding's first value to both axes (measured: (1, 2)
        // gave a width one short of PyTorch's formula), so the module peers use equal output paddings; unequal ones are
        // checked against F.conv_transpose2d in ConvolutionPrimitiveTests.
        var layer = variant switch
        {
            0 => new ConvTranspose2d(3, 2, (3, 3)),
            1 => new ConvTranspose2d(3, 2, (4, 4), (2, 2), (1, 1)),
            2 => new ConvTranspose2d(2, 4, (3, 2), (2, 3), (1, 0), (1, 1), groups: 2, bias: false),
            _ => new ConvTranspose2d(4, 2, (3, 3), (1, 2), (2, 1), (1, 1), groups: 2, dilation: (2, 1)),
        };
        Compare(layer.Describe(), layer, new Shape(2, layer.InChannels, 4, 5), _ =>
        {
            var m = nn.ConvTranspose2d(
                layer.InChannels, layer.OutChannels, (layer.Kernel[0], layer.Kernel[1]), (layer.Stride[0], layer.Stride[1]), (layer.Padding[0], layer.Padding[1]),
                output_padding: (layer.OutputPadding[0], layer.OutputPadding[1]), dilation: (layer.Dilation[0], layer.Dilation[1]), groups: layer.Groups, bias: layer.HasBias, dtype: float64);
            return (m, m.forward);
        });
    }

    // Our layer on both backends against the peer module made by `peer` (the module, whose weight and bias are
    // overwritten with ours, and its forward pass).
    private void Compare(string name, Layer layer, Shape inputShape, Func<int, (TorchSharp.torch.nn.Module Module, Func<TorchTensor, TorchTensor> Forward)> peer)
    {
        var xValues = Key.FromSeed(11).Normal(checked((int)inputShape.Size));
        var initial = layer.Init(Key.FromSeed(12), ReferenceBackend.Instance);
        var names = initial.Names.ToArray();
        var paramValues = names.Select(n => initial[n].ToArray()).ToArray();
        var paramShapes = names.Select(n => initial[n].Shape).ToArray();
        var outShape = layer.OutputShape(inputShape);
        var u = Key.FromSeed(13).Normal(checked((int)outShape.Size));

        using var scope = NewDisposeScope();
        var (module, forward) = peer(0);
        var x = tensor(xValues, inputShape.Dims.Select(d => (long)d).ToArray(), float64).requires_grad_();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), parameters.Keys.OrderBy(n => n, StringComparer.Ordinal));
        using (no_grad())
        {
            for (var i = 0; i < names.Length; i++)
            {
                parameters[names[i]].copy_(tensor(paramValues[i], paramShapes[i].Dims.Select(d => (long)d).ToArray(), float64));
            }
        }

        var y = forward(x);
        (y * tensor(u, y.shape, float64)).sum().backward();
        var peerY = y.detach().contiguous().data<double>().ToArray();
        var peerGrads = new[] { x.grad! }.Concat(names.Select(n => parameters[n].grad!)).Select(g => g.contiguous().data<double>().ToArray()).ToArray();

        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
        {
            using var ours = backend.Scope();
            var leaves = TensorTree.Of([("x", backend.FromArray(xValues, inputShape)), .. names.Select((n, i) => (n, backend.FromArray(paramValues[i], paramShapes[i])))]);
            Tensor Loss(TensorTree p)
            {
                var ps = TensorTree.Of([.. names.Select(n => (n, p[n]))]);
                var (yy, _) = layer.Apply(ps, TensorTree.Empty, p["x"], Context.Eval);
                return (yy * backend.FromArray(u, yy.Shape)).Sum();
            }

            var (yOurs, _) = layer.Apply(TensorTree.Of([.. names.Select(n => (n, leaves[n]))]), TensorTree.Empty, leaves["x"], Context.Eval);
            Assert.Equal(outShape, yOurs.Shape);
            var e = RelativeError.Of(yOurs.ToArray(), peerY);
            Assert.True(e.Value <= ConvolutionPrimitiveTests.OutputTolerance, $"{name} on {backend}: output differs from the peer's, {e}");
            var (_, grads) = Grad.ValueAndGrad(Loss, leaves);
            var worst = 0.0;
            foreach (var (leaf, i) in new[] { "x" }.Concat(names).Select((n, k) => (n, k)).ToArray())
            {
                var g = RelativeError.Of(grads[leaf].ToArray(), peerGrads[i]);
                Assert.True(g.Value <= ConvolutionPrimitiveTests.GradientTolerance, $"{name} on {backend}: gradient of '{leaf}' differs from the peer's, {g}");
                worst = Math.Max(worst, g.Value);
            }

            output.WriteLine($"{name} on {backend}: output error {e.Value:G3}, worst gradient error {worst:G3}");
        }
    }
}
