namespace Functional.Nets.Reference;

/// <summary>
/// The Reference backend's payload: row-major float64 values, never mutated after creation, and,
/// while <see cref="Grad.ValueAndGrad"/> records, the tape node that produced them.
/// </summary>
public sealed class ReferenceData
{
    internal ReferenceData(double[] values, Node? node = null)
    {
        Values = values;
        Node = node;
    }

    /// <summary>The values, row-major. Shared between tensors; treat as read-only.</summary>
    public IReadOnlyList<double> View => Values;

    internal double[] Values { get; }

    internal Node? Node { get; }
}
