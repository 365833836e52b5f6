using FsCheck;

namespace Functional.Nets.Tests;

/// <summary>The arbitraries FsCheck.Xunit uses for the properties' parameters.</summary>
public static class Generators
{
    /// <summary>Random networks, inputs and losses (see <see cref="NetworkCase"/>).</summary>
    public static Arbitrary<NetworkCase> NetworkCase() => Tests.NetworkCase.Arbitrary;
}

/// <summary>Thrown by a property when a law does not hold; the message names the worst entry.</summary>
public sealed class LawViolation(string message) : Exception(message);

/// <summary>
/// The worst value of a measure seen over a property's cases, with the case it came from, printed
/// to the test output when the test class is disposed (so a passing run still reports its margins).
/// </summary>
public sealed class WorstSeen(string what)
{
    private readonly object gate = new();

    /// <summary>The largest value recorded.</summary>
    public double Value { get; private set; } = double.NegativeInfinity;

    /// <summary>A description of where it was seen.</summary>
    public string Where { get; private set; } = "(nothing recorded)";

    /// <summary>The number of values recorded.</summary>
    public int Count { get; private set; }

    /// <summary>Records a value.</summary>
    public void Record(double value, Func<string> where)
    {
        lock (gate)
        {
            Count++;
            if (value > Value)
            {
                Value = value;
                Where = where();
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"{what}: worst {Value:G3} over {Count} measurements, at {Where}");
}
