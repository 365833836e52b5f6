using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Primitives;

/// <summary>
/// Bad input to the basis is refused in the core, before any backend runs, with a message naming the operation, the
/// expected and the actual; so the Reference and Torch backends give the same message word for word.
/// </summary>
public sealed class BasisErrorTests
{
    public static TheoryData<string> Cases => new()
    {
        "float tensor as indices", "out-of-range index", "negative index", "index tensor in float arithmetic", "permute not a permutation",
        "slice past the end", "concat of incompatible shapes", "stack of different shapes", "matmul batch mismatch", "matmul inner mismatch",
        "where shapes", "scatter_add source shape", "take_along rank", "pad pair count", "broadcast_to impossible", "clamp low above high",
        "max over an empty axis", "one_hot out of range", "split sizes",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Both_backends_refuse_with_the_same_message(string name)
    {
        var messages = new[] { (Backend)ReferenceBackend.Instance, TorchBackend.CpuFloat64 }.Select(b =>
        {
            using var scope = b.Scope();
            var e = Assert.ThrowsAny<Exception>(() => Run(name, b));
            Assert.True(e is ArgumentException or ShapeMismatchException, $"{name} on {b}: {e.GetType().Name}: {e.Message}");
            return e.Message;
        }).ToArray();
        Assert.Equal(messages[0], messages[1]);
        foreach (var word in Expected(name))
        {
            Assert.Contains(word, messages[0], StringComparison.Ordinal);
        }
    }

    // The words each message must hold: the operation and the expected and actual values.
    private static string[] Expected(string name) => name switch
    {
        "float tensor as indices" => ["index_select", "int64", "float64", "[3]"],
        "out-of-range index" => ["index_select", "index 5", "[0, 5)", "position 1"],
        "negative index" => ["take_along", "index -1", "[0, 4)"],
        "index tensor in float arithmetic" => ["add", "int64", "float tensor"],
        "permute not a permutation" => ["permute", "[0, 0, 1]", "[2, 3, 4]"],
        "slice past the end" => ["slice", "[3, 6)", "[0, 5)"],
        "concat of incompatible shapes" => ["concat", "part 1", "[2, 4]", "[3, 3]"],
        "stack of different shapes" => ["stack", "[2, 3]", "[2, 4]"],
        "matmul batch mismatch" => ["matmul", "[2]", "[3]"],
        "matmul inner mismatch" => ["matmul", "[2, 3]", "[4, 5]"],
        "where shapes" => ["where", "[3, 4]", "[2, 4]"],
        "scatter_add source shape" => ["scatter_add", "[3, 3]", "[3, 2]"],
        "take_along rank" => ["take_along", "[3]", "[3, 4]"],
        "pad pair count" => ["pad", "2", "[2, 3]"],
        "broadcast_to impossible" => ["broadcast_to", "[3, 2]", "[3, 4]"],
        "clamp low above high" => ["clamp", "low 1", "high -1"],
        "max over an empty axis" => ["max", "axis 1", "[3, 0]"],
        "one_hot out of range" => ["one_hot", "index 4", "[0, 4)"],
        "split sizes" => ["split", "[2, 2]", "5"],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
    };

    private static void Run(string name, Backend b)
    {
        Tensor M(params int[] dims) => b.FromArray(new double[new Shape(dims).Size], dims);
        Tensor Ids(long[] values, params int[] dims) => b.FromIndices(values, dims);
        switch (name)
        {
            case "float tensor as indices": M(5, 2).IndexSelect(0, M(3)); break;
            case "out-of-range index": M(5, 2).IndexSelect(0, Ids([0, 5, 1], 3)); break;
            case "negative index": M(3, 4).TakeAlong(1, Ids([0, -1, 2], 3, 1)); break;
            case "index tensor in float arithmetic": _ = M(3) + Ids([0, 1, 2], 3); break;
            case "permute not a permutation": M(2, 3, 4).Permute(0, 0, 1); break;
            case "slice past the end": M(2, 5).Slice(1, 3, 3); break;
            case "concat of incompatible shapes": Tensor.Concat([M(2, 4), M(3, 3)], 1); break;
            case "stack of different shapes": Tensor.Stack([M(2, 3), M(2, 4)], 0); break;
            case "matmul batch mismatch": M(2, 3, 4).MatMul(M(3, 4, 5)); break;
            case "matmul inner mismatch": M(2, 3).MatMul(M(4, 5)); break;
            case "where shapes": Tensor.Where(M(3, 4), M(3, 4), M(2, 4)); break;
            case "scatter_add source shape": M(3, 4).ScatterAdd(1, Ids(new long[6], 3, 2), M(3, 3)); break;
            case "take_along rank": M(3, 4).TakeAlong(1, Ids([0, 1, 2], 3)); break;
            case "pad pair count": M(2, 3).Pad([(1, 1)]); break;
            case "broadcast_to impossible": M(3, 2).BroadcastTo(new Shape(3, 4)); break;
            case "clamp low above high": M(3).Clamp(1, -1); break;
            case "max over an empty axis": M(3, 0).Max([1]); break;
            case "one_hot out of range": Ids([0, 4], 2).OneHot(4); break;
            case "split sizes": M(3, 5).Split(1, 2, 2); break;
            default: throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case");
        }
    }
}
