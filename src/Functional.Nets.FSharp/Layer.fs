namespace Functional.Nets.FSharp

open Functional.Nets

/// Building, initialising and applying layers (Functional.Nets.Layer) with curried functions whose last
/// argument is the layer, so a model reads as a pipeline: `model |> Layer.apply parameters x`.
[<RequireQualifiedAccess>]
module Layer =

    /// A chain of layers applied in order; child i's parameters are named `i.*` as in PyTorch's nn.Sequential.
    let sequential (layers: Layer list) : Layer = Sequential(layers)

    /// `layer` always run in evaluation mode (batch norm on its running statistics, state unchanged; dropout off),
    /// transparent in names: the usual wrapper of a frozen, pretrained backbone.
    let evalMode (layer: Layer) : Layer = EvalMode(layer)

    /// Parameters for `layer` on `backend`, drawn deterministically from `key`.
    let init (key: Key) (backend: Backend) (layer: Layer) : TensorTree = layer.Init(key, backend)

    /// The pure forward pass of a stateless, deterministic layer (throws for layers with state or randomness;
    /// use `applyWith` for those).
    let apply (parameters: TensorTree) (input: Tensor) (layer: Layer) : Tensor = layer.Apply(parameters, input)

    /// The pure forward pass with explicit state and context: returns the output and the new state.
    let applyWith (parameters: TensorTree) (state: TensorTree) (context: Context) (input: Tensor) (layer: Layer) : Tensor * TensorTree =
        let struct (output, state') = layer.Apply(parameters, state, input, context)
        output, state'

    /// The output shape for an input of `input` dimensions, or a shape error naming the layer.
    let outputShape (input: int list) (layer: Layer) : int list =
        layer.OutputShape(Shape(Array.ofList input)).ToArray() |> List.ofArray
