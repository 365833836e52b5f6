namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: losses as one kernel (and one backward node) each instead of
/// their composition of core operations, which saves the intermediates' buffers and, per call, the fixed cost of each
/// operation. <see cref="Losses"/> asks for it and otherwise runs the composition, the plain path that defines each
/// loss: a backend without it loses speed, never results. An implementation agrees with the composition up to
/// rounding and differentiates by its own means (Torch: libtorch autograd through <c>F.mse_loss</c> and
/// <c>F.cross_entropy</c>). Each method may decline by returning null.
/// </summary>
public interface IFusedLosses
{
    /// <summary>mean((ŷ − y)²) over every entry, for operands of one shape on this backend; or null to decline.</summary>
    Tensor? MeanSquaredError(Tensor prediction, Tensor target);

    /// <summary>
    /// −(1/N) Σₙ Σᵢ tₙᵢ log softmax(zₙ)ᵢ for logits and target probabilities, both [N, C], on this backend; or null to decline.
    /// </summary>
    Tensor? SoftmaxCrossEntropy(Tensor logits, Tensor targetProbabilities);
}
