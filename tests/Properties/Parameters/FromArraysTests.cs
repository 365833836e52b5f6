using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Parameters;

/// <summary>
/// <see cref="TensorTree.FromArrays(Backend, IEnumerable{ValueTuple{string, double[], int[]}})"/> builds the
/// tree its arrays describe, on every backend, and rejects bad input naming the leaf, the count expected
/// and the count given; <see cref="Layer.CheckParameters"/> reports how external weights fit a model.
/// </summary>
public sealed class FromArraysTests
{
    /// <summary>A generated tree's arrays give it back bit for bit, through either overload.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void FromArrays_round_trips_a_tree(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(TreeCase.Arbitrary, c =>
        {
            using var tree = c.Tree(backend);
            var arrays = tree.Select(l => (l.Key, l.Value.ToArray(), l.Value.Shape.Dims.ToArray())).ToList();
            using var built = TensorTree.FromArrays(backend, arrays);
            Bits.Identical($"{combination}, {c}", tree, built);
            using var fromDictionary = TensorTree.FromArrays(backend, arrays.ToDictionary(a => a.Key, a => (a.Item2, a.Item3)));
            Bits.Identical($"{combination}, dictionary, {c}", tree, fromDictionary);
        });
    }

    /// <summary>Each bad input fails before any tensor is made, naming the operation, the leaf, and what was expected against what was given.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Bad_arrays_fail_naming_the_leaf(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        void Fails(string message, params (string, double[], int[])[] leaves)
        {
            var e = Assert.Throws<ArgumentException>(() => TensorTree.FromArrays(backend, leaves));
            Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        }

        Fails("FromArrays: leaf '0.weight' of shape [3, 2] needs 6 values, got 5", ("0.bias", [1.0], [1]), ("0.weight", new double[5], [3, 2]));
        Fails("FromArrays: leaf 'scalar' of shape [] needs 1 values, got 0", ("scalar", [], []));
        Fails("FromArrays: leaf 'empty' of shape [0, 4] needs 0 values, got 1", ("empty", [1.0], [0, 4]));
        Fails("FromArrays: duplicate leaf name 'w'", ("w", [1.0], [1]), ("w", [2.0], [1]));
        Fails("FromArrays: leaf 1 has an empty name", ("w", [1.0], [1]), ("", [2.0], [1]));
        Fails("FromArrays: leaf 'w' has null values", ("w", null!, [1]));
        Fails("FromArrays: leaf 'w' has null shape", ("w", [1.0], null!));
        Fails("FromArrays: leaf 'w' has shape [2, -1]; dimensions must be non-negative", ("w", [1.0], [2, -1]));

        var d = Assert.Throws<ArgumentException>(() => TensorTree.FromArrays(backend, new Dictionary<string, (double[], int[])> { ["bias"] = ([1.0, 2.0], [3]) }));
        Assert.StartsWith("FromArrays: leaf 'bias' of shape [3] needs 3 values, got 2", d.Message, StringComparison.Ordinal);
    }

    /// <summary>External weights checked against a model: exact when they fit, otherwise each missing, unexpected and mismatched leaf listed with its shapes.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void CheckParameters_compares_with_the_model(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var model = new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2));
        var exact = TensorTree.FromArrays(backend, [("0.weight", new double[12], [4, 3]), ("0.bias", new double[4], [4]), ("2.weight", new double[8], [2, 4]), ("2.bias", new double[2], [2])]);
        var report = model.CheckParameters(exact);
        Assert.True(report.IsExact, report.Describe());
        Assert.Equal("exact (4 leaves)", report.Describe());
        Assert.Equal(exact.Names, report.Matched);

        // A PyTorch export of the same net with its head transposed and an extra buffer, and no second bias.
        var theirs = TensorTree.FromArrays(backend, [("0.weight", new double[12], [4, 3]), ("0.bias", new double[4], [4]), ("2.weight", new double[8], [4, 2]), ("2.extra", new double[1], [])]);
        report = model.CheckParameters(theirs);
        Assert.Equal(["0.weight", "0.bias"], report.Matched);
        Assert.Equal([new LeafShape("2.bias", new Shape(2))], report.Missing);
        Assert.Equal([new LeafShape("2.extra", Shape.Scalar)], report.Unexpected);
        Assert.Equal([new ShapeMismatch("2.weight", new Shape(2, 4), new Shape(4, 2))], report.ShapeMismatched);
        Assert.Equal("1 missing from the source: 2.bias [2]; 1 unexpected in the source: 2.extra []; 1 of another shape: 2.weight (expected [2, 4], got [4, 2])", report.Describe());

        report = model.CheckParameters(TensorTree.Empty, backend);
        Assert.Equal(4, report.Missing.Count);
        var e = Assert.Throws<ArgumentException>(() => model.CheckParameters(TensorTree.Empty));
        Assert.StartsWith("CheckParameters: the tree is empty, so pass the backend to initialize Sequential(3 layers) on", e.Message, StringComparison.Ordinal);
    }
}
