using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Parameter counts in checked 64-bit arithmetic: a count beyond 2⁶³ − 1 (huge widths, or many huge children)
/// is an <see cref="OverflowException"/> naming the layer, never a wrapped negative number.
/// </summary>
internal static class ParameterCounts
{
    /// <summary><paramref name="count"/> evaluated in a checked context; an overflow is said with <paramref name="layer"/>'s description.</summary>
    public static long Checked(Layer layer, Func<long> count) => Checked(layer.Describe, count);

    /// <summary>The same for a recurrent cell.</summary>
    public static long Checked(Cell cell, Func<long> count) => Checked(cell.Describe, count);

    /// <summary>The sum of the children's counts, checked.</summary>
    public static long Sum(Layer layer, IEnumerable<Layer> children) =>
        Checked(layer, () => children.Aggregate(0L, (total, child) => checked(total + child.ParameterCount)));

    private static long Checked(Func<string> describe, Func<long> count)
    {
        try
        {
            // A child's overflow, already said with its name, passes through unchanged (it carries the raw overflow inside).
            return count();
        }
        catch (OverflowException e) when (e.InnerException is null)
        {
            throw new OverflowException(
                string.Create(CultureInfo.InvariantCulture, $"{describe()}: the parameter count exceeds {long.MaxValue:N0} (2⁶³ − 1), more than a 64-bit count holds"), e);
        }
    }
}
