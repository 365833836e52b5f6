using System.Globalization;

namespace Functional.Nets;

/// <summary>Finds the first NaN or infinite entry of a tree, with one scalar read when there is none.</summary>
internal static class FiniteLeaves
{
    /// <summary>
    /// The first leaf, flat index and value that is not finite, or null. Σ over leaves of Σ(0·x) is 0 exactly when every
    /// entry is finite (0·±∞ and 0·NaN are NaN), so the common case costs one reduction per leaf and a single host read;
    /// only a tree that fails is copied to the host to find the entry.
    /// </summary>
    public static (string Leaf, long Index, double Value)? FirstNonFinite(TensorTree tree)
    {
        var leaves = tree.Where(l => l.Value.Size > 0 && l.Value.DType != DType.Int64).ToArray();
        if (leaves.Length == 0)
        {
            return null;
        }

        using (var scope = leaves[0].Value.Backend.Scope())
        {
            var total = leaves.Select(l => (l.Value * 0.0).Sum()).Aggregate((a, b) => a + b);
            if (total.Item() == 0)
            {
                return null;
            }
        }

        foreach (var (name, value) in leaves)
        {
            var values = value.ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                if (!double.IsFinite(values[i]))
                {
                    return (name, i, values[i]);
                }
            }
        }

        return null;
    }

    /// <summary>"leaf 'w' holds NaN at element 3 (shape [2, 2])" (or +∞, −∞).</summary>
    public static string Describe(TensorTree tree, (string Leaf, long Index, double Value) at) =>
        string.Create(CultureInfo.InvariantCulture, $"leaf '{at.Leaf}' holds {(double.IsNaN(at.Value) ? "NaN" : at.Value > 0 ? "+∞" : "−∞")} at element {at.Index} (shape {tree[at.Leaf].Shape})");
}
