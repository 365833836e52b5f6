using Functional.Nets.Onnx;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Onnx;

/// <summary>What the export refuses, and how it says so: the layer's path in the model, its description and its kind.</summary>
public sealed class OnnxExportErrorTests
{
    private static readonly Backend B = ReferenceBackend.Instance;

    private static OnnxExportException Refused(Layer model, Shape input, TensorTree? parameters = null, TensorTree? state = null) =>
        Assert.Throws<OnnxExportException>(() => OnnxExport.ToModel(model, parameters ?? model.Init(Key.FromSeed(0), B), state ?? model.InitState(B), input));

    [Fact]
    public void A_custom_activation_is_named_with_its_path_and_kind()
    {
        var custom = new CustomActivation(CustomOp.Elementwise("softsign", x => x / (1 + Math.Abs(x)), (x, _) => 1 / Math.Pow(1 + Math.Abs(x), 2), x => x / (x.Abs() + 1)));
        var e = Refused(new Sequential(new Dense(3, 2), new Residual(new Sequential(new Dense(2, 2), custom))), new Shape(1, 3));
        Assert.Equal("1.body.1", e.Path);
        Assert.Equal("CustomActivation", e.Kind);
        Assert.StartsWith("ONNX export: layer 1.body.1 ", e.Message, StringComparison.Ordinal);
        Assert.Contains("(kind CustomActivation)", e.Message, StringComparison.Ordinal);
        Assert.Contains("the kinds that have one are Dense", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scan_is_named_with_its_kind()
    {
        var e = Refused(new Sequential(new Scan(new RnnCell(2, 3))), new Shape(1, 4, 2));
        Assert.Equal("0", e.Path);
        Assert.Equal("Scan", e.Kind);
    }

    [Fact]
    public void Batch_norm_without_running_statistics_is_refused()
    {
        var e = Refused(new Sequential(new Dense(3, 2), new BatchNorm(2, trackRunningStats: false)), new Shape(2, 3));
        Assert.Equal("1", e.Path);
        Assert.Contains("without running statistics", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_misshapen_parameter_is_named()
    {
        var model = new Sequential(new Dense(3, 2), new Tanh());
        var missing = Refused(model, new Shape(1, 3), model.Init(Key.FromSeed(0), B).Without("0.bias"));
        Assert.Contains("missing parameter '0.bias'", missing.Message, StringComparison.Ordinal);
        var wrong = Refused(model, new Shape(1, 3), TensorTree.Of(("0.weight", B.FromArray(new double[6], 3, 2)), ("0.bias", B.FromArray(new double[2], 2))));
        Assert.Contains("parameter '0.weight' has shape [3, 2], expected [2, 3]", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_running_statistics_are_named()
    {
        var model = new Sequential(new Dense(3, 2), new BatchNorm(2));
        var e = Refused(model, new Shape(2, 3), state: TensorTree.Empty);
        Assert.Contains("missing state '1.running_mean'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adaptive_pooling_to_a_size_that_does_not_divide_the_input_is_refused()
    {
        var e = Refused(new AdaptiveAvgPool2d(2, 3), new Shape(1, 1, 4, 4));
        Assert.Equal("AdaptiveAvgPool2d", e.Kind);
        Assert.Contains("[2, 3] does not divide the input's spatial size [4, 4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transposed_convolution_output_padding_not_below_the_stride_is_refused()
    {
        var e = Refused(new ConvTranspose2d(1, 1, 3, stride: 1, outputPadding: 1, dilation: 2), new Shape(1, 1, 3, 3));
        Assert.Equal("ConvTranspose2d", e.Kind);
        Assert.Contains("output padding [1, 1] is not below the stride [1, 1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_the_model_does_not_take_is_the_layers_own_shape_error()
    {
        var model = new Sequential(new Dense(3, 2));
        Assert.Throws<LayerShapeException>(() => OnnxExport.ToModel(model, model.Init(Key.FromSeed(0), B), TensorTree.Empty, new Shape(1, 4)));
    }
}
