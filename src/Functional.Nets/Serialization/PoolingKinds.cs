namespace Functional.Nets.Serialization;

/// <summary>
/// Pooling, flattening, channel dropout and image augmentation (<c>RandomShift</c>, <c>RandomAffine</c>) in architecture JSON. A 2-d window is written as
/// <c>"kernel": [kH, kW], "stride": [sH, sW], "padding": [pH, pW], "dilation": [dH, dW], "ceilMode": false</c> (stride
/// defaults to the kernel, padding to 0, dilation to 1); a 1-d window as the same names with single integers.
/// </summary>
internal static class PoolingKinds
{
    public static IEnumerable<LayerKind> Layers =>
    [
        LayerKind.Of<MaxPool2d>("MaxPool2d", r => new MaxPool2d(ReadWindow(r)), (m, w) => WriteWindow(m.Window, w)),
        LayerKind.Of<MaxPool1d>(
            "MaxPool1d",
            r => new MaxPool1d(r.Int("kernel"), r.Has("stride") ? r.Int("stride") : null, r.Int("padding", 0), r.Int("dilation", 1), r.Bool("ceilMode", false)),
            (m, w) => WriteLine(m.Window, w)),
        LayerKind.Of<AvgPool2d>(
            "AvgPool2d",
            r => new AvgPool2d(ReadWindow(r), r.Bool("countIncludePad", true)),
            (a, w) => WriteWindow(a.Window, w).Bool("countIncludePad", a.CountIncludePad)),
        LayerKind.Of<AvgPool1d>(
            "AvgPool1d",
            r => r.Int("dilation", 1) == 1
                ? new AvgPool1d(r.Int("kernel"), r.Has("stride") ? r.Int("stride") : null, r.Int("padding", 0), r.Bool("ceilMode", false), r.Bool("countIncludePad", true))
                : throw r.Error("average pooling has no dilation: expected 1", "dilation"),
            (a, w) => WriteLine(a.Window, w).Bool("countIncludePad", a.CountIncludePad)),
        LayerKind.Of<AdaptiveAvgPool2d>("AdaptiveAvgPool2d", r => new AdaptiveAvgPool2d(r.Int("outH"), r.Int("outW")), (a, w) => w.Int("outH", a.OutH).Int("outW", a.OutW)),
        LayerKind.Of<AdaptiveAvgPool1d>("AdaptiveAvgPool1d", r => new AdaptiveAvgPool1d(r.Int("output")), (a, w) => w.Int("output", a.Output)),
        LayerKind.Of<Flatten>("Flatten", r => new Flatten(r.Int("startAxis", 1)), (f, w) => w.Int("startAxis", f.StartAxis)),
        LayerKind.Of<Dropout2d>("Dropout2d", r => new Dropout2d(r.Double("p", 0.5)), (d, w) => w.Double("p", d.P)),
        LayerKind.Of<RandomShift>(
            "RandomShift",
            r => new RandomShift(r.Int("maxShift"), r.Int("rows", 28), r.Int("columns", 28), r.Bool("horizontalFlip", false)),
            (s, w) => w.Int("maxShift", s.MaxShift).Int("rows", s.Rows).Int("columns", s.Columns).Bool("horizontalFlip", s.HorizontalFlip)),
        LayerKind.Of<RandomAffine>(
            "RandomAffine",
            r => new RandomAffine(r.Double("maxDegrees", 0), r.Double("maxScale", 0), r.Double("maxShift", 0), r.Int("rows", 28), r.Int("columns", 28)),
            (a, w) => w.Double("maxDegrees", a.MaxDegrees).Double("maxScale", a.MaxScale).Double("maxShift", a.MaxShift).Int("rows", a.Rows).Int("columns", a.Columns)),
    ];

    private static PoolWindow ReadWindow(FieldReader r)
    {
        var kernel = Pair(r, "kernel") ?? throw r.Error("a 2-d pooling window needs \"kernel\": [kH, kW]", "kernel");
        try
        {
            return PoolWindow.Of(kernel, Pair(r, "stride"), Pair(r, "padding") ?? (0, 0), Pair(r, "dilation"), r.Bool("ceilMode", false));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw r.Error(e.Message, e.ParamName);
        }
    }

    private static (int H, int W)? Pair(FieldReader r, string name) => r.Ints(name) switch
    {
        null => null,
        [var h, var w] => (h, w),
        var other => throw r.Error($"expected two integers [H, W], got {other.Length}", name),
    };

    private static FieldWriter WriteWindow(PoolWindow p, FieldWriter w) =>
        w.Ints("kernel", [p.KernelH, p.KernelW]).Ints("stride", [p.StrideH, p.StrideW]).Ints("padding", [p.PaddingH, p.PaddingW])
            .Ints("dilation", [p.DilationH, p.DilationW]).Bool("ceilMode", p.CeilMode);

    private static FieldWriter WriteLine(PoolWindow p, FieldWriter w) =>
        w.Int("kernel", p.KernelW).Int("stride", p.StrideW).Int("padding", p.PaddingW).Int("dilation", p.DilationW).Bool("ceilMode", p.CeilMode);
}
