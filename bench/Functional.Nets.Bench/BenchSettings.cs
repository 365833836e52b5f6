namespace Functional.Nets.Bench;

/// <summary>How long each benchmark runs: <see cref="Quick"/> (under 3 minutes on the 2-core host) or <see cref="Full"/>.</summary>
/// <param name="Name">"quick" or "full".</param>
/// <param name="Warmup">Seconds of untimed, alternating operations before timing (see <see cref="PairedRuns.Run"/>).</param>
/// <param name="Repeats">Timed blocks of each contender (min/median/max are over these).</param>
/// <param name="MlpSteps">Training steps per timed block of the MLP benchmark.</param>
/// <param name="OptimizerSteps">Optimizer steps per timed block.</param>
/// <param name="Batches">Distinct batches the MLP benchmark cycles through.</param>
/// <param name="SoakSteps">Steps of each memory soak.</param>
/// <param name="GradCheckRepeats">Timed gradient checks per backend.</param>
/// <param name="DenseRepeats">Timed blocks per width of the dense throughput benchmark.</param>
public sealed record BenchSettings(
    string Name, double Warmup, int Repeats, int MlpSteps, int OptimizerSteps, int Batches, int SoakSteps, int GradCheckRepeats, int DenseRepeats)
{
    /// <summary>RSS is sampled every this many steps.</summary>
    public const int SampleEvery = 500;

    /// <summary>Growth is measured from the sample at this step to the last (the warm-up before it fills allocator pools and caches).</summary>
    public const int WarmupSteps = 1000;

    /// <summary>Checkpoints are saved every this many steps in the checkpointing soak.</summary>
    public const int CheckpointEvery = 1000;

    /// <summary>Fewer repeats and soaks of 4,000 steps instead of 10,000 (7 samples from step 1,000 on instead of 19); ~40 s here.</summary>
    public static BenchSettings Quick { get; } = new("quick", Warmup: 2, Repeats: 31, MlpSteps: 30, OptimizerSteps: 60, Batches: 16, SoakSteps: 4000, GradCheckRepeats: 3, DenseRepeats: 7);

    /// <summary>Every figure the issue asks for at full length: soaks of 10,000 steps.</summary>
    public static BenchSettings Full { get; } = new("full", Warmup: 5, Repeats: 41, MlpSteps: 100, OptimizerSteps: 300, Batches: 32, SoakSteps: 10000, GradCheckRepeats: 5, DenseRepeats: 11);
}
