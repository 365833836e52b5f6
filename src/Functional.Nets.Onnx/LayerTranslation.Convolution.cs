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
        if (c.OutputPadding.Zip(c.Stride).Any(p => p.First >= p.Second))
        {
            // PyTorch allows output padding below max(stride, dilation); ONNX Runtime rejects any not below the stride.
            throw new OnnxExportException(path, c, $"output padding [{string.Join(", ", c.OutputPadding)}] is not below the stride [{string.Join(", ", c.Stride)}], which ONNX Runtime's ConvTranspose requires (PyTorch allows it up to the dilation)");
        }

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

    private OnnxValue MaxPool(string path, OnnxValue x, PoolWindow w, bool oneD, Layer layer)
    {
        var (pads, ceil) = PoolPads(path, x, w, oneD, countIncludePad: false, layer);
        return Op(
            "MaxPool",
            path,
            Shape(x, oneD, w),
            [x.Name],
            OnnxGraph.Ints("kernel_shape", oneD ? [w.KernelW] : [w.KernelH, w.KernelW]),
            OnnxGraph.Ints("strides", oneD ? [w.StrideW] : [w.StrideH, w.StrideW]),
            OnnxGraph.Ints("dilations", oneD ? [w.DilationW] : [w.DilationH, w.DilationW]),
            OnnxGraph.Ints("pads", pads),
            OnnxGraph.Int("ceil_mode", ceil ? 1 : 0));
    }

    private OnnxValue AvgPool(string path, OnnxValue x, PoolWindow w, bool countIncludePad, bool oneD, Layer layer)
    {
        var (pads, ceil) = PoolPads(path, x, w, oneD, countIncludePad, layer);
        return Op(
            "AveragePool",
            path,
            Shape(x, oneD, w),
            [x.Name],
            OnnxGraph.Ints("kernel_shape", oneD ? [w.KernelW] : [w.KernelH, w.KernelW]),
            OnnxGraph.Ints("strides", oneD ? [w.StrideW] : [w.StrideH, w.StrideW]),
            OnnxGraph.Ints("pads", pads),
            OnnxGraph.Int("ceil_mode", ceil ? 1 : 0),
            OnnxGraph.Int("count_include_pad", countIncludePad ? 1 : 0));
    }

    /// <summary>
    /// The pads and ceil_mode that give PyTorch's windows. PyTorch's ceil mode drops a last window that would start in
    /// the right padding; ONNX Runtime's does not (measured: [1, C, 4, W] pooled with kernel 1, stride 2 gives 2 rows in
    /// PyTorch and 3 in ONNX Runtime). So ceil mode is written as floor mode with the last window's overhang added to the
    /// end padding: exact for max pooling (the padding is −∞) and for averages that exclude the padding (they divide by
    /// the real entries). ONNX Runtime's floor or ceil mode is used as it is where its window count is PyTorch's on every
    /// axis (an average that counts the padding divides by the window clipped to the padded input in both); the
    /// overhang only where that fails, since ONNX Runtime requires every pad below the kernel.
    /// </summary>
    private static (int[] Pads, bool Ceil) PoolPads(string path, OnnxValue x, PoolWindow w, bool oneD, bool countIncludePad, Layer layer)
    {
        var axes = oneD
            ? new[] { (L: x.Shape[2], K: w.KernelW, S: w.StrideW, P: w.PaddingW, D: w.DilationW) }
            : [(x.Shape[2], w.KernelH, w.StrideH, w.PaddingH, w.DilationH), (x.Shape[3], w.KernelW, w.StrideW, w.PaddingW, w.DilationW)];
        var begin = axes.Select(a => a.P).ToArray();
        var end = new int[axes.Length];
        var floorMatches = true;
        var ceilMatches = true;
        for (var i = 0; i < axes.Length; i++)
        {
            var (l, k, s, p, d) = axes[i];
            var ours = PoolWindow.OutputLength(l, k, s, p, d, w.CeilMode);
            var floor = PoolWindow.OutputLength(l, k, s, p, d, false);

            // ONNX's ceil count: ⌈(L + 2p − d(k − 1) − 1) / s⌉ + 1, with no window dropped.
            var ceil = ((l + (2 * p) - (d * (k - 1)) - 1 + s - 1) / s) + 1;
            floorMatches &= floor == ours;
            ceilMatches &= ceil == ours;

            // Floor mode counts ⌊(L + p + p' − d(k − 1) − 1) / s⌋ + 1 windows: p' = p plus the last window's overhang.
            end[i] = p + Math.Max(0, ((ours - 1) * s) + (d * (k - 1)) + 1 - (l + (2 * p)));
        }

        if (floorMatches || ceilMatches)
        {
            return ([.. begin, .. begin], !floorMatches);
        }

        // ONNX Runtime requires every pad below the kernel.
        if (!countIncludePad && end.Select((e, i) => e < axes[i].K).All(b => b))
        {
            return ([.. begin, .. end], false);
        }

        throw new OnnxExportException(
            path,
            layer,
            $"with ceil mode on input {x.Shape} its windows are those of neither ONNX's floor mode nor its ceil mode on every axis (PyTorch drops a last window that starts in the padding), and {(countIncludePad ? "count_include_pad forbids widening the end padding" : "the end padding that would give them is not below the kernel, as ONNX Runtime requires")}; export an input size where ceil mode adds or drops no window");
    }

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
