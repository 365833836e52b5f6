using System.Runtime.InteropServices;

namespace Functional.Nets.Bench;

/// <summary>
/// TorchSharp 0.107 passes temporary <c>Scalar</c> objects to native calls without keeping them reachable, so under
/// garbage-collection pressure a finalizer may free one mid-call and libtorch fails in <c>Scalar::toDouble</c>
/// ("Expected false to be true"). Seen here in <c>torch.optim.Adam.step()</c> (its <c>sqrt() / bias_correction</c>).
/// The peer's operation is then counted and retried once, so a TorchSharp bug does not end the run; the count is
/// reported (<c>torchsharp_scalar_race_retries</c>). Our backend keeps its scalars alive (see TorchBackend.Binary).
/// </summary>
public static class TorchSharpScalarRace
{
    private static int retries;

    /// <summary>Retries so far in this process.</summary>
    public static int Retries => Volatile.Read(ref retries);

    /// <summary>Runs <paramref name="op"/>, retrying it once if it hit the race.</summary>
    public static void Run(Action op)
    {
        try
        {
            op();
        }
        catch (ExternalException e) when (e.Message.Contains("Scalar.h", StringComparison.Ordinal) || e.Message.Contains("toDouble", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref retries);
            op();
        }
    }
}
