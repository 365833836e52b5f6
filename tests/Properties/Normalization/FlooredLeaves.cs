namespace Functional.Nets.Tests.Normalization;

/// <summary>Per-leaf relative errors with a per-leaf floor (the magnitude each leaf's gradient is summed from).</summary>
public static class FlooredLeaves
{
    /// <summary>
    /// The worst leaf of two trees by max|a − b| / max(max|a|, max|b|, floor[leaf]); leaves without a floor use
    /// <see cref="RelativeError.DefaultFloor"/>.
    /// </summary>
    public static (string Leaf, RelativeError Error) Worst(TensorTree a, TensorTree b, IReadOnlyDictionary<string, double> floors)
    {
        a.RequireSameStructure(b, "FlooredLeaves.Worst");
        (string Leaf, RelativeError Error) worst = ("(none)", new RelativeError(0, -1, double.NaN, double.NaN, 0));
        foreach (var (name, leaf) in a)
        {
            var e = RelativeError.Of(leaf, b[name], floors.TryGetValue(name, out var f) ? Math.Max(f, RelativeError.DefaultFloor) : RelativeError.DefaultFloor);
            if (e.Value > worst.Error.Value || worst.Error.WorstIndex < 0)
            {
                worst = (name, e);
            }
        }

        return worst;
    }
}
