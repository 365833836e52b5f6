namespace Functional.Nets.Reference;

/// <summary>The payload of an int64 index tensor on the Reference backend: its values, row-major. Never on a tape.</summary>
internal sealed class ReferenceIndexData(long[] values)
{
    public long[] Values { get; } = values;
}
