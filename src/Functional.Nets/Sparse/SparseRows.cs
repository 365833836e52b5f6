namespace Functional.Nets;

/// <summary>
/// A gradient of a table [V, D] that is zero outside some rows: int64 row indices <see cref="Indices"/> [u] and their
/// gradient rows <see cref="Values"/> [u, D], PyTorch's sparse COO gradient of <c>nn.Embedding(sparse=True)</c>. An index
/// may repeat (an uncoalesced gradient, as an embedding's backward makes one entry per lookup): the table's gradient is then
/// the sum of that row's entries. <see cref="RowSelection.Gradient"/> makes coalesced ones (distinct, increasing indices);
/// <see cref="Coalesce"/> turns any into that form, and <see cref="SparseAdam"/>, which is not linear in the gradient,
/// coalesces first, as <c>torch.optim.SparseAdam</c> does. Consumed by the <see cref="SparseOptimizer"/>s.
/// </summary>
public sealed class SparseRows
{
    /// <summary>
    /// Creates the gradient: <paramref name="values"/>[k] belongs to row <paramref name="indices"/>[k] of a table of
    /// <paramref name="tableRows"/> rows; indices may repeat and come in any order. Each optimizer checks them against the
    /// table (once, on the host) before its step.
    /// </summary>
    public SparseRows(Tensor indices, Tensor values, int tableRows)
        : this(indices, values, tableRows, Checked.None)
    {
    }

    // Made by code of this library that knows its indices: Checked.InRange skips the range check, Checked.Coalesced also
    // the coalescing (RowSelection's rows are distinct and increasing by construction).
    internal SparseRows(Tensor indices, Tensor values, int tableRows, Checked known)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        Tensor.RequireIndex("SparseRows", indices, nameof(indices));
        if (indices.Shape.Rank != 1 || values.Shape.Rank < 1 || values.Shape[0] != indices.Shape[0])
        {
            throw new ShapeMismatchException($"SparseRows: expected indices [u] and values [u, …], got {indices.Shape} and {values.Shape}");
        }

        if (tableRows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tableRows), $"SparseRows: a table has a non-negative number of rows, got {tableRows}");
        }

        Indices = indices;
        Values = values;
        TableRows = tableRows;
        this.known = known;
    }

    internal enum Checked
    {
        None,
        InRange,
        Coalesced,
    }

    private Checked known;

    /// <summary>The rows with a gradient: int64 [u] (distinct and increasing once coalesced).</summary>
    public Tensor Indices { get; }

    /// <summary>Their gradients [u, D].</summary>
    public Tensor Values { get; }

    /// <summary>V, the table's number of rows.</summary>
    public int TableRows { get; }

    /// <summary>The table's shape [V, D].</summary>
    public Shape TableShape => new([TableRows, .. Values.Shape.Dims[1..]]);

    /// <summary>The dense gradient [V, D]: zeros with <see cref="Values"/> added into the rows <see cref="Indices"/> (repeats summed).</summary>
    public Tensor ToDense()
    {
        var zeros = Values.Backend.Zeros(TableShape);
        return RowUpdates.Add(zeros, Indices, Values, 1, reuse: true);
    }

    /// <summary>
    /// The same gradient with distinct, increasing indices, each row's entries summed (in their order here); this
    /// instance itself when its indices already are (checked once on the host, then remembered).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside [0, <see cref="TableRows"/>); the message names it and its position.</exception>
    public SparseRows Coalesce()
    {
        if (known == Checked.Coalesced)
        {
            return this;
        }

        var ids = Indices.ToIndexArray();
        RequireInRange(ids);
        var increasing = true;
        for (var k = 1; k < ids.Length && increasing; k++)
        {
            increasing = ids[k] > ids[k - 1];
        }

        if (increasing)
        {
            known = Checked.Coalesced;
            return this;
        }

        // Σ over a row's entries: add each entry into its row's place among the distinct rows (index_add, repeats summing).
        var selection = RowSelection.Of(ids, Indices.Shape, TableRows, Indices.Backend);
        var shape = new Shape([selection.Rows.Shape[0], .. Values.Shape.Dims[1..]]);
        var zeros = Values.Backend.Zeros(shape);
        return new SparseRows(selection.Rows, RowUpdates.Add(zeros, selection.Local, Values, 1, reuse: true), TableRows, Checked.Coalesced);
    }

    /// <summary>Throws unless every index lies in [0, <see cref="TableRows"/>) (read on the host unless already known).</summary>
    internal void RequireInRange(string owner)
    {
        if (known == Checked.None)
        {
            RequireInRange(Indices.ToIndexArray(), owner);
        }
    }

    private void RequireInRange(long[] ids, string owner = "SparseRows")
    {
        for (var k = 0; k < ids.Length; k++)
        {
            if (ids[k] < 0 || ids[k] >= TableRows)
            {
                throw new ArgumentOutOfRangeException(nameof(Indices), $"{owner}: gradient row {ids[k]} at position {k} is outside the table's rows [0, {TableRows})");
            }
        }

        if (known == Checked.None)
        {
            known = Checked.InRange;
        }
    }
}
