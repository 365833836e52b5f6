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

    // ---- The primitive basis, pipeline-friendly: the tensor comes last. ----

    /// An int64 index tensor of `shape` on `backend` (class indices, token ids): `[| 2L; 0L |] |> Tensor.ofIndices backend [ 2 ]`.
    let ofIndices (backend: Backend) (shape: int list) (values: int64[]) : Tensor =
        backend.FromIndices(System.ReadOnlySpan values, Shape(Array.ofList shape))

    /// The values of an index tensor, row-major.
    let toIndices (t: Tensor) : int64[] = t.ToIndexArray()

    /// The batched matrix product `a · b` ([..., m, k] × [..., k, n], batch axes broadcast).
    let matmul (b: Tensor) (a: Tensor) : Tensor = a.MatMul b

    /// The axes permuted: result axis i is input axis `axes`[i].
    let permute (axes: int list) (t: Tensor) : Tensor = t.Permute(Array.ofList axes)

    /// Entries [start, start + length) along `axis`.
    let slice (axis: int) (start: int) (length: int) (t: Tensor) : Tensor = t.Slice(axis, start, length)

    /// Splits along `axis` into parts of the given sizes.
    let split (axis: int) (sizes: int list) (t: Tensor) : Tensor list = t.Split(axis, Array.ofList sizes) |> List.ofSeq

    /// The tensors joined along `axis`.
    let concat (axis: int) (parts: Tensor list) : Tensor = Tensor.Concat(Array.ofList parts, axis)

    /// The tensors, of one shape, stacked along a new axis `axis`.
    let stack (axis: int) (parts: Tensor list) : Tensor = Tensor.Stack(Array.ofList parts, axis)

    /// The tensor surrounded by `value`: one (before, after) pair per axis.
    let pad (pads: (int * int) list) (value: float) (t: Tensor) : Tensor =
        t.Pad(pads |> List.map fst |> Array.ofList, pads |> List.map snd |> Array.ofList, value)

    /// The tensor repeated to `shape` by broadcasting.
    let broadcastTo (shape: int list) (t: Tensor) : Tensor = t.BroadcastTo(Shape(Array.ofList shape))

    /// The maximum over `axes` (ties share the gradient).
    let max (axes: int list) (t: Tensor) : Tensor = t.Max(Array.ofList axes)

    /// The minimum over `axes`.
    let min (axes: int list) (t: Tensor) : Tensor = t.Min(Array.ofList axes)

    /// ln Σ eˣ over `axes`, stable.
    let logSumExp (axes: int list) (t: Tensor) : Tensor = t.LogSumExp(Array.ofList axes)

    /// The int64 position of the first maximum along `axis`.
    let argmax (axis: int) (t: Tensor) : Tensor = t.ArgMax(axis)

    /// Elementwise max(a, b) with broadcasting.
    let maximum (a: Tensor) (b: Tensor) : Tensor = Tensor.Maximum(a, b)

    /// Elementwise min(a, b) with broadcasting.
    let minimum (a: Tensor) (b: Tensor) : Tensor = Tensor.Minimum(a, b)

    /// min(max(x, low), high) elementwise.
    let clamp (low: float) (high: float) (t: Tensor) : Tensor = t.Clamp(low, high)

    /// `a` where the mask holds, `b` elsewhere (the mask from `compare`).
    let where (mask: Tensor) (a: Tensor) (b: Tensor) : Tensor = Tensor.Where(mask, a, b)

    /// The mask [t op other] in 0s and 1s: `x |> Tensor.compare CompareOp.Greater zero`.
    let compare (op: CompareOp) (other: Tensor) (t: Tensor) : Tensor = t.Compare(op, other)

    /// The same values as a constant: no gradient flows through it.
    let stopGradient (t: Tensor) : Tensor = t.StopGradient()

    /// Slices along `axis` at int64 `indices` of any shape (an embedding lookup for axis 0).
    let indexSelect (axis: int) (indices: Tensor) (t: Tensor) : Tensor = t.IndexSelect(axis, indices)

    /// torch.gather: entries along `axis` at int64 `indices` of the same rank.
    let takeAlong (axis: int) (indices: Tensor) (t: Tensor) : Tensor = t.TakeAlong(axis, indices)

    /// torch.scatter_add: `source` added at `indices` along `axis`.
    let scatterAdd (axis: int) (indices: Tensor) (source: Tensor) (t: Tensor) : Tensor = t.ScatterAdd(axis, indices, source)

    /// The one-hot encoding of int64 indices.
    let oneHot (classes: int) (indices: Tensor) : Tensor = indices.OneHot classes
