namespace Functional.Nets;

/// <summary>
/// The rows of a table that a batch of int64 indices touches: <see cref="Rows"/>, the distinct indices in increasing
/// order, and <see cref="Local"/>, the batch's indices renumbered into them (Local[i] = k where Rows[k] = indices[i]).
/// A table's lookup then factors as table[indices] = table[Rows][Local], so differentiating with respect to the gathered
/// rows table[Rows] (a small leaf of [u, D]) instead of the table [V, D] gives the table's gradient as
/// (<see cref="Rows"/>, gradient of the gathered rows): a <see cref="SparseRows"/>, at a cost set by the batch, not by V.
/// </summary>
/// <example><code>
/// var selection = RowSelection.Of(batchIds, table.Shape[0], backend);
/// var (loss, g) = Grad.ValueAndGrad(q => Loss(q["rows"].IndexSelect(0, selection.Local)), TensorTree.Of(("rows", selection.Gather(table))));
/// var (next, state2) = sparseSgd.Step(selection.Gradient(g["rows"]), state, table);
/// </code></example>
public sealed class RowSelection
{
    private RowSelection(Tensor rows, Tensor local, int count, long[] uses)
    {
        Rows = rows;
        Local = local;
        TableRows = count;
        Uses = uses;
    }

    /// <summary>How many of the batch's indices address each of <see cref="Rows"/>.</summary>
    public IReadOnlyList<long> Uses { get; }

    /// <summary>The distinct rows touched, increasing: int64 [u].</summary>
    public Tensor Rows { get; }

    /// <summary>The batch's indices as positions in <see cref="Rows"/>: int64 of the batch's shape.</summary>
    public Tensor Local { get; }

    /// <summary>The number of rows of the table the indices address.</summary>
    public int TableRows { get; }

    /// <summary>
    /// The selection of <paramref name="indices"/> (of <paramref name="shape"/>, host values) into a table of
    /// <paramref name="count"/> rows, made on <paramref name="backend"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside [0, count); the message names it and its position.</exception>
    public static RowSelection Of(ReadOnlySpan<long> indices, Shape shape, int count, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (shape.Size != indices.Length)
        {
            throw new ShapeMismatchException($"RowSelection: {indices.Length} indices do not fill the shape {shape}");
        }

        for (var i = 0; i < indices.Length; i++)
        {
            if (indices[i] < 0 || indices[i] >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"RowSelection: index {indices[i]} at flat position {i} is outside the table's rows [0, {count})");
            }
        }

        var local = new long[indices.Length];
        long[] rows;
        if (indices.Length >= count / 16)
        {
            // Dense enough: mark the rows in a scratch array of the table's size and read them off in order, O(V + N)
            // (a batch of word2vec triples addresses thousands of rows of a vocabulary of tens of thousands).
            var position = System.Buffers.ArrayPool<int>.Shared.Rent(count);
            try
            {
                Array.Fill(position, -1, 0, count);
                foreach (var id in indices)
                {
                    position[id] = 0;
                }

                var distinct = 0;
                for (var r = 0; r < count; r++)
                {
                    if (position[r] == 0)
                    {
                        position[r] = ++distinct;
                    }
                }

                rows = new long[distinct];
                for (var i = 0; i < indices.Length; i++)
                {
                    var k = position[indices[i]] - 1;
                    rows[k] = indices[i];
                    local[i] = k;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<int>.Shared.Return(position);
            }
        }
        else
        {
            // Sparse: sort a copy and drop repeats, then find each index by binary search, O(N log N).
            var sorted = indices.ToArray();
            Array.Sort(sorted);
            var distinct = 0;
            for (var i = 0; i < sorted.Length; i++)
            {
                if (i == 0 || sorted[i] != sorted[distinct - 1])
                {
                    sorted[distinct++] = sorted[i];
                }
            }

            rows = sorted[..distinct];
            for (var i = 0; i < indices.Length; i++)
            {
                local[i] = Array.BinarySearch(rows, indices[i]);
            }
        }

        var uses = new long[rows.Length];
        foreach (var k in local)
        {
            uses[k]++;
        }

        return new RowSelection(backend.FromIndices(rows, new Shape(rows.Length)), backend.FromIndices(local, shape), count, uses);
    }

    /// <summary>The selection of the int64 tensor <paramref name="indices"/> (copied to the host once) into a table of <paramref name="count"/> rows.</summary>
    public static RowSelection Of(Tensor indices, int count)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return Of(indices.ToIndexArray(), indices.Shape, count, indices.Backend);
    }

    /// <summary>The touched rows of <paramref name="table"/> [V, D] as a constant [u, D]: the leaf to differentiate.</summary>
    public Tensor Gather(Tensor table)
    {
        ArgumentNullException.ThrowIfNull(table);
        RequireTable(table);
        return table.StopGradient().IndexSelect(0, Rows);
    }

    /// <summary>The table's gradient from the gradient <paramref name="rows"/> [u, D] of <see cref="Gather"/>'s result.</summary>
    public SparseRows Gradient(Tensor rows) => new(Rows, rows, TableRows, SparseRows.Checked.Coalesced);

    private void RequireTable(Tensor table)
    {
        if (table.Shape.Rank < 1 || table.Shape[0] != TableRows)
        {
            throw new ShapeMismatchException($"RowSelection: the selection addresses {TableRows} rows, but the table has shape {table.Shape}");
        }
    }
}
