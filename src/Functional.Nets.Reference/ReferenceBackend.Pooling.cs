namespace Functional.Nets.Reference;

/// <summary>Pooling (forward passes and hand-written VJPs in <see cref="Pooling"/>).</summary>
public sealed partial class ReferenceBackend
{
    /// <summary>y = max over each window; VJP x̄[argmax] += ȳ, the first maximum of the window on ties (PyTorch's choice).</summary>
    public override Tensor MaxPool2d(Tensor a, PoolWindow window)
    {
        var (n, c, h, w) = (a.Shape[0], a.Shape[1], a.Shape[2], a.Shape[3]);
        var (oh, ow) = (window.OutputH(h), window.OutputW(w));
        var x = Data(a).Values;
        var (y, arg) = Pooling.MaxForward(x, n * c, h, w, window, oh, ow);
        return Record(new Shape(n, c, oh, ow), y, [a], g => [Pooling.MaxVjp(g, arg, x.Length)], Primitive.MaxPool.Name);
    }

    /// <summary>y = Σ_window x / D; VJP x̄ += ȳ/D over each window (D as in <see cref="Pooling.Average"/>).</summary>
    public override Tensor AvgPool2d(Tensor a, PoolWindow window, bool countIncludePad)
    {
        var (n, c, h, w) = (a.Shape[0], a.Shape[1], a.Shape[2], a.Shape[3]);
        var (oh, ow) = (window.OutputH(h), window.OutputW(w));
        var x = Data(a).Values;
        var y = Pooling.Average(x, null, n * c, h, w, window, oh, ow, countIncludePad);
        return Record(new Shape(n, c, oh, ow), y, [a], g => [Pooling.Average(x, g, n * c, h, w, window, oh, ow, countIncludePad)], Primitive.AvgPool.Name);
    }

    /// <summary>y = the mean of each adaptive window; VJP spreads ȳ evenly over it.</summary>
    public override Tensor AdaptiveAvgPool2d(Tensor a, int outH, int outW)
    {
        var (n, c, h, w) = (a.Shape[0], a.Shape[1], a.Shape[2], a.Shape[3]);
        var x = Data(a).Values;
        var y = Pooling.Adaptive(x, null, n * c, h, w, outH, outW);
        return Record(new Shape(n, c, outH, outW), y, [a], g => [Pooling.Adaptive(x, g, n * c, h, w, outH, outW)], Primitive.AdaptiveAvgPool.Name);
    }
}
