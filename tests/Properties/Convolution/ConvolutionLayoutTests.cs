using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// The Torch backend runs 2-d convolutions on libtorch's default NCHW layout in both dtypes (the channels-last kernels
/// it used in float32 until 2026-12-04 corrupted the native heap: see <c>TorchBackend.Conv</c>): (1) a float32
/// convolution's output is NCHW and equals libtorch's own convolution of the same tensors; (2) a CNN stage on Torch
/// float32 agrees with the Reference backend within the float32 bound; (3) float64 stays NCHW; (4) the generated CNN
/// that crashed the process under the channels-last path, repeated beside a thread forcing collections, completes
/// (under that path it died within 150 repetitions in every try; a crash here is reported by blame mode by name).
/// </summary>
public sealed class ConvolutionLayoutTests
{
    /// <summary>(1) NCHW out, libtorch's convolution's values.</summary>
    [Theory]
    [InlineData(1, 8, 1)]
    [InlineData(6, 8, 1)]
    [InlineData(8, 8, 2)]
    public void A_float32_convolution_runs_nchw_with_libtorchs_values(int inChannels, int outChannels, int groups)
    {
        var backend = TorchBackend.CpuFloat32;
        using var scope = backend.Scope();
        var key = Key.FromSeed(inChannels * 10 + groups);
        var layer = new Conv2d(inChannels, outChannels, 3, padding: Padding.Half, groups: groups);
        var parameters = layer.Init(key.Fold(1), backend);
        var x = backend.FromArray(key.Fold(2).Normal(4 * inChannels * 9 * 9), new Shape(4, inChannels, 9, 9));
        var y = layer.Apply(parameters, TensorTree.Empty, x, Context.Eval).Output;

        Assert.Equal(new long[] { outChannels * 81, 81, 9, 1 }, TorchBackend.ToTorch(y).stride());
        using var expected = nn.functional.conv2d(
            TorchBackend.ToTorch(x), TorchBackend.ToTorch(parameters["weight"]), TorchBackend.ToTorch(parameters["bias"]), padding: [1, 1], groups: groups);
        var e = RelativeError.Of(y.ToArray(), expected.to(float64).data<double>().ToArray());

        // The same call on the same tensors: libtorch may still pick another algorithm between calls, so the bound of
        // two float32 summation orders of k = 9·I/groups + 1 products, 2k·2⁻²⁴ of Σ|w·x|, which RelativeError measures
        // against the largest output (same order of magnitude for these inputs): 1e-5 covers k ≤ 73.
        Assert.True(e.Value <= 1e-5, $"our conv2d vs libtorch's: {e}");
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

    /// <summary>
    /// (4) The generated CNN of seed 517270826 (a 3×3 convolution dilated 2×2, a 1×1 dilated 2×1, a depthwise 3×3, batch
    /// norms, residual sums, average pooling), its Torch float32 law against the Reference backend run 300 times while
    /// another thread forces collections: the collections run the finalizers that free native memory, where glibc
    /// found the heap corrupted under the channels-last path.
    /// </summary>
    [Fact]
    public async Task The_cnn_that_corrupted_the_heap_runs_clean_beside_collections()
    {
        var c = CnnGenerator.Build(517270826);
        var stop = 0;
        var collector = Task.Run(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(1);
            }
        });
        try
        {
            for (var i = 0; i < 300; i++)
            {
                CnnLaws.Agree(BackendCombinations.TorchCpuFloat32, c);
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            await collector;
        }
    }
}
