namespace Functional.Nets.FSharp

open Functional.Nets

/// Embedding tables (Functional.Nets.Embedding, PyTorch's nn.Embedding): int64 indices of any shape → rows of `weight`.
[<RequireQualifiedAccess>]
module Embedding =

    /// A table of `count` rows of `dimension` entries, drawn from N(0, 1).
    let create (count: int) (dimension: int) : Layer = Embedding(count, dimension)

    /// A table whose row `paddingIndex` starts at zero and gets no gradient (nn.Embedding's padding_idx).
    let withPadding (paddingIndex: int) (count: int) (dimension: int) : Layer =
        Embedding(count, dimension, paddingIndex = System.Nullable paddingIndex)

    /// A table whose output rows are rescaled to at most `maxNorm` (pure: the parameters are never changed; see Embedding).
    let withMaxNorm (maxNorm: float) (count: int) (dimension: int) : Layer =
        Embedding(count, dimension, maxNorm = System.Nullable maxNorm)

    /// A layer over pretrained `vectors` [count, dimension] and its parameters (the leaf `weight` is `vectors`);
    /// `freeze` makes the table a constant, as nn.Embedding.from_pretrained.
    let fromPretrained (freeze: bool) (vectors: Tensor) : Layer * TensorTree =
        let struct (layer, parameters) = Embedding.FromPretrained(vectors, freeze)
        layer :> Layer, parameters

    /// The rows of `indices` (an int64 tensor made with Tensor.ofIndices): shape indices.shape @ [dimension].
    let lookup (parameters: TensorTree) (indices: Tensor) (layer: Layer) : Tensor = layer.Apply(parameters, indices)
