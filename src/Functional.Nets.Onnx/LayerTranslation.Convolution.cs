namespace Functional.Nets.Onnx;

internal sealed partial class LayerTranslation
{
    private OnnxValue Convolution(ConvolutionLayer c, string path, OnnxValue x)
    {
        var w = Leaf(c, path, "weight", c.WeightShape);
        var inputs = c.HasBias ? new[] { x.Name, w, Leaf(c, path, "bias", new Shape(c.OutChannels)) } : [x.Name, w];

        // ONNX pads list every axis's start, then every axis's end: [h_begin, w_begin, h_end, w_end].
        return Op(
            "Conv",
            path,
            c.OutputShape(x.Shape),
            inputs,
            OnnxGraph.Ints("kernel_shape", c.Kernel),
            OnnxGraph.Ints("strides", c.Stride),
            OnnxGraph.Ints("dilations", c.Dilation),
            OnnxGraph.Ints("pads", c.Pads.Select(p => p.Before).Concat(c.Pads.Select(p => p.After))),
            OnnxGraph.Int("group", c.Groups));
    }

    private OnnxValue ConvTranspose(ConvTranspose2d c, string path, OnnxValue x)
    {
        // The weight is [in, out/groups, kH, kW] in both PyTorch and ONNX.
        var w = Leaf(c, path, "weight", c.WeightShape);
        var inputs = c.HasBias ? new[] { x.Name, w, Leaf(c, path, "bias", new Shape(c.OutChannels)) } : [x.Name, w];
        return Op(
            "ConvTranspose",
            path,
            c.OutputShape(x.Shape),
            inputs,
            OnnxGraph.Ints("kernel_shape", c.Kernel),
            OnnxGraph.Ints("strides", c.Stride),
            OnnxGraph.Ints("dilations", c.Dilation),
            OnnxGraph.Ints("pads", c.Padding.Concat(c.Padding)),
            OnnxGraph.Ints("output_padding", c.OutputPadding),
            OnnxGraph.Int("group", c.Groups));
    }

    private OnnxValue MaxPool(string path, OnnxValue x, PoolWindow w, bool oneD) =>
        Op(
            "MaxPool",
            path,
            Shape(x, oneD, w),
            [x.Name],
            OnnxGraph.Ints("kernel_shape", oneD ? [w.KernelW] : [w.KernelH, w.KernelW]),
            OnnxGraph.Ints("strides", oneD ? [w.StrideW] : [w.StrideH, w.StrideW]),
            OnnxGraph.Ints("dilations", oneD ? [w.DilationW] : [w.DilationH, w.DilationW]),
            OnnxGraph.Ints("pads", oneD ? [w.PaddingW, w.PaddingW] : [w.PaddingH, w.PaddingW, w.PaddingH, w.PaddingW]),
            OnnxGraph.Int("ceil_mode", w.CeilMode ? 1 : 0));

    private OnnxValue AvgPool(string path, OnnxValue x, PoolWindow w, bool countIncludePad, bool oneD) =>
        Op(
            "AveragePool",
            path,
            Shape(x, oneD, w),
            [x.Name],
            OnnxGraph.Ints("kernel_shape", oneD ? [w.KernelW] : [w.KernelH, w.KernelW]),
            OnnxGraph.Ints("strides", oneD ? [w.StrideW] : [w.StrideH, w.StrideW]),
            OnnxGraph.Ints("pads", oneD ? [w.PaddingW, w.PaddingW] : [w.PaddingH, w.PaddingW, w.PaddingH, w.PaddingW]),
            OnnxGraph.Int("ceil_mode", w.CeilMode ? 1 : 0),
            OnnxGraph.Int("count_include_pad", countIncludePad ? 1 : 0));

    /// <summary>
    /// Adaptive average pooling: global (output 1) is GlobalAveragePool; an output size that divides the input evenly
    /// is AveragePool with kernel = stride = input / output (PyTorch's windows are then exactly those). Other sizes have
    /// windows of unequal length, which no ONNX pooling operator takes.
    /// </summary>
    private OnnxValue AdaptiveAvgPool(Layer layer, string path, OnnxValue x, int[] output)
    {
        var spatial = x.Shape.Dims.Skip(2).ToArray();
        var outShape = layer.OutputShape(x.Shape);
        if (output.All(o => o == 1))
        {
            return Op("GlobalAveragePool", path, outShape, x.Name);
        }

        if (spatial.Zip(output).Any(p => p.First % p.Second != 0))
        {
            throw new OnnxExportException(
                path,
                layer,
                $"the output size [{string.Join(", ", output)}] does not divide the input's spatial size [{string.Join(", ", spatial)}]; its windows differ in length, which no ONNX pooling operator takes (export a global pool, or an input size the output divides)");
        }

        var kernel = spatial.Zip(output).Select(p => p.First / p.Second).ToArray();
        return Op(
            "AveragePool",
            path,
            outShape,
            [x.Name],
            OnnxGraph.Ints("kernel_shape", kernel),
            OnnxGraph.Ints("strides", kernel));
    }

    private static Shape Shape(OnnxValue x, bool oneD, PoolWindow w)
    {
        var d = x.Shape.ToArray();
        if (oneD)
        {
            d[2] = w.OutputW(d[2]);
        }
        else
        {
            d[2] = w.OutputH(d[2]);
            d[3] = w.OutputW(d[3]);
        }

        return new Shape(d);
    }
}
