namespace Functional.Nets.FSharp

open Functional.Nets

/// Differentiation of scalar functions of parameter trees (Functional.Nets.Grad) with F# functions and tuples.
[<RequireQualifiedAccess>]
module Grad =

    /// `f parameters` and its gradient with respect to every leaf, as a tree of the same names and shapes.
    /// The Reference backend differentiates by its hand-written chain rule, the Torch backend by libtorch autograd.
    let valueAndGrad (f: TensorTree -> Tensor) (parameters: TensorTree) : Tensor * TensorTree =
        let struct (value, gradients) = Grad.ValueAndGrad(System.Func<_, _> f, parameters)
        value, gradients

    /// The gradient of `f` at `parameters` alone.
    let gradient (f: TensorTree -> Tensor) (parameters: TensorTree) : TensorTree = valueAndGrad f parameters |> snd
