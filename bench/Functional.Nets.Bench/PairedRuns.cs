using System.Diagnostics;

namespace Functional.Nets.Bench;

/// <summary>
/// Two contenders timed in alternation on the shared, noisy host: each repeat runs a block of ours and a block of
/// theirs (the order swapping every repeat), timing every operation on its own; a block's rate is the reciprocal of
/// its median operation time, so a preemption by another process spoils one operation, not the block. The ratio is
/// taken per repeat (ours/theirs, operations per second), and min/median/max are over repeats.
/// </summary>
public static class PairedRuns
{
    /// <summary>Runs the pair and returns the rates (operations per second) of each and their per-repeat ratios.</summary>
    /// <param name="ours">One operation of ours.</param>
    /// <param name="theirs">One operation of theirs.</param>
    /// <param name="warmup">Seconds of alternating untimed operations first: long enough for .NET's tiered JIT to finish
    /// optimizing both sides (it recompiles hot methods after 30 calls and a background delay, with profile-guided
    /// optimization), so the timed blocks see the code a long training run sees.</param>
    /// <param name="block">Operations per timed block.</param>
    /// <param name="repeats">Timed blocks of each.</param>
    public static (Spread Ours, Spread Theirs, Spread Ratio) Run(Action ours, Action theirs, double warmup, int block, int repeats) =>
        RunCountingFaults(ours, theirs, warmup, block, repeats).Rates;

    /// <summary>As <see cref="Run"/>, also counting minor page faults per operation of each (over the timed blocks).</summary>
    public static ((Spread Ours, Spread Theirs, Spread Ratio) Rates, double OurFaults, double TheirFaults) RunCountingFaults(
        Action ours, Action theirs, double warmup, int block, int repeats)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < warmup)
        {
            ours();
            theirs();
        }

        var a = new double[repeats];
        var b = new double[repeats];
        long faultsA = 0, faultsB = 0;
        double Timed(Action op, ref long faults)
        {
            var before = ResidentMemory.MinorFaults();
            var rate = Rate(op, block);
            faults += ResidentMemory.MinorFaults() - before;
            return rate;
        }

        for (var r = 0; r < repeats; r++)
        {
            if (r % 2 == 0)
            {
                a[r] = Timed(ours, ref faultsA);
                b[r] = Timed(theirs, ref faultsB);
            }
            else
            {
                b[r] = Timed(theirs, ref faultsB);
                a[r] = Timed(ours, ref faultsA);
            }
        }

        double count = (double)repeats * block;
        return ((Spread.Of(a), Spread.Of(b), Spread.Of(a.Zip(b, (x, y) => x / y))), faultsA / count, faultsB / count);
    }

    /// <summary>Operations per second over a block of <paramref name="count"/> calls: 1 / the median call time.</summary>
    public static double Rate(Action op, int count)
    {
        var seconds = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            op();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return 1 / Spread.Of(seconds).Median;
    }
}
