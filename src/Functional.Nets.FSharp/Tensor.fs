namespace Functional.Nets.FSharp

open Functional.Nets

/// Creating and reading tensors (Functional.Nets.Tensor) with curried functions. Arithmetic needs no
/// wrapper: the core's operators work from F# as they are, `w - lr * g` included.
[<RequireQualifiedAccess>]
module Tensor =

    /// A tensor of `shape` on `backend` from row-major `values`: `[| 0.; 1. |] |> Tensor.ofArray backend [ 2; 1 ]`.
    let ofArray (backend: Backend) (shape: int list) (values: float[]) : Tensor =
        backend.FromArray(System.ReadOnlySpan values, Shape(Array.ofList shape))

    /// A tensor of shape [rows, columns] on `backend` from a list of equally long rows.
    let ofRows (backend: Backend) (rows: float list list) : Tensor =
        match rows with
        | [] -> invalidArg (nameof rows) "Tensor.ofRows: needs at least one row"
        | first :: _ ->
            let columns = List.length first
            if rows |> List.exists (fun r -> List.length r <> columns) then
                invalidArg (nameof rows) $"Tensor.ofRows: every row must have {columns} entries"
            rows |> List.concat |> Array.ofList |> ofArray backend [ List.length rows; columns ]

    /// The values, row-major, widened to float.
    let toArray (t: Tensor) : float[] = t.ToArray()

    /// The value of a one-element tensor.
    let item (t: Tensor) : float = t.Item()

    /// The dimensions.
    let shape (t: Tensor) : int list = t.Shape.ToArray() |> List.ofArray

    /// The same values on `target` (exact from and to float64).
    let toBackend (target: Backend) (t: Tensor) : Tensor = t.ToBackend target
