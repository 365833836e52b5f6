using Functional.Nets.Reference;
using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.Memory;

/// <summary>
/// Packed trees on the Torch backend (<see cref="IFlatBuffers"/>): <see cref="IFlatBuffers.Unflatten"/> slices one flat
/// buffer into leaves, <see cref="IFlatBuffers.Flatten"/> gives the buffer back without a copy, the buffer lives until its
/// last leaf is released (or its scope ends, unless a leaf is kept), and values round-trip exactly on every backend
/// that has flat buffers.
/// </summary>
public sealed class PackedTreeTests
{
    private static readonly Shape[] Shapes = [new(3, 2), new(2), Shape.Scalar, new(1, 2, 2)];

    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>
    /// The combinations whose backend has flat buffers: every Torch one (chosen by name, so that listing the cases never
    /// loads libtorch; a Torch backend without the capability fails the cast below).
    /// </summary>
    public static TheoryData<string> WithFlatBuffers
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in TorchCombinations())
            {
                data.Add(name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(WithFlatBuffers))]
    public void Flatten_and_unflatten_round_trip_exactly(string combination)
    {
        var on = BackendCombinations.Resolve(combination);
        var backend = Assert.IsAssignableFrom<IFlatBuffers>(on);
        var values = Enumerable.Range(0, 13).Select(i => i * 0.25 - 1).ToArray();
        using var flat = on.FromArray(values, 13);
        var leaves = backend.Unflatten(flat, Shapes);
        Assert.Equal(Shapes, leaves.Select(l => l.Shape));
        Assert.Equal(values[6..8], leaves[1].ToArray());
        using var again = backend.Flatten(leaves);
        Assert.Equal(values, again.ToArray());
        foreach (var leaf in leaves)
        {
            leaf.Dispose();
        }

        var e = Assert.Throws<ShapeMismatchException>(() => backend.Unflatten(flat, [new Shape(4)]));
        Assert.Contains("13", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flatten_of_a_whole_buffer_is_a_view_and_of_anything_else_a_copy()
    {
        var backend = TorchBackend.CpuFloat32;
        using var flat = backend.FromArray(Enumerable.Range(0, 13).Select(i => (double)i).ToArray(), 13);
        var leaves = backend.Unflatten(flat, Shapes);
        using (var whole = backend.Flatten(leaves))
        {
            Assert.True(SameMemory(flat, whole));
        }

        using (var part = backend.Flatten([leaves[1], leaves[0]]))
        {
            Assert.False(SameMemory(flat, part));
            Assert.Equal([6.0, 7, 0, 1, 2, 3, 4, 5], part.ToArray());
        }

        foreach (var leaf in leaves)
        {
            leaf.Dispose();
        }

        // The Reference backend takes the plain path, leaf by leaf (its ops have no fixed cost worth amortizing).
        Assert.IsNotAssignableFrom<IFlatBuffers>(ReferenceBackend.Instance);
    }

    [Fact]
    public void The_buffer_lives_until_its_last_leaf_is_released()
    {
        var backend = TorchBackend.CpuFloat64;
        var before = Live;
        IReadOnlyList<Tensor> leaves;
        using (var flat = backend.FromArray(new double[13], 13))
        {
            leaves = backend.Unflatten(flat, Shapes);
        }

        Assert.Equal(before + 1, Live); // the buffer; no leaf has made its view yet
        Assert.Equal([0.0, 0.0], leaves[1].ToArray());
        Assert.Equal(before + 2, Live); // the buffer and leaf 1's view
        for (var i = 0; i < leaves.Count - 1; i++)
        {
            leaves[i].Dispose();
            leaves[i].Dispose(); // twice is harmless
        }

        Assert.Equal(before + 1, Live); // the views are gone with their leaves; the last leaf holds the buffer
        Assert.Equal([0.0, 0.0, 0.0, 0.0], leaves[^1].ToArray());
        Assert.Throws<ObjectDisposedException>(() => leaves[0].ToArray());
        leaves[^1].Dispose();
        Assert.Equal(before, Live);
    }

    [Fact]
    public void A_scope_releases_the_buffer_unless_a_leaf_is_kept()
    {
        var backend = TorchBackend.CpuFloat64;
        var before = Live;
        IReadOnlyList<Tensor> dropped;
        IReadOnlyList<Tensor> kept;
        using (var scope = backend.Scope())
        {
            dropped = backend.Unflatten(backend.FromArray(new double[13], 13), Shapes);
            kept = backend.Unflatten(backend.FromArray(Enumerable.Repeat(2.0, 13).ToArray(), 13), Shapes);
            _ = dropped[0].ToArray();
            scope.Keep(kept[3]);
        }

        Assert.Throws<ObjectDisposedException>(() => dropped[1].ToArray());
        Assert.Equal([2.0, 2.0, 2.0, 2.0, 2.0, 2.0], kept[0].ToArray());
        foreach (var leaf in dropped.Concat(kept))
        {
            leaf.Dispose();
        }

        Assert.Equal(before, Live);
    }

    [Fact]
    public void Leaves_read_inside_a_scope_that_releases_their_buffer_leave_nothing_behind()
    {
        var backend = TorchBackend.CpuFloat64;
        var before = Live;
        IReadOnlyList<Tensor> leaves;
        using (backend.Scope())
        {
            leaves = backend.Unflatten(backend.FromArray(new double[13], 13), Shapes);
            foreach (var leaf in leaves)
            {
                _ = (leaf * 2.0).ToArray(); // makes each leaf's view
            }
        }

        Assert.Equal(before, Live);

        // A kept leaf outlives the scope that released its view, and makes a new one when read again.
        using (var scope = backend.Scope())
        {
            leaves = backend.Unflatten(backend.FromArray(Enumerable.Repeat(1.5, 13).ToArray(), 13), Shapes);
            _ = leaves[1].ToArray();
            scope.Keep(leaves[1]);
        }

        Assert.Equal([1.5, 1.5], leaves[1].ToArray());
        foreach (var leaf in leaves)
        {
            leaf.Dispose();
        }

        Assert.Equal(before, Live);
    }

    [Fact]
    public void Gradients_on_torch_arrive_packed_and_feed_a_flat_update()
    {
        var backend = TorchBackend.CpuFloat64;
        var model = new Sequential(new Dense(3, 4), new Tanh(), new Dense(4, 2));
        using var parameters = model.Init(Key.FromSeed(1), backend);
        using var x = backend.FromArray(Key.FromSeed(2).Normal(15), 5, 3);
        var (value, gradients) = Grad.ValueAndGrad(p => model.Apply(p, x).Square().Mean(), parameters);
        using (var flat = backend.Flatten([.. gradients.Values]))
        {
            // No copy: the flat tensor is the buffer the gradient leaves slice.
            Assert.True(SameMemory(gradients[0].Value, flat));
            Assert.Equal(gradients.Values.SelectMany(g => g.ToArray()), flat.ToArray());
        }

        value.Dispose();
        gradients.Dispose();
    }

    private static IEnumerable<string> TorchCombinations() =>
        Optimizers.OptimizerCatalog.Combinations(BackendCombinations.All).Where(c => c.StartsWith("torch/", StringComparison.Ordinal));

    /// <summary>Whether two CPU tensors start at the same address (one is a view of the other, no copy).</summary>
    private static bool SameMemory(Tensor a, Tensor b) =>
        System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(TorchBackend.ToTorch(a).bytes),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(TorchBackend.ToTorch(b).bytes));
}
