using static TorchSharp.torch;
using static Functional.Nets.Tests.Primitives.BasisCase;
using TorchTensor = TorchSharp.torch.Tensor;
using T = Functional.Nets.Tensor;

namespace Functional.Nets.Tests.Primitives;

/// <summary>Every differentiable primitive of the basis, as its own case, each beside the <c>torch</c> function it must match.</summary>
public static class BasisCatalog
{
    private static readonly long[] Embedding = [1, 4, 1, 0, 2, 2];
    private static readonly long[] Columns = [3, 0, 3];
    private static readonly long[] Along = [0, 3, 1];
    private static readonly long[] AlongRows = [2, 0, 1, 1, 0, 2, 2, 0];
    private static readonly long[] Scatter = [3, 3, 0, 1, 2, 2];

    /// <summary>The cases, by name.</summary>
    public static IReadOnlyDictionary<string, BasisCase> Cases { get; } = new BasisCase[]
    {
        Unary("sign", Draw.Grid, x => x.Sign(), x => x.sign()),
        Unary("log1p", Draw.Positive, x => (x - 1.2).Log1P(), x => (x - 1.2).log1p()),
        Unary("expm1", Draw.Normal, x => x.Expm1(), x => x.expm1()),
        Unary("abs", Draw.Grid, x => x.Abs(), x => x.abs()),
        Unary("clamp(-0.5, 0.5)", Draw.Grid, x => x.Clamp(-0.5, 0.5), x => x.clamp(-0.5, 0.5)),
        Unary("x.pow(3)", Draw.Normal, x => x.Pow(3.0), x => x.pow(3.0)),
        Unary("x.pow(0.5)", Draw.Positive, x => x.Pow(0.5), x => x.pow(0.5)),
        Unary("stop_gradient: x ⊙ sg(x)", Draw.Normal, x => x * x.StopGradient(), x => x * x.detach()) with { GradientIsDerivative = false },
        Unary("where(x > 0, x², 3x)", Draw.Grid, x => T.Where(x.Greater(0), x.Square(), x * 3), x => where(x > 0, x * x, x * 3)),
        Binary("maximum [3,4]·[4]", [3, 4], [4], x => T.Maximum(x[0], x[1]), x => maximum(x[0], x[1]), Draw.Grid, Draw.OffsetGrid),
        Binary("minimum [3,1]·[3,4]", [3, 1], [3, 4], x => T.Minimum(x[0], x[1]), x => minimum(x[0], x[1]), Draw.Grid, Draw.OffsetGrid),
        Binary("pow [3,4]·[4]", [3, 4], [4], x => x[0].Pow(x[1]), x => x[0].pow(x[1]), Draw.Positive, Draw.Normal),
        Binary("where(m, a [3,4], b [3,1])", [3, 4], [3, 1], x => T.Where(Mask(x[0]), x[0], x[1]), x => where(TorchMask(), x[0], x[1])),
        Binary("matmul [2,3,4]·[4,5]", [2, 3, 4], [4, 5], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        Binary("matmul [2,1,3,4]·[3,4,2]", [2, 1, 3, 4], [3, 4, 2], x => x[0].MatMul(x[1]), x => x[0].matmul(x[1])),
        Unary("permute [2,3,4] (2,0,1)", Draw.Normal, x => x.Permute(2, 0, 1), x => x.permute(2, 0, 1), 2, 3, 4),
        Unary("swap_axes [2,3,4] (0,2)", Draw.Normal, x => x.SwapAxes(0, 2), x => x.transpose(0, 2), 2, 3, 4),
        Unary("slice [3,5,2] axis 1 [1,4)", Draw.Normal, x => x.Slice(1, 1, 3), x => x.narrow(1, 1, 3), 3, 5, 2),
        Unary("split [2,6] axis 1 (1,3,2), reversed", Draw.Normal, x => T.Concat([.. x.Split(1, 1, 3, 2).Reverse()], 1), x => cat([x.narrow(1, 4, 2), x.narrow(1, 1, 3), x.narrow(1, 0, 1)], 1), 2, 6),
        new("concat [2,3]|[2,1]|[2,4] axis 1", [new(2, 3), new(2, 1), new(2, 4)], [Draw.Normal, Draw.Normal, Draw.Normal], x => T.Concat(x, 1), x => cat([.. x], 1)),
        new("stack 3×[2,3] axis 1", [new(2, 3), new(2, 3), new(2, 3)], [Draw.Normal, Draw.Normal, Draw.Normal], x => T.Stack(x, 1), x => stack([.. x], 1)),
        Unary("pad [2,3,4] (0,0)(1,2)(2,0) with 0.5", Draw.Normal, x => x.Pad([(0, 0), (1, 2), (2, 0)], 0.5), x => nn.functional.pad(x, [2, 0, 1, 2, 0, 0], TorchSharp.PaddingModes.Constant, 0.5), 2, 3, 4),
        Unary("broadcast_to [3,1] → [2,3,4]", Draw.Normal, x => x.BroadcastTo(new Shape(2, 3, 4)), x => x.expand(2, 3, 4), 3, 1),
        Unary("max [3,4,5] axis 1 keep", Draw.Grid, x => x.Max([1], keepDims: true), x => x.amax([1], keepdim: true), 3, 4, 5),
        Unary("max [3,4] all", Draw.Grid, x => x.Max(), x => x.amax([0, 1]), 3, 4),
        Unary("min [3,4,5] axes (0,2)", Draw.Grid, x => x.Min([0, 2]), x => x.amin([0, 2]), 3, 4, 5),
        Unary("logsumexp [3,4,5] axis -1", Draw.Normal, x => x.LogSumExp([-1]), x => x.logsumexp(-1), 3, 4, 5),
        Unary("logsumexp [3,4,5] axes (0,2) keep", Draw.Normal, x => x.LogSumExp([0, 2], keepDims: true), x => x.logsumexp(2, true).logsumexp(0, true), 3, 4, 5),
        Unary("index_select [5,3] axis 0 ids [3,2] (embedding)", Draw.Normal, x => x.IndexSelect(0, Ids(x, Embedding, 3, 2)), x => x.index_select(0, TorchIds(Embedding, 6)).reshape(3, 2, 3), 5, 3),
        Unary("index_select [2,4,3] axis 1 ids [3]", Draw.Normal, x => x.IndexSelect(1, Ids(x, Columns, 3)), x => x.index_select(1, TorchIds(Columns, 3)), 2, 4, 3),
        Unary("take_along [3,4] axis 1 ids [3,1]", Draw.Normal, x => x.TakeAlong(1, Ids(x, Along, 3, 1)), x => x.gather(1, TorchIds(Along, 3, 1)), 3, 4),
        Unary("take_along [3,4] axis 0 ids [2,4]", Draw.Normal, x => x.TakeAlong(0, Ids(x, AlongRows, 2, 4)), x => x.gather(0, TorchIds(AlongRows, 2, 4)), 3, 4),
        Binary("scatter_add [3,4] axis 1 ids [3,2]", [3, 4], [3, 2], x => x[0].ScatterAdd(1, Ids(x[0], Scatter, 3, 2), x[1]), x => x[0].scatter_add(1, TorchIds(Scatter, 3, 2), x[1])),
        Unary("cross-entropy by take_along of log_softmax", Draw.Normal, x => -x.LogSoftmax(1).TakeAlong(1, Ids(x, Along, 3, 1)).Mean(), x => nn.functional.cross_entropy(x, TorchIds(Along, 3)), 3, 4),
    }.ToDictionary(c => c.Name);

    /// <summary>The case names, as theory data.</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Cases.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    // A constant mask [3, 4] with both values on every row.
    private static readonly double[] MaskValues = [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0];

    private static T Mask(T like) => like.Backend.FromArray(MaskValues, 3, 4);

    private static TorchTensor TorchMask() => tensor(MaskValues, float64).reshape(3, 4) != 0;

    private static BasisCase Unary(string name, Draw draw, Func<T, T> ours, Func<TorchTensor, TorchTensor> peer, params int[] dims) =>
        new(name, [new Shape(dims.Length == 0 ? [3, 4] : dims)], [draw], x => ours(x[0]), x => peer(x[0]));

    private static BasisCase Binary(string name, int[] a, int[] b, Func<IReadOnlyList<T>, T> ours, Func<IReadOnlyList<TorchTensor>, TorchTensor> peer, Draw drawA = Draw.Normal, Draw drawB = Draw.Normal) =>
        new(name, [new Shape(a), new Shape(b)], [drawA, drawB], ours, peer);
}
