namespace Functional.Nets;

/// <summary>Settings of <see cref="Trainer.Fit"/>.</summary>
public sealed record FitOptions
{
    /// <summary>Epochs to run (a full pass over the training data each).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per training batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>What to do with the last, partial batch of an epoch.</summary>
    public LastBatch LastBatch { get; init; } = LastBatch.Keep;

    /// <summary>Samples per evaluation batch (no gradients, so larger is fine).</summary>
    public int EvaluationBatchSize { get; init; } = 500;

    /// <summary>Whether a NaN or infinite training loss stops the run with <see cref="NonFiniteException"/>.</summary>
    public bool RequireFiniteLoss { get; init; } = true;

    /// <summary>
    /// Whether a NaN or infinite gradient entry or new parameter stops the run with <see cref="NonFiniteException"/> naming
    /// the step and the first such leaf; null (the default) follows <see cref="RequireFiniteLoss"/>. Costs one reduction per
    /// leaf and one scalar read per step for the gradient and again for the parameters.
    /// </summary>
    public bool? RequireFiniteUpdates { get; init; }

    /// <summary>
    /// Every this many steps the loop calls <see cref="Backend.ReleaseFreeMemory"/> (0: never), so that native memory the
    /// steps freed goes back to the system and resident memory stays flat over long runs. 100 as measured in DESIGN.md
    /// (glibc trimmed every 100 steps held a loop at ~185 MB that otherwise grew to gigabytes, at no measurable cost);
    /// the benchmark's soak checks it on the MNIST MLP.
    /// </summary>
    public int ReleaseMemoryEvery { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "FitOptions: Epochs must be ≥ 0");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "FitOptions: BatchSize must be ≥ 1");
        }

        if (ReleaseMemoryEvery < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReleaseMemoryEvery), ReleaseMemoryEvery, "FitOptions: ReleaseMemoryEvery must be ≥ 0");
        }

        if (EvaluationBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "FitOptions: EvaluationBatchSize must be ≥ 1");
        }
    }
}
