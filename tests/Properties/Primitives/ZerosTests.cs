namespace Functional.Nets.Tests.Primitives;

/// <summary>
/// <see cref="Backend.Zeros"/> (Torch's <c>torch.zeros</c>, the default's managed array) on every backend: the shape and
/// values <see cref="Backend.FromArray(ReadOnlySpan{double}, Shape)"/> of zeros gives, and a new tensor each call, since
/// callers write into it (<see cref="SparseRows.ToDense"/> adds its rows in place).
/// </summary>
public sealed class ZerosTests
{
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Zeros_are_zeros_of_the_shape(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        foreach (var shape in new[] { Shape.Scalar, new Shape(0), new Shape(3), new Shape(2, 3, 4) })
        {
            using var zeros = backend.Zeros(shape);
            Assert.Equal(shape, zeros.Shape);
            Assert.Same(backend, zeros.Backend);
            Assert.Equal(new double[shape.Size], zeros.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Each_call_is_a_new_tensor(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var indices = backend.FromIndices([1, 1, 3], new Shape(3));
        using var values = backend.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], new Shape(3, 2));
        var rows = new SparseRows(indices, values, tableRows: 4);

        // ToDense adds the rows into a fresh Zeros([4, 2]); a shared or cached zeros tensor would make the second sum twice.
        double[] expected = [0, 0, 4, 6, 0, 0, 5, 6];
        using var first = rows.ToDense();
        using var second = rows.ToDense();
        Assert.Equal(expected, first.ToArray());
        Assert.Equal(expected, second.ToArray());
        using var zeros = backend.Zeros(new Shape(4, 2));
        Assert.Equal(new double[8], zeros.ToArray());
    }
}
