using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>
/// The losses as libtorch's own: <c>F.mse_loss</c> and <c>F.cross_entropy</c> with probability targets, each one call
/// from .NET (whatever nodes libtorch records inside it), differentiated by libtorch autograd. Measured here (bench (i), MLP 784-32-32-10, batch 8):
/// the composed softmax cross-entropy was 4 libtorch calls forward (log_softmax, ×t, sum, ×(−1/N)), each a TorchSharp
/// handle of ~3 µs fixed cost; for the LSTM of bench (g) the composed mean squared error made four tensors forward,
/// two of them [64, 50, 256] (ŷ − y and its square), where <c>mse_loss</c> makes the scalar alone.
/// </summary>
public sealed partial class TorchBackend : IFusedLosses
{
    /// <inheritdoc />
    Tensor? IFusedLosses.MeanSquaredError(Tensor prediction, Tensor target) =>
        Run("mse_loss", [prediction.Shape, target.Shape], () =>
            Make(torch.nn.functional.mse_loss(Native(prediction, "mse_loss"), Native(target, "mse_loss")), Shape.Scalar));

    /// <inheritdoc />
    Tensor? IFusedLosses.SoftmaxCrossEntropy(Tensor logits, Tensor targetProbabilities) =>
        Run("cross_entropy", [logits.Shape, targetProbabilities.Shape], () =>
            Make(torch.nn.functional.cross_entropy(Native(logits, "cross_entropy"), Native(targetProbabilities, "cross_entropy")), Shape.Scalar));
}
