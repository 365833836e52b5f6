using System.Runtime.InteropServices;
using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>
/// Row updates of a table with libtorch's <c>index_add</c>: in place (<c>index_add_</c>) on a donated table, so a sparse optimizer step touches only the rows of the batch; a fresh copy
/// otherwise. Declines (null) when the table or the values record gradients.
/// </summary>
public sealed partial class TorchBackend : IRowUpdates
{
    /// <inheritdoc />
    Tensor? IRowUpdates.AddRows(Tensor table, Tensor rows, Tensor values, double alpha, bool reuse)
    {
        var t = Native(table, "add_rows");
        var v = Native(values, "add_rows");
        if (t.requires_grad || v.requires_grad)
        {
            return null;
        }

        try
        {
            using Scalar a = alpha;
            var r = Native(rows, "add_rows");
            if (reuse)
            {
                t.index_add_(0, r, v, a);
                return table;
            }

            return Make(t.index_add(0, r, v, a), table.Shape);
        }
        catch (ExternalException e)
        {
            throw Failure("add_rows", e, table.Shape, values.Shape);
        }
    }
}
