namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: updating some rows of a table [V, D] at a cost set by the rows,
/// in place when the table is donated. The sparse optimizers ask for it and otherwise run the plain composition of core
/// operations (<see cref="RowUpdates"/>), which defines what each method means and copies the whole table.
/// </summary>
/// <remarks>
/// Rows are distinct int64 indices [u]; values [u, D]. <c>reuse</c> says the table is dead after the call (donated), so
/// the implementation may write into it and return it. A method may decline by returning null (Torch: the table records
/// gradients), and the caller runs the plain composition.
/// </remarks>
public interface IRowUpdates
{
    /// <summary>table[rows[k]] + α·values[k] in those rows, the table elsewhere; or null to decline.</summary>
    Tensor? AddRows(Tensor table, Tensor rows, Tensor values, double alpha, bool reuse);
}
