namespace Functional.Nets.FSharp

open Functional.Nets

/// Loss functions (Functional.Nets.Losses) with the target first, so a prediction pipes in:
/// `model |> Layer.apply p x |> Loss.binaryCrossEntropy y`. Each returns a scalar tensor, averaged over entries.
[<RequireQualifiedAccess>]
module Loss =

    /// (1/n) Σ (ŷ − y)².
    let meanSquaredError (target: Tensor) (prediction: Tensor) : Tensor = Losses.MeanSquaredError(prediction, target)

    /// −(1/n) Σ [y ln p + (1 − y) ln(1 − p)] on probabilities p ∈ (0, 1).
    let binaryCrossEntropy (target: Tensor) (probabilities: Tensor) : Tensor =
        Losses.BinaryCrossEntropy(probabilities, target)

    /// (1/n) Σ [softplus(z) − y z] on logits z, stable for any z.
    let binaryCrossEntropyWithLogits (target: Tensor) (logits: Tensor) : Tensor =
        Losses.BinaryCrossEntropyWithLogits(logits, target)

    /// −(1/N) Σₙ log softmax(zₙ)[cₙ] on logits [N, C] with class indices.
    let softmaxCrossEntropy (classes: int list) (logits: Tensor) : Tensor =
        Losses.SoftmaxCrossEntropy(logits, Array.ofList classes)

    /// −mean log softmax(z)[c] on logits [N, C, …] with an int64 index tensor of classes [N, …] on the same backend.
    let crossEntropy (classIndices: Tensor) (logits: Tensor) : Tensor = Losses.CrossEntropy(logits, classIndices)
