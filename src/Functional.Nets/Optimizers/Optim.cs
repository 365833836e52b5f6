namespace Functional.Nets;

/// <summary>Ready-made optimizers, each a chain of small transformations (like optax's aliases).</summary>
public static class Optim
{
    /// <summary>Applies <paramref name="parts"/> in sequence.</summary>
    public static Optimizer Chain(params Optimizer[] parts) => new Chain(parts);

    /// <summary>Plain gradient descent: θ ← θ − α(t)·g.</summary>
    public static Optimizer Sgd(double learningRate) => Sgd(Schedules.Constant(learningRate));

    /// <summary>Plain gradient descent with a learning-rate schedule.</summary>
    public static Optimizer Sgd(Schedule learningRate) => new ScaleBySchedule(learningRate);

    /// <summary>
    /// Adam as <c>torch.optim.Adam</c> (without weight decay): the chain
    /// <see cref="ScaleByAdam"/> → <see cref="ScaleBySchedule"/>(−α).
    /// </summary>
    public static Optimizer Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) =>
        new Chain(new ScaleByAdam(beta1, beta2, epsilon), new ScaleBySchedule(Schedules.Constant(learningRate), $"lr={learningRate:G}"));
}
