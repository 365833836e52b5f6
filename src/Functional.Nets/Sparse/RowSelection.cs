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
    private RowSelection(Tensor rows, Tensor local, int count)
    {
        Rows = rows;
        Local = local;
        TableRows = count;
    }

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

        var sorted = indices.ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i] < 0 || sorted[i] >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"RowSelection: index {sorted[i]} at flat position {i} is outside the table's rows [0, {count})");
            }
        }

        Array.Sort(sorted);
        var distinct = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i == 0 || sorted[i] != sorted[distinct - 1])
            {
                sorted[distinct++] = sorted[i];
            }
        }

        var rows = sorted.AsSpan(0, distinct);
        var local = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            local[i] = rows.BinarySearch(indices[i]);
        }

        return new RowSelection(backend.FromIndices(rows, new Shape(distinct)), backend.FromIndices(local, shape), count);
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
    public SparseRows Gradient(Tensor rows) => new(Rows, rows, TableRows);

    private void RequireTable(Tensor table)
    {
        if (table.Shape.Rank < 1 || table.Shape[0] != TableRows)
        {
            throw new ShapeMismatchException($"RowSelection: the selection addresses {TableRows} rows, but the table has shape {table.Shape}");
        }
    }
}
