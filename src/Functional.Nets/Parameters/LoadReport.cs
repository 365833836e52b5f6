namespace Functional.Nets;

/// <summary>A leaf's name and shape, as a report lists it.</summary>
/// <param name="Name">The leaf name.</param>
/// <param name="Shape">Its shape.</param>
public sealed record LeafShape(string Name, Shape Shape)
{
    /// <summary>The leaf name.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>Formats as <c>0.weight [3, 2]</c>.</summary>
    public override string ToString() => $"{Name} {Shape}";
}

/// <summary>A leaf present in both trees with different shapes.</summary>
/// <param name="Name">The leaf name in the target.</param>
/// <param name="Expected">The target's shape (the model's).</param>
/// <param name="Actual">The source's shape (the checkpoint's or the given weights').</param>
public sealed record ShapeMismatch(string Name, Shape Expected, Shape Actual)
{
    /// <summary>The leaf name in the target.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>Formats as <c>0.weight (expected [3, 2], got [2, 3])</c>.</summary>
    public override string ToString() => $"{Name} (expected {Expected}, got {Actual})";
}

/// <summary>
/// What loading a source (a checkpoint, external weights) into a target tree does, leaf by leaf, as
/// PyTorch's <c>load_state_dict</c> reports it: the leaves loaded, those <see cref="Missing"/> from the
/// source, those <see cref="Unexpected"/> in it and those of another shape. Each list is in the order of
/// the tree it comes from (the target's, or the source's for <see cref="Unexpected"/>).
/// </summary>
/// <remarks>
/// <see cref="Matched"/>, <see cref="Missing"/> and <see cref="ShapeMismatched"/> name target leaves with
/// their full names (under the prefix, if one was given); <see cref="Unexpected"/> names source entries as
/// the source spells them.
/// </remarks>
public sealed class LoadReport
{
    /// <summary>Creates a report from its four lists.</summary>
    public LoadReport(IReadOnlyList<string> matched, IReadOnlyList<LeafShape> missing, IReadOnlyList<LeafShape> unexpected, IReadOnlyList<ShapeMismatch> shapeMismatched)
    {
        ArgumentNullException.ThrowIfNull(matched);
        ArgumentNullException.ThrowIfNull(missing);
        ArgumentNullException.ThrowIfNull(unexpected);
        ArgumentNullException.ThrowIfNull(shapeMismatched);
        Matched = matched;
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatched = shapeMismatched;
    }

    /// <summary>Target leaves whose name and shape the source has: the leaves that load.</summary>
    public IReadOnlyList<string> Matched { get; }

    /// <summary>Target leaves the source lacks (they keep the target's values when loading is not strict).</summary>
    public IReadOnlyList<LeafShape> Missing { get; }

    /// <summary>Source entries the target lacks (ignored when loading is not strict).</summary>
    public IReadOnlyList<LeafShape> Unexpected { get; }

    /// <summary>Leaves both have, with different shapes (never loaded: loading throws on them, strict or not).</summary>
    public IReadOnlyList<ShapeMismatch> ShapeMismatched { get; }

    /// <summary>Whether the source fits the target exactly: nothing missing, unexpected or mismatched.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatched.Count == 0;

    /// <summary>
    /// Lists every problem with names and shapes, e.g.
    /// <c>missing from the source: 1.bias [3]; unexpected in the source: fc.weight [10, 4]; of another shape: 0.weight (expected [3, 2], got [2, 3])</c>,
    /// or <c>exact (n leaves)</c>.
    /// </summary>
    public string Describe()
    {
        if (IsExact)
        {
            return $"exact ({Matched.Count} leaves)";
        }

        var parts = new List<string>(3);
        if (Missing.Count > 0)
        {
            parts.Add($"{Missing.Count} missing from the source: {string.Join(", ", Missing)}");
        }

        if (Unexpected.Count > 0)
        {
            parts.Add($"{Unexpected.Count} unexpected in the source: {string.Join(", ", Unexpected)}");
        }

        if (ShapeMismatched.Count > 0)
        {
            parts.Add($"{ShapeMismatched.Count} of another shape: {string.Join(", ", ShapeMismatched)}");
        }

        return string.Join("; ", parts);
    }

    /// <inheritdoc />
    public override string ToString() => $"LoadReport({Describe()})";

    /// <summary>
    /// Compares a target's leaves (<paramref name="target"/>, names relative to <paramref name="prefix"/>)
    /// with a source's; <paramref name="prefix"/> is put in front of target names in the report.
    /// </summary>
    internal static LoadReport Compare(IEnumerable<LeafShape> target, IReadOnlyList<LeafShape> source, string? prefix)
    {
        var bySource = new Dictionary<string, Shape>(source.Count, StringComparer.Ordinal);
        foreach (var s in source)
        {
            bySource[s.Name] = s.Shape;
        }

        string Full(string name) => prefix is null ? name : prefix + "." + name;
        var matched = new List<string>();
        var missing = new List<LeafShape>();
        var mismatched = new List<ShapeMismatch>();
        var inTarget = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in target)
        {
            inTarget.Add(t.Name);
            if (!bySource.TryGetValue(t.Name, out var shape))
            {
                missing.Add(t with { Name = Full(t.Name) });
            }
            else if (shape != t.Shape)
            {
                mismatched.Add(new ShapeMismatch(Full(t.Name), t.Shape, shape));
            }
            else
            {
                matched.Add(Full(t.Name));
            }
        }

        var unexpected = source.Where(s => !inTarget.Contains(s.Name)).ToList();
        return new LoadReport(matched, missing, unexpected, mismatched);
    }
}
