namespace Functional.Nets.FSharp

open Functional.Nets

/// Walking parameter, state and gradient trees (Functional.Nets.TensorTree) with curried functions.
[<RequireQualifiedAccess>]
module TensorTree =

    /// The same names with `f` applied to every leaf.
    let map (f: Tensor -> Tensor) (tree: TensorTree) : TensorTree = tree.Map(System.Func<_, _> f)

    /// The same names with `f name leaf` applied to every leaf.
    let mapi (f: string -> Tensor -> Tensor) (tree: TensorTree) : TensorTree =
        tree.Map(System.Func<_, _, _> f)

    /// Combines two trees with the same leaf names and shapes, leaf by leaf: `f a.[name] b.[name]`, in the
    /// first tree's order. Throws naming the first difference. A gradient step is
    /// `TensorTree.map2 (fun w g -> w - lr * g) parameters gradients`.
    let map2 (f: Tensor -> Tensor -> Tensor) (first: TensorTree) (second: TensorTree) : TensorTree =
        first.Zip(second, System.Func<_, _, _> f)

    /// The leaves as (name, tensor) pairs, in order.
    let toList (tree: TensorTree) : (string * Tensor) list =
        tree |> Seq.map (fun leaf -> leaf.Key, leaf.Value) |> List.ofSeq

    /// The leaf named `name`; throws listing the names present if absent.
    let find (name: string) (tree: TensorTree) : Tensor = tree[name]

    /// A copy of every leaf on `target` (exact from and to float64).
    let toBackend (target: Backend) (tree: TensorTree) : TensorTree = tree.ToBackend target
