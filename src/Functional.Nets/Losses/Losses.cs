using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Loss functions: each maps predictions and targets to a scalar tensor, averaged over the batch
/// (PyTorch's <c>reduction='mean'</c>) unless its name says otherwise. Shapes are checked here,
/// before any backend runs.
/// </summary>
public static class Losses
{
    /// <summary>Mean squared error: (1/n) Σ (ŷ − y)² over all n entries (<c>F.mse_loss</c>).</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target)
    {
        RequireSameShape(nameof(MeanSquaredError), prediction, target);
        return Fused(prediction, target)?.MeanSquaredError(prediction, target) ?? (prediction - target).Square().Mean();
    }

    /// <summary>Half squared error summed over entries and averaged over the batch: (1/N) Σ ½‖ŷ − y‖², whose gradient is (ŷ − y)/N.</summary>
    public static Tensor HalfSquaredError(Tensor prediction, Tensor target)
    {
        RequireSameShape(nameof(HalfSquaredError), prediction, target);
        return (prediction - target).Square().Sum() * (0.5 / BatchSize(prediction));
    }

    /// <summary>
    /// Binary cross-entropy on probabilities p ∈ (0, 1): −(1/n) Σ [y ln p + (1 − y) ln(1 − p)] (<c>F.binary_cross_entropy</c>,
    /// except that PyTorch clamps each log at −100; here p must keep away from 0 and 1, or use <see cref="BinaryCrossEntropyWithLogits"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A probability lies outside [0, 1] (NaN passes, giving a NaN loss).</exception>
    public static Tensor BinaryCrossEntropy(Tensor probabilities, Tensor target)
    {
        RequireSameShape(nameof(BinaryCrossEntropy), probabilities, target);
        var p = probabilities;
        if (p.Shape.Size > 0)
        {
            // One min and one max reduction (cheap beside the logs): a value outside [0, 1] would give NaN with no word.
            // NaN itself passes, so a diverged model's loss is NaN as before and requireFiniteLoss names it.
            // Off the gradient's record: the check is no part of the loss.
            using var scope = p.Backend.Scope();
            var q = p.StopGradient();
            var (low, high) = (q.Min().Item(), q.Max().Item());
            if (low < 0 || high > 1)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(probabilities),
                    string.Create(CultureInfo.InvariantCulture, $"BinaryCrossEntropy takes probabilities in [0, 1], got values from {low:G6} to {high:G6} of shape {p.Shape}: does the model end in a Sigmoid? (BinaryCrossEntropyWithLogits takes logits)"));
            }
        }

        return -(target * p.Log() + (1.0 - target) * (1.0 - p).Log()).Mean();
    }

    /// <summary>
    /// Binary cross-entropy from logits z, stable for any z: (1/n) Σ [softplus(z) − y z], since
    /// −y ln σ(z) − (1 − y) ln(1 − σ(z)) = ln(1 + e^z) − y z (<c>F.binary_cross_entropy_with_logits</c>).
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target)
    {
        RequireSameShape(nameof(BinaryCrossEntropyWithLogits), logits, target);
        return (logits.Softplus() - target * logits).Mean();
    }

    /// <summary>
    /// Softmax cross-entropy from logits [N, C, d₁, …] with int64 class indices [N, d₁, …] on the same backend (the class
    /// axis is 1, as <c>F.cross_entropy</c>): the mean over every position of −log softmax(z)[c], computed as
    /// −mean(take_along(log_softmax(z, 1), 1, c)) on the device, with no host copy of the targets beyond the range check.
    /// Sequences: logits [N, C, T] and targets [N, T].
    /// </summary>
    /// <exception cref="ArgumentException">The targets are not an int64 index tensor.</exception>
    /// <exception cref="ShapeMismatchException">The targets' shape is not the logits' without axis 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, C).</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor classIndices)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(classIndices);
        if (!classIndices.IsIndex)
        {
            throw new ArgumentException(
                $"{nameof(CrossEntropy)}: the targets must be an int64 index tensor of class indices, got a {classIndices.DType.Name()} tensor of shape {classIndices.Shape}; for probabilities use {nameof(SoftmaxCrossEntropy)}",
                nameof(classIndices));
        }

        var expected = logits.Shape.Rank >= 2 ? new Shape([logits.Shape[0], .. logits.Shape.Dims[2..]]) : (Shape?)null;
        if (expected is not { } e || classIndices.Shape != e)
        {
            throw new ShapeMismatchException(
                $"{nameof(CrossEntropy)}: expected logits [N, C, …] and targets [N, …] (the logits' shape without axis 1), got logits {logits.Shape} and targets {classIndices.Shape}");
        }

        return -logits.LogSoftmax(1).TakeAlong(1, classIndices.Unsqueeze(1)).Mean();
    }

    /// <summary>
    /// Softmax cross-entropy from logits [N, C] with class indices: −(1/N) Σₙ log softmax(zₙ)[cₙ]
    /// (<c>F.cross_entropy</c> with integer targets). The log-softmax subtracts the row maximum first.
    /// </summary>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, IReadOnlyList<int> classes)
    {
        if (logits.Shape.Rank != 2 || logits.Shape[0] != classes.Count)
        {
            throw new ShapeMismatchException(
                $"{nameof(SoftmaxCrossEntropy)}: expected logits [N, C] with N = {classes.Count} class indices, got {logits.Shape}");
        }

        var c = logits.Shape[1];
        var oneHot = new double[classes.Count * c];
        for (var n = 0; n < classes.Count; n++)
        {
            if (classes[n] < 0 || classes[n] >= c)
            {
                throw new ArgumentOutOfRangeException(nameof(classes), $"{nameof(SoftmaxCrossEntropy)}: class index {classes[n]} at row {n} is outside [0, {c})");
            }

            oneHot[n * c + classes[n]] = 1;
        }

        return SoftmaxCrossEntropy(logits, logits.Backend.FromArray(oneHot, logits.Shape));
    }

    /// <summary>
    /// Softmax cross-entropy from logits [N, C] with one-hot or probability targets [N, C]:
    /// −(1/N) Σₙ Σᵢ tₙᵢ log softmax(zₙ)ᵢ (<c>F.cross_entropy</c> with probability targets).
    /// </summary>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor targetProbabilities)
    {
        if (logits.Shape.Rank != 2 || targetProbabilities.Shape != logits.Shape)
        {
            throw new ShapeMismatchException(
                $"{nameof(SoftmaxCrossEntropy)}: expected logits [N, C] and targets of the same shape, got {logits.Shape} and {targetProbabilities.Shape}");
        }

        // The sign folded into the scale: one op (and one backward op) fewer than negating, with identical values.
        return Fused(logits, targetProbabilities)?.SoftmaxCrossEntropy(logits, targetProbabilities)
            ?? (targetProbabilities * logits.LogSoftmax(-1)).Sum() * (-1.0 / logits.Shape[0]);
    }

    // The backend's one-kernel losses (IFusedLosses) when both operands live on it; the compositions otherwise.
    private static IFusedLosses? Fused(Tensor a, Tensor b) =>
        a.Backend.Equals(b.Backend) ? Capabilities.Of<IFusedLosses>(a.Backend) : null;

    private static int BatchSize(Tensor t) => t.Shape.Rank == 0 ? 1 : t.Shape[0];

    private static void RequireSameShape(string loss, Tensor prediction, Tensor target)
    {
        if (prediction.Shape != target.Shape)
        {
            throw new ShapeMismatchException($"{loss}: prediction has shape {prediction.Shape} but target has shape {target.Shape}");
        }
    }
}
