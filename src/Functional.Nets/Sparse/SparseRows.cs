namespace Functional.Nets;

/// <summary>
/// A gradient of a table [V, D] that is zero outside some rows: the distinct, increasing int64 row indices
/// <see cref="Indices"/> [u] and their gradient rows <see cref="Values"/> [u, D] (PyTorch's coalesced sparse COO
/// gradient of <c>nn.Embedding(sparse=True)</c>). Made by <see cref="RowSelection.Gradient"/>; consumed by the
/// <see cref="SparseOptimizer"/>s.
/// </summary>
public sealed class SparseRows
{
    /// <summary>Creates the gradient; <paramref name="indices"/> must be distinct (as <see cref="RowSelection"/> makes them).</summary>
    public SparseRows(Tensor indices, Tensor values, int tableRows)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        Tensor.RequireIndex("SparseRows", indices, nameof(indices));
        if (indices.Shape.Rank != 1 || values.Shape.Rank < 1 || values.Shape[0] != indices.Shape[0])
        {
            throw new ShapeMismatchException($"SparseRows: expected indices [u] and values [u, …], got {indices.Shape} and {values.Shape}");
        }

        Indices = indices;
        Values = values;
        TableRows = tableRows;
    }

    /// <summary>The rows with a gradient: distinct int64 [u].</summary>
    public Tensor Indices { get; }

    /// <summary>Their gradients [u, D].</summary>
    public Tensor Values { get; }

    /// <summary>V, the table's number of rows.</summary>
    public int TableRows { get; }

    /// <summary>The table's shape [V, D].</summary>
    public Shape TableShape => new([TableRows, .. Values.Shape.Dims[1..]]);

    /// <summary>The dense gradient [V, D]: zeros with <see cref="Values"/> in the rows <see cref="Indices"/>.</summary>
    public Tensor ToDense()
    {
        var zeros = Values.Backend.FromArray(new double[checked((int)TableShape.Size)], TableShape);
        return RowUpdates.Add(zeros, Indices, Values, 1, reuse: true);
    }
}
