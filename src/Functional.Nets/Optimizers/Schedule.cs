namespace Functional.Nets;

/// <summary>A learning-rate schedule: the rate for update number <c>t</c> (0 for the first update).</summary>
public delegate double Schedule(long t);

/// <summary>Common learning-rate schedules.</summary>
public static class Schedules
{
    /// <summary>α(t) = α₀.</summary>
    public static Schedule Constant(double rate) => _ => rate;

    /// <summary>
    /// α(t) = α₀ / (1 + t/τ): the lecture's α₀/epoch when τ is the number of updates per epoch
    /// (counting epochs from 1, so the first epoch uses α₀).
    /// </summary>
    public static Schedule InverseTime(double rate, long stepsPerDecay = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerDecay, 1);
        return t => rate / (1 + (double)(t / stepsPerDecay));
    }

    /// <summary>α(t) = α₀ · γ^⌊t/s⌋ (PyTorch's StepLR with step_size s, gamma γ).</summary>
    public static Schedule Step(double rate, long stepSize, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        return t => rate * Math.Pow(gamma, t / stepSize);
    }

    /// <summary>α(t) = α₀ · γ^t (PyTorch's ExponentialLR, per update).</summary>
    public static Schedule Exponential(double rate, double gamma) => t => rate * Math.Pow(gamma, t);

    /// <summary>α(t) = αₘᵢₙ + ½(α₀ − αₘᵢₙ)(1 + cos(π·min(t, T)/T)) (cosine annealing without restarts).</summary>
    public static Schedule Cosine(double rate, long totalSteps, double minRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        return t => minRate + 0.5 * (rate - minRate) * (1 + Math.Cos(Math.PI * Math.Min(t, totalSteps) / totalSteps));
    }

    /// <summary>Linear warm-up from 0 to the schedule's value over <paramref name="warmupSteps"/>, then the schedule (shifted by the warm-up).</summary>
    public static Schedule WarmUp(long warmupSteps, Schedule then)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 0);
        return t => t < warmupSteps ? then(0) * (t + 1) / warmupSteps : then(t - warmupSteps);
    }
}
