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

    /// `f (trainable merged with frozen)` and its gradient with respect to the `trainable` leaves only: the `frozen`
    /// leaves enter `f` as constants, so no gradient is computed for them (Torch builds no graph behind them, the
    /// Reference tape has no leaf for them). The gradient tree has exactly `trainable`'s names.
    let valueAndGradTrainable (f: TensorTree -> Tensor) (trainable: TensorTree) (frozen: TensorTree) : Tensor * TensorTree =
        let struct (value, gradients) = Grad.ValueAndGradTrainable(System.Func<_, _> f, trainable, frozen)
        value, gradients
