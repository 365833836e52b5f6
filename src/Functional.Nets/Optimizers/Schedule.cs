namespace Functional.Nets;

/// <summary>A learning-rate schedule: the rate for update number <c>t</c> (0 for the first update).</summary>
public delegate double Schedule(long t);

/// <summary>
/// Common learning-rate schedules. Each checks its arguments where it is made: rates must be finite and
/// non-negative, decay factors γ in (0, 1] (a negative γ alternates the sign of the step, a growing one diverges, and
/// either would train uphill without a word); a user-written schedule's values are checked by the optimizer at each
/// step (<see cref="ScaleBySchedule"/>).
/// </summary>
public static class Schedules
{
    /// <summary>α(t) = α₀.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is negative, NaN or infinite.</exception>
    public static Schedule Constant(double rate)
    {
        RequireRate(rate, nameof(rate), "Constant");
        return _ => rate;
    }

    /// <summary>
    /// α(t) = α₀ / (1 + t/τ): the lecture's α₀/epoch when τ is the number of updates per epoch
    /// (counting epochs from 1, so the first epoch uses α₀).
    /// </summary>
    public static Schedule InverseTime(double rate, long stepsPerDecay = 1)
    {
        RequireRate(rate, nameof(rate), "InverseTime");
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerDecay, 1);
        return t => rate / (1 + (double)(t / stepsPerDecay));
    }

    /// <summary>α(t) = α₀ · γ^⌊t/s⌋ (PyTorch's StepLR with step_size s, gamma γ).</summary>
    public static Schedule Step(double rate, long stepSize, double gamma)
    {
        RequireRate(rate, nameof(rate), "Step");
        RequireDecay(gamma, "Step");
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        return t => rate * Math.Pow(gamma, t / stepSize);
    }

    /// <summary>α(t) = α₀ · γ^t (PyTorch's ExponentialLR, per update).</summary>
    public static Schedule Exponential(double rate, double gamma)
    {
        RequireRate(rate, nameof(rate), "Exponential");
        RequireDecay(gamma, "Exponential");
        return t => rate * Math.Pow(gamma, t);
    }

    /// <summary>α(t) = αₘᵢₙ + ½(α₀ − αₘᵢₙ)(1 + cos(π·min(t, T)/T)) (cosine annealing without restarts).</summary>
    public static Schedule Cosine(double rate, long totalSteps, double minRate = 0)
    {
        RequireRate(rate, nameof(rate), "Cosine");
        RequireRate(minRate, nameof(minRate), "Cosine");
        if (minRate > rate)
        {
            throw new ArgumentOutOfRangeException(nameof(minRate), minRate, $"Schedules.Cosine: the final rate must not exceed the initial rate {rate}");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        return t => minRate + 0.5 * (rate - minRate) * (1 + Math.Cos(Math.PI * Math.Min(t, totalSteps) / totalSteps));
    }

    /// <summary>Linear warm-up from 0 to the schedule's value over <paramref name="warmupSteps"/>, then the schedule (shifted by the warm-up).</summary>
    public static Schedule WarmUp(long warmupSteps, Schedule then)
    {
        ArgumentNullException.ThrowIfNull(then);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 0);
        return t => t < warmupSteps ? then(0) * (t + 1) / warmupSteps : then(t - warmupSteps);
    }

    private static void RequireRate(double rate, string name, string schedule)
    {
        if (!(rate >= 0) || double.IsPositiveInfinity(rate))
        {
            throw new ArgumentOutOfRangeException(name, rate, $"Schedules.{schedule}: a learning rate must be finite and non-negative");
        }
    }

    private static void RequireDecay(double gamma, string schedule)
    {
        if (!(gamma > 0 && gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(gamma), gamma, $"Schedules.{schedule}: the decay factor γ must lie in (0, 1]; a negative γ flips the step's sign and γ > 1 grows the rate without bound");
        }
    }
}
