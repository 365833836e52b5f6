namespace Functional.Nets.Bench;

/// <summary>The minimum, median and maximum of repeated measurements of one figure: the machine's noise, visible.</summary>
/// <param name="Min">The smallest value.</param>
/// <param name="Median">The median (the mean of the two middle values for an even count).</param>
/// <param name="Max">The largest value.</param>
public sealed record Spread(double Min, double Median, double Max)
{
    /// <summary>The spread of <paramref name="values"/> (at least one).</summary>
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("Spread: no values", nameof(values));
        }

        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Spread(sorted[0], median, sorted[^1]);
    }

    /// <summary>A single value (min = median = max).</summary>
    public static Spread One(double value) => new(value, value, value);

    /// <summary>Each of min, median and max transformed by <paramref name="f"/> (which must be increasing).</summary>
    public Spread Map(Func<double, double> f) => new(f(Min), f(Median), f(Max));

    /// <summary>Formats as <c>median (min–max)</c>.</summary>
    public string Format(string format) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Median.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} ({Min.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}–{Max.ToString(format, System.Globalization.CultureInfo.InvariantCulture)})");
}
