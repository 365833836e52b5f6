namespace Functional.Nets;

/// <summary>A loss: a scalar from a model's output and the batch's targets, e.g. <c>Losses.SoftmaxCrossEntropy</c>.</summary>
public delegate Tensor LossFunction(Tensor prediction, Tensor target);

/// <summary>What one training step measured.</summary>
/// <param name="Loss">The loss on the batch (penalty included).</param>
/// <param name="Correct">Correctly classified samples, when the batch has labels.</param>
/// <param name="Count">Samples in the batch.</param>
public sealed record StepMetrics(double Loss, int? Correct, int Count)
{
    /// <summary>Correct / Count, when labels were given.</summary>
    public double? Accuracy => Correct is { } c ? (double)c / Count : null;

    /// <summary>
    /// Named scalars of the step: under <see cref="MultiPartTrainer"/> each update's loss as <c>label.loss</c> and its
    /// objective's metrics as <c>label.name</c>; empty where nothing reported any.
    /// </summary>
    public IReadOnlyList<Metric> Scalars { get; init; } = [];
}
