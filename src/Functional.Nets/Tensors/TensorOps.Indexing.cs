namespace Functional.Nets;

/// <summary>Integer indexing: index-select (embeddings), take-along (torch.gather), scatter-add and one-hot; indices checked in the core.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// Slices along <paramref name="axis"/> at int64 <paramref name="indices"/> of any shape: the result has shape
    /// shape[:axis] + indices.shape + shape[axis + 1:]. For a table [V, D] and ids [N, T], <c>table.IndexSelect(0, ids)</c>
    /// is the embedding lookup [N, T, D]; the gradient scatter-adds into the rows used.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is not an int64 tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, size of the axis).</exception>
    public Tensor IndexSelect(int axis, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        RequireFloat("index_select", this);
        RequireSameBackend("index_select", this, indices);
        RequireIndex("index_select", indices, nameof(indices));
        var a = Shape.NormalizeAxis(axis);
        RequireInRange("index_select", indices, Shape[a], a);
        return Backend.IndexSelect(this, a, indices);
    }

    /// <summary>
    /// <c>torch.gather</c>: y[…, i, …] = x[…, indices[…, i, …], …] along <paramref name="axis"/>, for int64
    /// <paramref name="indices"/> of this tensor's rank and no larger along the other axes; the result has the indices'
    /// shape. The cross-entropy of logits [N, C] at targets [N, 1] is <c>-logp.TakeAlong(1, targets)</c>.
    /// </summary>
    public Tensor TakeAlong(int axis, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        RequireFloat("take_along", this);
        RequireSameBackend("take_along", this, indices);
        RequireIndex("take_along", indices, nameof(indices));
        var a = Shape.NormalizeAxis(axis);
        RequireAlongShape("take_along", indices.Shape, a);
        RequireInRange("take_along", indices, Shape[a], a);
        return Backend.TakeAlong(this, a, indices);
    }

    /// <summary>
    /// <c>torch.scatter_add</c>: a copy of this tensor with y[…, indices[…, i, …], …] += source[…, i, …] along
    /// <paramref name="axis"/>. <paramref name="indices"/> (int64) and <paramref name="source"/> share one shape, of this
    /// tensor's rank and no larger along the other axes. Differentiable in this tensor and in <paramref name="source"/>.
    /// </summary>
    public Tensor ScatterAdd(int axis, Tensor indices, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(source);
        RequireFloat("scatter_add", this);
        RequireFloat("scatter_add", source);
        RequireSameBackend("scatter_add", this, indices);
        RequireSameBackend("scatter_add", this, source);
        RequireIndex("scatter_add", indices, nameof(indices));
        var a = Shape.NormalizeAxis(axis);
        if (source.Shape != indices.Shape)
        {
            throw new ShapeMismatchException($"scatter_add: source has shape {source.Shape} but indices have {indices.Shape}; they must agree");
        }

        RequireAlongShape("scatter_add", indices.Shape, a);
        RequireInRange("scatter_add", indices, Shape[a], a);
        return Backend.ScatterAdd(this, a, indices, source);
    }

    /// <summary>The one-hot encoding of these int64 indices in [0, <paramref name="classes"/>): shape + [classes], floats of the backend.</summary>
    public Tensor OneHot(int classes)
    {
        RequireIndex("one_hot", this, "indices");
        if (classes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), $"one_hot: expected at least one class, got {classes}");
        }

        _ = checked(Size * classes);
        RequireInRange("one_hot", this, classes, -1);
        return Backend.OneHot(this, classes);
    }

    private void RequireAlongShape(string op, Shape indices, int axis)
    {
        var fits = indices.Rank == Shape.Rank && Enumerable.Range(0, Shape.Rank).All(d => d == axis || indices[d] <= Shape[d]);
        if (!fits)
        {
            throw new ShapeMismatchException(
                $"{op} along axis {axis}: indices of shape {indices} must have the rank of {Shape} and be no larger along every other axis");
        }
    }

    // Checked in the core, so both backends report the same error (libtorch's own out-of-range failure names neither
    // the operation's argument nor the offending position). Only two numbers cross to the host per call (IndexBounds);
    // the indices themselves are copied out only to name the first bad position.
    private static void RequireInRange(string op, Tensor indices, int size, int axis)
    {
        if (indices.Size == 0)
        {
            return;
        }

        var (min, max) = indices.Backend.IndexBounds(indices);
        if (min >= 0 && max < size)
        {
            return;
        }

        var values = indices.ToIndexArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < 0 || values[i] >= size)
            {
                var where = axis >= 0 ? $" along axis {axis}" : "";
                throw new ArgumentOutOfRangeException(
                    nameof(indices), $"{op}: index {values[i]} at flat position {i} of the indices {indices.Shape} is outside [0, {size}){where}");
            }
        }
    }
}
