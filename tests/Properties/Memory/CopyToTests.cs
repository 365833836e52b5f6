namespace Functional.Nets.Tests.Memory;

/// <summary><see cref="Tensor.CopyTo"/> copies exactly what <see cref="Tensor.ToArray"/> returns, on every backend, packed leaves included.</summary>
public sealed class CopyToTests
{
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Copy_to_equals_to_array(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var t = backend.FromArray(Key.FromSeed(1).Normal(12), 3, 4);
        var destination = new double[15];
        t.CopyTo(destination);
        Assert.Equal(t.ToArray(), destination[..12]);
        Assert.Equal([0.0, 0.0, 0.0], destination[12..]);

        using var transposed = t.T; // a non-contiguous view on Torch
        var values = new double[12];
        transposed.CopyTo(values);
        Assert.Equal(transposed.ToArray(), values);

        if (backend is IFlatBuffers buffers)
        {
            var leaves = buffers.Unflatten(t.Reshape(12), [new Shape(5), new Shape(7)]);
            var slice = new double[7];
            leaves[1].CopyTo(slice);
            Assert.Equal(t.ToArray()[5..], slice);
            foreach (var leaf in leaves)
            {
                leaf.Dispose();
            }
        }

        Assert.Throws<ArgumentException>(() => t.CopyTo(new double[11]));
    }
}
