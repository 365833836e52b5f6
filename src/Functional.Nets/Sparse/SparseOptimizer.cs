namespace Functional.Nets;

/// <summary>
/// An optimizer of one table [V, D] from a <see cref="SparseRows"/> gradient, touching only the rows that have one: a
/// pure pair <see cref="Init"/>, <see cref="Step"/> as the dense <see cref="Optimizer"/>s are. With <c>donate</c> the
/// caller gives up the table and the state (their buffers may be overwritten, so a backend with
/// <see cref="IRowUpdates"/> (Torch) updates the touched rows in place and a step costs what the batch touches);
/// without it the step is pure and copies the table.
/// </summary>
public abstract class SparseOptimizer
{
    /// <summary>The initial state for <paramref name="table"/>.</summary>
    public abstract TensorTree Init(Tensor table);

    /// <summary>
    /// The table and state after one step on <paramref name="gradient"/>. With <paramref name="donate"/>, the results may
    /// be <paramref name="table"/> and the state's tensors themselves, written in place: use only the results afterwards,
    /// and release either the old or the new (not both) where they are the same tensor.
    /// </summary>
    public abstract (Tensor Table, TensorTree State) Step(SparseRows gradient, TensorTree state, Tensor table, bool donate = false);

    /// <summary>A description, e.g. <c>SparseSgd(lr=0.025)</c>.</summary>
    public abstract string Describe();

    /// <summary>Returns <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();

    /// <summary>Throws unless <paramref name="gradient"/> fits <paramref name="table"/>: its table's shape, and every row inside it.</summary>
    protected void RequireFits(SparseRows gradient, Tensor table)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentNullException.ThrowIfNull(table);
        if (gradient.TableShape != table.Shape)
        {
            throw new ShapeMismatchException($"{Describe()}: a gradient of a table {gradient.TableShape} cannot update a table of shape {table.Shape}");
        }

        gradient.RequireInRange(Describe());
    }
}
