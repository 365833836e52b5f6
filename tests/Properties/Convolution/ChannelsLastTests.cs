using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// The Torch backend runs float32 2-d convolutions on the CPU channels-last (its kernel copied to that layout, see
/// <c>TorchBackend.ChannelsLastKernel</c>): (1) the output is channels-last (NCHW for one input channel, where the layouts coincide), so the path is the one taken, and equals
/// libtorch's NCHW convolution of the same tensors to float32 rounding; (2) downstream (batch norm, ReLU, max-pool,
/// flatten, dense) the values, read back in logical order, and the gradients equal the Reference backend's in float64
/// within the float32 bound; (3) float64 convolutions stay NCHW.
/// </summary>
public sealed class ChannelsLastTests
{
    /// <summary>(1) Channels-last out, the NCHW convolution's values.</summary>
    [Theory]
    [InlineData(1, 8, 1)]
    [InlineData(6, 8, 1)]
    [InlineData(8, 8, 2)]
    public void A_float32_convolution_runs_channels_last_with_the_same_values(int inChannels, int outChannels, int groups)
    {
        var backend = TorchBackend.CpuFloat32;
        using var scope = backend.Scope();
        var key = Key.FromSeed(inChannels * 10 + groups);
        var layer = new Conv2d(inChannels, outChannels, 3, padding: Padding.Half, groups: groups);
        var parameters = layer.Init(key.Fold(1), backend);
        var x = backend.FromArray(key.Fold(2).Normal(4 * inChannels * 9 * 9), new Shape(4, inChannels, 9, 9));
        var y = layer.Apply(parameters, TensorTree.Empty, x, Context.Eval).Output;

        // With one input channel the kernel's two layouts are the same memory and libtorch keeps NCHW.
        var native = TorchBackend.ToTorch(y);
        Assert.Equal(
            inChannels == 1 ? [outChannels * 81, 81, 9, 1] : new long[] { outChannels * 81, 1, 9 * outChannels, outChannels },
            native.stride());
        using var expected = nn.functional.conv2d(
            TorchBackend.ToTorch(x), TorchBackend.ToTorch(parameters["weight"]), TorchBackend.ToTorch(parameters["bias"]), padding: [1, 1], groups: groups);
        Assert.True(expected.is_contiguous());
        var e = RelativeError.Of(y.ToArray(), expected.to(float64).data<double>().ToArray());

        // Each output sums k = 9·I/groups + 1 products; two float32 summation orders differ by at most 2k·2⁻²⁴ of Σ|w·x|,
        // which RelativeError measures against the largest output (same order of magnitude for these inputs): 1e-5 covers k ≤ 73.
        Assert.True(e.Value <= 1e-5, $"channels-last vs NCHW conv2d: {e}");
    }

    /// <summary>(2) A CNN stage on Torch float32 against the Reference backend: outputs and gradients within the float32 bound.</summary>
    [Fact]
    public void A_channels_last_stage_agrees_with_the_reference_backend()
    {
        var model = new Sequential(
            new Conv2d(1, 6, 3, padding: Padding.Half, bias: false), new BatchNorm(6), new ReLU(),
            new Conv2d(6, 8, 3, padding: Padding.Half, bias: false), new BatchNorm(8), new ReLU(),
            new MaxPool2d(2), new Flatten(), new Dense(8 * 4 * 4, 3));
        var key = Key.FromSeed(5);
        var reference = Functional.Nets.Reference.ReferenceBackend.Instance;
        var torch32 = TorchBackend.CpuFloat32;
        using var scope = torch32.Scope();
        var input = key.Fold(2).Normal(5 * 64);
        var targets = key.Fold(3).Normal(5 * 3);
        var startParameters = model.Init(key.Fold(1), reference);
        var startState = model.InitState(reference);

        (double[] Output, Dictionary<string, double[]> Gradients) Run(Backend b)
        {
            var p = startParameters.Map(t => b.FromArray(t.ToArray(), t.Shape));
            var s = startState.Map(t => b.FromArray(t.ToArray(), t.Shape));
            var x = b.FromArray(input, new Shape(5, 1, 8, 8));
            var y = b.FromArray(targets, new Shape(5, 3));
            var output = model.Apply(p, s, x, Context.Train(key.Fold(4))).Output.ToArray();
            var (_, g) = Grad.ValueAndGrad(q => Losses.MeanSquaredError(model.Apply(q, s, x, Context.Train(key.Fold(4))).Output, y), p);
            return (output, g.ToDictionary(l => l.Key, l => l.Value.ToArray()));
        }

        var (refOut, refGrad) = Run(reference);
        var (out32, grad32) = Run(torch32);

        // The float32 bound of the generated networks (BackendAgreementProperties): 16·depth·√(max width)·2⁻²⁴, at
        // depth 9 and width 128 (the flattened features), doubled plus one for gradients as CnnCase does.
        var outputBound = BackendAgreementProperties.Float32Tolerance(9, 128);
        var gradientBound = BackendAgreementProperties.Float32Tolerance(2 * 9 + 1, 128);
        var e = RelativeError.Of(out32, refOut);
        Assert.True(e.Value <= outputBound, $"outputs: {e} > {outputBound:G3}");
        foreach (var (name, g) in refGrad)
        {
            var ge = RelativeError.Of(grad32[name], g);
            Assert.True(ge.Value <= gradientBound, $"gradient of {name}: {ge} > {gradientBound:G3}");
        }
    }

    /// <summary>(3) Float64 convolutions keep libtorch's default NCHW layout.</summary>
    [Fact]
    public void A_float64_convolution_stays_nchw()
    {
        var backend = TorchBackend.CpuFloat64;
        using var scope = backend.Scope();
        var layer = new Conv2d(3, 4, 3);
        var parameters = layer.Init(Key.FromSeed(1), backend);
        var x = backend.FromArray(Key.FromSeed(2).Normal(2 * 3 * 6 * 6), new Shape(2, 3, 6, 6));
        var y = layer.Apply(parameters, TensorTree.Empty, x, Context.Eval).Output;
        Assert.True(TorchBackend.ToTorch(y).is_contiguous());
    }
}
