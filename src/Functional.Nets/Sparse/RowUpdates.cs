namespace Functional.Nets;

/// <summary>
/// Row updates of a table through <see cref="IRowUpdates"/> where the backend has it, else the plain composition of core
/// operations that defines them (which copies the table: the Reference backend's small tables).
/// </summary>
internal static class RowUpdates
{
    /// <summary>y = table with y[rows[k]] = table[rows[k]] + α·values[k].</summary>
    public static Tensor Add(Tensor table, Tensor rows, Tensor values, double alpha, bool reuse = false)
    {
        if (Capabilities.Of<IRowUpdates>(table.Backend)?.AddRows(table, rows, values, alpha, reuse) is { } fused)
        {
            return fused;
        }

        // Plain: scatter-add α·values along axis 0 at the rows, repeated across the row's entries (distinct rows, so one addition each).
        return table.ScatterAdd(0, Spread(rows, values.Shape), alpha == 1 ? values : values * alpha);
    }

    // Row indices [u] as int64 [u, D…] (each row's index in every entry), the form scatter_add takes.
    private static Tensor Spread(Tensor rows, Shape valuesShape)
    {
        var ids = rows.ToIndexArray();
        var inner = checked((int)(valuesShape.Size / Math.Max(1, valuesShape[0])));
        var spread = new long[checked(ids.Length * inner)];
        for (var k = 0; k < ids.Length; k++)
        {
            Array.Fill(spread, ids[k], k * inner, inner);
        }

        return rows.Backend.FromIndices(spread, valuesShape);
    }
}
