namespace Functional.Nets.Bench;

/// <summary>What the phase-by-phase profiles (<c>--profile-step</c>, <c>--profile-cnn</c>, <c>--profile-lstm</c>) share.</summary>
public static class ProfilePhases
{
    /// <summary>
    /// Times one phase of ours in alternation with its peer (<see cref="PairedRuns"/>, one warm-up) and prints the
    /// median milliseconds per call of each side, their ratio (ours' speed over theirs) and the minor page faults per
    /// call of each side.
    /// </summary>
    public static void Print(string name, Action ours, Action theirs, int block, int repeats)
    {
        var gen2 = GC.CollectionCount(2);
        var ((o, t, ratio), ourFaults, theirFaults) = PairedRuns.RunCountingFaults(ours, theirs, warmup: 1, block, repeats);
        gen2 = GC.CollectionCount(2) - gen2;
        Console.WriteLine($"{name,-40} ours {1e3 / o.Median,8:F2} ms   TorchSharp {1e3 / t.Median,8:F2} ms   ratio {ratio.Median:F3}   faults {ourFaults,6:F0} / {theirFaults,6:F0}   managed KB {AllocatedKilobytes(ours),7:F0} / {AllocatedKilobytes(theirs),5:F0}   gen2 GCs {gen2}");
    }

    /// <summary>Managed kilobytes allocated on this thread per call of <paramref name="op"/> (over 3 calls).</summary>
    private static double AllocatedKilobytes(Action op)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 3; i++)
        {
            op();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 3.0 / 1024;
    }

    /// <summary>TorchSharp tensor handles created per call of <paramref name="op"/> (each a native call and a native free): a count the load cannot change.</summary>
    public static double Handles(Action op, int calls)
    {
        ArgumentNullException.ThrowIfNull(op);
        op();
        var stats = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        var before = stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount;
        for (var i = 0; i < calls; i++)
        {
            op();
        }

        return (double)(stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - before) / calls;
    }
}
