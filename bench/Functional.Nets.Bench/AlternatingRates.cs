using System.Diagnostics;

namespace Functional.Nets.Bench;

/// <summary>
/// GFLOP/s of several contenders on one piece of work, timed in alternation (the order rotating every repeat) so that
/// the load of a shared host falls on all of them alike; used by the throughput sections (c) and (m).
/// </summary>
public static class AlternatingRates
{
    /// <summary>Warms each contender up once, then measures each <paramref name="repeats"/> times; rates[contender][repeat].</summary>
    /// <param name="contenders">The operations, each doing <paramref name="flops"/> floating-point operations a call.</param>
    /// <param name="repeats">Measurements per contender.</param>
    /// <param name="flops">The work of one call.</param>
    /// <param name="minSeconds">How long one measurement runs its contender (as many calls as fit, at least one).</param>
    public static double[][] Measure(Action[] contenders, int repeats, double flops, double minSeconds)
    {
        var rates = new double[contenders.Length][];
        for (var c = 0; c < contenders.Length; c++)
        {
            contenders[c]();
            rates[c] = new double[repeats];
        }

        for (var r = 0; r < repeats; r++)
        {
            for (var i = 0; i < contenders.Length; i++)
            {
                var c = (i + r) % contenders.Length;
                rates[c][r] = Gflops(flops, contenders[c], minSeconds);
            }
        }

        return rates;
    }

    // GFLOP/s of one block: the operation runs until minSeconds have passed, the flops are divided by the time.
    private static double Gflops(double flops, Action op, double minSeconds)
    {
        var clock = Stopwatch.StartNew();
        var count = 0;
        do
        {
            op();
            count++;
        }
        while (clock.Elapsed.TotalSeconds < minSeconds);
        return flops * count / clock.Elapsed.TotalSeconds / 1e9;
    }
}
