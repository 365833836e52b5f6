using Functional.Nets.Reference;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// Sparse gradients (<see cref="RowSelection"/>, <see cref="SparseRows"/>) and the sparse optimizers: the gradient of the
/// gathered rows, placed in the table, is the dense gradient of the table; <see cref="SparseSgd"/> equals dense SGD on the
/// touched rows and leaves every other row bit-identical, donated or not; <see cref="SparseAdam"/> equals
/// <c>torch.optim.SparseAdam</c>'s algorithm (TorchSharp 0.107 has no SparseAdam, so the peer is PyTorch's
/// <c>sparse_adam</c> transcribed onto libtorch tensors and fed by <c>nn.Embedding(sparse: true)</c>'s own sparse
/// gradient) and never touches untouched rows or their moments.
/// </summary>
public sealed class SparseOptimizerTests(ITestOutputHelper output)
{
    private const int Rows = 12;
    private const int Dim = 3;

    // Three batches of indices into the 12-row table, with repeats; rows 0, 6 and 11 are never touched.
    private static readonly long[][] Batches = [[1, 3, 3, 5, 2, 1], [7, 8, 8, 8, 3, 9], [10, 2, 4, 4, 1, 5]];

    /// <summary>Σ u ⊙ tanh(rows)², a nonlinear objective of the looked-up rows [6, Dim].</summary>
    private static Tensor Objective(Tensor looked, int batch, Backend backend) =>
        (looked.Tanh().Square() * backend.FromArray(Key.FromSeed(40 + batch).Normal(checked((int)looked.Shape.Size)), looked.Shape)).Sum();

    private static double[] Table => Key.FromSeed(31).Normal(Rows * Dim);

    /// <summary>The gradient of the gathered rows, made dense, is the dense gradient of the table (repeated indices summed).</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Sparse_gradient_is_the_dense_gradient(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var table = backend.FromArray(Table, Rows, Dim);
        for (var b = 0; b < Batches.Length; b++)
        {
            var ids = backend.FromIndices(Batches[b], Batches[b].Length);
            var (_, dense) = Grad.ValueAndGrad(p => Objective(p["t"].IndexSelect(0, ids), b, backend), TensorTree.Of(("t", table)));
            var selection = RowSelection.Of(ids, Rows);
            var (_, rows) = Grad.ValueAndGrad(p => Objective(p["r"].IndexSelect(0, selection.Local), b, backend), TensorTree.Of(("r", selection.Gather(table))));
            var sparse = selection.Gradient(rows["r"]);
            Assert.Equal(Batches[b].Distinct().Order().ToArray(), sparse.Indices.ToIndexArray());
            Assert.Equal(dense["t"].ToArray(), sparse.ToDense().ToArray());
        }
    }

    /// <summary>SparseSgd over three steps equals dense SGD: bit-identical on every row (untouched rows included), donated or not.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void SparseSgd_equals_dense_sgd_and_leaves_other_rows_bit_identical(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        foreach (var donate in new[] { false, true })
        {
            using var scope = backend.Scope();
            var dense = backend.FromArray(Table, Rows, Dim);
            var sparseTable = backend.FromArray(Table, Rows, Dim);
            var sgd = Optim.Sgd(0.3);
            var denseState = sgd.Init(TensorTree.Of(("t", dense)));
            var sparseSgd = new SparseSgd(0.3);
            var sparseState = sparseSgd.Init(sparseTable);
            var initial = sparseTable.ToArray();
            for (var b = 0; b < Batches.Length; b++)
            {
                var ids = backend.FromIndices(Batches[b], Batches[b].Length);
                var (_, g) = Grad.ValueAndGrad(p => Objective(p["t"].IndexSelect(0, ids), b, backend), TensorTree.Of(("t", dense)));
                var (p2, s2) = sgd.Step(g, denseState, TensorTree.Of(("t", dense)));
                (dense, denseState) = (p2["t"], s2);

                var selection = RowSelection.Of(ids, Rows);
                var (_, rows) = Grad.ValueAndGrad(p => Objective(p["r"].IndexSelect(0, selection.Local), b, backend), TensorTree.Of(("r", selection.Gather(sparseTable))));
                var before = sparseTable.ToArray();
                (sparseTable, sparseState) = sparseSgd.Step(selection.Gradient(rows["r"]), sparseState, sparseTable, donate);
                var after = sparseTable.ToArray();
                for (var r = 0; r < Rows; r++)
                {
                    if (!Batches[b].Contains(r))
                    {
                        Assert.Equal(before[(r * Dim)..((r + 1) * Dim)], after[(r * Dim)..((r + 1) * Dim)]);
                    }
                }
            }

            Assert.Equal(dense.ToArray(), sparseTable.ToArray());
            var final = sparseTable.ToArray();
            foreach (var never in new[] { 0, 6, 11 })
            {
                Assert.Equal(initial[(never * Dim)..((never + 1) * Dim)], final[(never * Dim)..((never + 1) * Dim)]);
            }
        }
    }

    /// <summary>
    /// SparseAdam over three steps against PyTorch's sparse_adam on libtorch tensors, float64: the table and both moments
    /// within 1e-10 relative per tensor (ours and theirs order the same few operations per entry, so they differ by a few
    /// ulps), on both our backends; rows 0, 6 and 11 and their moments stay bit-identical (zero moments).
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void SparseAdam_matches_torch_SparseAdam_and_is_lazy(string combination)
    {
        const double lr = 0.05, beta1 = 0.8, beta2 = 0.95, eps = 1e-6;
        double[] peerTable, peerM, peerV;
        using (var torchScope = NewDisposeScope())
        {
            var emb = nn.Embedding(Rows, Dim, sparse: true, dtype: float64);
            using (no_grad())
            {
                emb.weight!.copy_(tensor(Table, [Rows, Dim], float64));
            }

            var w = emb.weight!;
            var m = zeros_like(w);
            var v = zeros_like(w);
            for (var b = 0; b < Batches.Length; b++)
            {
                w.grad?.Dispose();
                w.grad = null;
                var y = emb.forward(tensor(Batches[b], int64));
                var u = tensor(Key.FromSeed(40 + b).Normal((int)y.numel()), y.shape, float64);
                (y.tanh().square() * u).sum().backward();
                using (no_grad())
                {
                    // torch/optim/sparse_adam.py (_single_tensor_sparse_adam), line by line.
                    // TorchSharp 0.107 exposes no coalesce/_indices/_values, so the coalesced sparse gradient is read as
                    // its dense form's rows at the batch's distinct indices (increasing, as coalesce orders them).
                    Assert.True(w.grad!.is_sparse);
                    var rows = tensor(Batches[b].Distinct().Order().ToArray(), int64);
                    var indices = new[] { rows };
                    var values = w.grad!.to_dense().index_select(0, rows);
                    var step = b + 1;
                    var oldM = m.index_select(0, indices[0]);
                    var mUpdate = (values - oldM).mul_(1 - beta1);
                    m.index_add_(0, indices[0], mUpdate, 1.0);
                    var oldV = v.index_select(0, indices[0]);
                    var vUpdate = (values.pow(2) - oldV).mul_(1 - beta2);
                    v.index_add_(0, indices[0], vUpdate, 1.0);
                    var numer = mUpdate.add_(oldM);
                    var denom = vUpdate.add_(oldV).sqrt_().add_(eps);
                    var stepSize = lr * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step));
                    w.index_add_(0, indices[0], numer.div_(denom).mul(-stepSize), 1.0);
                }
            }

            peerTable = w.detach().contiguous().data<double>().ToArray();
            peerM = m.contiguous().data<double>().ToArray();
            peerV = v.contiguous().data<double>().ToArray();
        }

        // Ours from RowSelection's coalesced gradient, and from the uncoalesced one an embedding's backward makes (one entry
        // per lookup, repeats and batch order kept), which SparseAdam must coalesce as the peer's coalesce() does.
        var backend = BackendCombinations.Resolve(combination);
        foreach (var (donate, uncoalesced) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            using var scope = backend.Scope();
            var adam = new SparseAdam(lr, beta1, beta2, eps);
            var table = backend.FromArray(Table, Rows, Dim);
            var state = adam.Init(table);
            for (var b = 0; b < Batches.Length; b++)
            {
                var ids = backend.FromIndices(Batches[b], Batches[b].Length);
                SparseRows gradient;
                if (uncoalesced)
                {
                    var (_, looked) = Grad.ValueAndGrad(p => Objective(p["l"], b, backend), TensorTree.Of(("l", table.StopGradient().IndexSelect(0, ids))));
                    gradient = new SparseRows(ids, looked["l"], Rows);
                }
                else
                {
                    var selection = RowSelection.Of(ids, Rows);
                    var (_, rows) = Grad.ValueAndGrad(p => Objective(p["r"].IndexSelect(0, selection.Local), b, backend), TensorTree.Of(("r", selection.Gather(table))));
                    gradient = selection.Gradient(rows["r"]);
                }

                (table, state) = adam.Step(gradient, state, table, donate);
            }

            var worst = 0.0;
            foreach (var (name, ours, theirs) in new[] { ("table", table.ToArray(), peerTable), ("exp_avg", state["exp_avg"].ToArray(), peerM), ("exp_avg_sq", state["exp_avg_sq"].ToArray(), peerV) })
            {
                var e = RelativeError.Of(ours, theirs);
                Assert.True(e.Value <= BackendAgreementProperties.GradientTolerance, $"SparseAdam on {backend} (donate {donate}, uncoalesced {uncoalesced}): {name} {e}");
                worst = Math.Max(worst, e.Value);
            }

            var final = table.ToArray();
            foreach (var never in new[] { 0, 6, 11 })
            {
                Assert.Equal(Table[(never * Dim)..((never + 1) * Dim)], final[(never * Dim)..((never + 1) * Dim)]);
                Assert.All(state["exp_avg"].ToArray()[(never * Dim)..((never + 1) * Dim)], x => Assert.Equal(0.0, x));
            }

            Assert.Equal(3.0, state["step"].Item());
            output.WriteLine($"SparseAdam on {backend} (donate {donate}, uncoalesced {uncoalesced}): worst relative error vs the peer {worst:G3}");
        }
    }

    /// <summary>Without donation a step is pure: the table and the state it was given are unchanged.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Steps_without_donation_are_pure(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        foreach (var optimizer in new SparseOptimizer[] { new SparseSgd(0.1), new SparseAdam(0.1) })
        {
            var table = backend.FromArray(Table, Rows, Dim);
            var state = optimizer.Init(table);
            var initial = table.ToArray();
            var (t1, s1) = optimizer.Step(new SparseRows(backend.FromIndices([2, 5], 2), backend.FromArray([1, 2, 3, 4, 5, 6], 2, Dim), Rows), state, table);
            var (t2, _) = optimizer.Step(new SparseRows(backend.FromIndices([2, 5], 2), backend.FromArray([1, 2, 3, 4, 5, 6], 2, Dim), Rows), state, table);
            Assert.Equal(initial, table.ToArray());
            Assert.Equal(t1.ToArray(), t2.ToArray());
            Assert.All(state.Values.Skip(1).SelectMany(s => s.ToArray()), x => Assert.Equal(0.0, x));
            Assert.NotEqual(initial, t1.ToArray());
            Assert.Equal(1.0, s1["step"].Item());
        }
    }

    /// <summary>
    /// A donated SparseAdam step on Torch's host memory runs <c>SparseAdamKernel</c> (one pass, in place); it equals the
    /// undonated composition bit for bit in float32 and float64, over three steps, every row and both moments.
    /// </summary>
    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void Donated_SparseAdam_in_place_equals_the_composition_bit_for_bit(string dtype)
    {
        var backend = dtype == "float32" ? Functional.Nets.Torch.TorchBackend.CpuFloat32 : Functional.Nets.Torch.TorchBackend.CpuFloat64;
        var adam = new SparseAdam(0.05, 0.8, 0.95, 1e-6);
        var pureTable = backend.FromArray(Table, Rows, Dim);
        var pureState = adam.Init(pureTable);
        var table = backend.FromArray(Table, Rows, Dim);
        var state = adam.Init(table);
        var handle = table;
        for (var b = 0; b < Batches.Length; b++)
        {
            var distinct = Batches[b].Distinct().ToArray();
            var g = backend.FromArray(Key.FromSeed(60 + b).Normal(distinct.Length * Dim), distinct.Length, Dim);
            (pureTable, pureState) = adam.Step(new SparseRows(backend.FromIndices(distinct, distinct.Length), g, Rows), pureState, pureTable);
            (table, state) = adam.Step(new SparseRows(backend.FromIndices(distinct, distinct.Length), g, Rows), state, table, donate: true);
        }

        Assert.Same(handle, table);
        Assert.Equal(pureTable.ToArray(), table.ToArray());
        Assert.Equal(pureState[ScaleByAdam.MeanSlot].ToArray(), state[ScaleByAdam.MeanSlot].ToArray());
        Assert.Equal(pureState[ScaleByAdam.SquareSlot].ToArray(), state[ScaleByAdam.SquareSlot].ToArray());
        Assert.Equal(3.0, state["step"].Item());
    }

    /// <summary>A donated SparseAdam step refuses a row outside the table before writing anything.</summary>
    [Fact]
    public void Donated_SparseAdam_names_a_row_outside_the_table_and_writes_nothing()
    {
        var backend = Functional.Nets.Torch.TorchBackend.CpuFloat32;
        var adam = new SparseAdam(0.1);
        var table = backend.FromArray(Table, Rows, Dim);
        var state = adam.Init(table);
        var before = table.ToArray();
        var bad = new SparseRows(backend.FromIndices([1, 12], 2), backend.FromArray([1, 2, 3, 4, 5, 6], 2, Dim), Rows);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => adam.Step(bad, state, table, donate: true));
        Assert.StartsWith("SparseAdam(lr=0.1, betas=(0.9, 0.999), eps=1E-08): gradient row 12 at position 1 is outside the table's rows [0, 12)", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, table.ToArray());
        Assert.All(state[ScaleByAdam.MeanSlot].ToArray(), x => Assert.Equal(0.0, x));
    }

    /// <summary>Bad input: an index outside the table and a gradient of another table's shape are named.</summary>
    [Fact]
    public void Bad_rows_are_named()
    {
        var backend = ReferenceBackend.Instance;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RowSelection.Of(backend.FromIndices([1, 12], 2), Rows));
        Assert.StartsWith("RowSelection: index 12 at flat position 1 is outside the table's rows [0, 12)", e.Message, StringComparison.Ordinal);
        var table = backend.FromArray(Table, Rows, Dim);
        var sgd = new SparseSgd(0.1);
        var wrong = new SparseRows(backend.FromIndices([1], 1), backend.FromArray([1, 2], 1, 2), Rows);
        var s = Assert.Throws<ShapeMismatchException>(() => sgd.Step(wrong, sgd.Init(table), table));
        Assert.Equal("SparseSgd(lr=0.1): a gradient of a table [12, 2] cannot update a table of shape [12, 3]", s.Message);
    }

    /// <summary>
    /// Coalescing sums a row's entries into distinct, increasing rows (the same dense gradient), and returns an already
    /// coalesced gradient itself; on every backend.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Coalesce_sums_repeated_rows_and_keeps_the_dense_gradient(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var values = Key.FromSeed(50).Normal(6 * Dim);
        var raw = new SparseRows(backend.FromIndices([5, 2, 5, 9, 2, 5], 6), backend.FromArray(values, 6, Dim), Rows);
        var coalesced = raw.Coalesce();
        Assert.Equal(new long[] { 2, 5, 9 }, coalesced.Indices.ToIndexArray());
        var expected = new double[3 * Dim];
        var magnitude = new double[3 * Dim];
        foreach (var (entry, place) in new[] { (0, 1), (1, 0), (2, 1), (3, 2), (4, 0), (5, 1) })
        {
            for (var d = 0; d < Dim; d++)
            {
                expected[(place * Dim) + d] += values[(entry * Dim) + d];
                magnitude[(place * Dim) + d] += Math.Abs(values[(entry * Dim) + d]);
            }
        }

        // float64: the same additions in the same (entry) order, so exact. float32: each of ≤ 3 entries rounded to float32
        // on upload and ≤ 2 additions, each off by ≤ u = 2⁻²⁴ of a partial sum bounded by Σ|entries|: ≤ 5u·Σ|entries|.
        var u = backend.DType == DType.Float64 ? 0.0 : Math.ScaleB(1, -24);
        var got = coalesced.Values.ToArray();
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(got[k] - expected[k]) <= 5 * u * magnitude[k], $"coalesced entry {k} on {backend}: {got[k]} vs {expected[k]}");
        }

        Assert.Equal(raw.ToDense().ToArray(), coalesced.ToDense().ToArray());
        Assert.Same(coalesced, coalesced.Coalesce());
        var increasing = new SparseRows(backend.FromIndices([1, 4], 2), backend.FromArray(values[..(2 * Dim)], 2, Dim), Rows);
        Assert.Same(increasing, increasing.Coalesce());
    }

    /// <summary>A hand-built gradient with a row outside the table is named by the optimizer, donated or not, and nothing is written.</summary>
    [Theory]
    [InlineData(12L)]
    [InlineData(-1L)]
    public void A_row_outside_the_table_is_named_by_each_optimizer(long row)
    {
        var backend = Functional.Nets.Torch.TorchBackend.CpuFloat64;
        foreach (var optimizer in new SparseOptimizer[] { new SparseSgd(0.1), new SparseAdam(0.1) })
        {
            foreach (var donate in new[] { false, true })
            {
                var table = backend.FromArray(Table, Rows, Dim);
                var state = optimizer.Init(table);
                var bad = new SparseRows(backend.FromIndices([1, row], 2), backend.FromArray([1, 2, 3, 4, 5, 6], 2, Dim), Rows);
                var e = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.Step(bad, state, table, donate));
                Assert.StartsWith($"{optimizer.Describe()}: gradient row {row} at position 1 is outside the table's rows [0, 12)", e.Message, StringComparison.Ordinal);
                Assert.Equal(Table, table.ToArray());
            }
        }
    }
}
