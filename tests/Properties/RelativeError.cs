using System.Globalization;

namespace Functional.Nets.Tests;

/// <summary>
/// The per-tensor relative error of DESIGN.md: max|a − b| / max(max|a|, max|b|, floor), with the
/// entry where |a − b| is largest. Entry-wise relative error is meaningless where an entry cancels
/// to nearly zero; this measure compares each difference with the scale of the whole tensor.
/// </summary>
/// <param name="Value">The relative error (0 when a and b are identical, NaN-safe: a NaN anywhere gives +∞).</param>
/// <param name="WorstIndex">The flat (row-major) index of the largest absolute difference, −1 for empty tensors.</param>
/// <param name="A">a at <paramref name="WorstIndex"/>.</param>
/// <param name="B">b at <paramref name="WorstIndex"/>.</param>
/// <param name="Scale">The denominator used.</param>
public readonly record struct RelativeError(double Value, int WorstIndex, double A, double B, double Scale)
{
    /// <summary>The floor used when none is given: only guards the all-zero case (0/0).</summary>
    public const double DefaultFloor = 1e-300;

    /// <summary>Measures the relative error between two equally long arrays.</summary>
    public static RelativeError Of(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double floor = DefaultFloor)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"RelativeError: lengths differ ({a.Length} and {b.Length})");
        }

        double maxA = 0, maxB = 0, worst = -1;
        var worstIndex = -1;
        for (var i = 0; i < a.Length; i++)
        {
            maxA = Math.Max(maxA, Math.Abs(a[i]));
            maxB = Math.Max(maxB, Math.Abs(b[i]));
            var d = Math.Abs(a[i] - b[i]);
            if (double.IsNaN(d))
            {
                // NaN in one and not identically NaN in the other: the worst possible disagreement.
                d = a[i].Equals(b[i]) ? 0 : double.PositiveInfinity;
            }

            if (d > worst)
            {
                worst = d;
                worstIndex = i;
            }
        }

        if (worstIndex < 0)
        {
            return new RelativeError(0, -1, double.NaN, double.NaN, floor);
        }

        var scale = Math.Max(Math.Max(maxA, maxB), floor);
        var value = worst == 0 ? 0 : worst / scale;
        return new RelativeError(value, worstIndex, a[worstIndex], b[worstIndex], scale);
    }

    /// <summary>Measures two tensors (on any backends) of the same shape.</summary>
    public static RelativeError Of(Tensor a, Tensor b, double floor = DefaultFloor)
    {
        if (a.Shape != b.Shape)
        {
            throw new ArgumentException($"RelativeError: shapes differ ({a.Shape} and {b.Shape})");
        }

        return Of(a.ToArray(), b.ToArray(), floor);
    }

    /// <summary>The worst leaf of two trees with the same names and shapes, measured leaf by leaf.</summary>
    public static (string Leaf, RelativeError Error) WorstLeaf(TensorTree a, TensorTree b, double floor = DefaultFloor) =>
        WorstLeaf(a, b, _ => floor);

    /// <summary>The worst leaf, each leaf measured with its own floor (<paramref name="floor"/> of its name).</summary>
    public static (string Leaf, RelativeError Error) WorstLeaf(TensorTree a, TensorTree b, Func<string, double> floor)
    {
        ArgumentNullException.ThrowIfNull(floor);
        a.RequireSameStructure(b, "RelativeError.WorstLeaf");
        (string Leaf, RelativeError Error) worst = ("(none)", new RelativeError(0, -1, double.NaN, double.NaN, DefaultFloor));
        foreach (var (name, leaf) in a)
        {
            var e = Of(leaf, b[name], floor(name));
            if (e.Value > worst.Error.Value || worst.Error.WorstIndex < 0)
            {
                worst = (name, e);
            }
        }

        return worst;
    }

    /// <summary>Formats as <c>relative error 3.1e-15 at flat index 7 (a = 0.25, b = 0.25000000000000078, scale 1.2)</c>.</summary>
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"relative error {Value:G3} at flat index {WorstIndex} (a = {A:R}, b = {B:R}, scale {Scale:G6})");
}
