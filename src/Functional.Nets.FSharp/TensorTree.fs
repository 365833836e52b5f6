namespace Functional.Nets.FSharp

open Functional.Nets

/// Walking parameter, state and gradient trees (Functional.Nets.TensorTree) with curried functions.
///
/// Tree surgery and partial loading, pipeline style (transfer learning onto a new 10-class head):
///
///     let pretrained = TensorTree.ofArrays backend weights          // (name, values, shape) list
///     let body = pretrained |> TensorTree.without "fc" |> TensorTree.renamePrefix "features" "0"
///     let parameters, report = model.Init(key, backend) |> TensorTree.loadStateDict false body
///     // report.Missing lists the new head's leaves, which keep their fresh values
///     let trainable, frozen = parameters |> TensorTree.partition (fun name -> name.StartsWith "1.")
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

    /// The subtree under `name` with the prefix removed ("0.weight" -> "weight"); empty if none. Cached per tree.
    let child (name: string) (tree: TensorTree) : TensorTree = tree.Child name

    /// A tree of named arrays on `backend`, in list order: `[ "0.weight", w, [| 3; 2 |]; "0.bias", b, [| 3 |] ]`.
    /// Throws naming the leaf, the count of values its shape needs and the count given.
    let ofArrays (backend: Backend) (leaves: (string * double[] * int[]) list) : TensorTree =
        TensorTree.FromArrays(backend, leaves |> List.map (fun (name, values, shape) -> struct (name, values, shape)))

    /// Every name prefixed: "weight" -> "backbone.weight" with `withPrefix "backbone"`.
    let withPrefix (prefix: string) (tree: TensorTree) : TensorTree = tree.WithPrefix prefix

    /// Each name replaced by `f name`, in the same order; throws if two names clash.
    let rename (f: string -> string) (tree: TensorTree) : TensorTree = tree.Rename(System.Func<_, _> f)

    /// The leaves under `oldPrefix` moved under `newPrefix` (whole segments: "fc" moves "fc.weight", not
    /// "fc10.weight"); an empty `newPrefix` strips the prefix. Throws if nothing is under `oldPrefix`.
    let renamePrefix (oldPrefix: string) (newPrefix: string) (tree: TensorTree) : TensorTree =
        tree.Rename(oldPrefix, newPrefix)

    /// The leaves whose names satisfy `keep`, in order.
    let filter (keep: string -> bool) (tree: TensorTree) : TensorTree = tree.Where(System.Func<_, _> keep)

    /// The tree without the leaves under `prefix` (the leaf `prefix` and `prefix.*`); throws if there are none.
    let without (prefix: string) (tree: TensorTree) : TensorTree = tree.Without prefix

    /// The tree without the leaves whose names satisfy `remove`, in order.
    let exclude (remove: string -> bool) (tree: TensorTree) : TensorTree = tree.Without(System.Func<_, _> remove)

    /// The leaves under `prefix` replaced by `subtree`'s, prefixed, at the place of the first one replaced.
    let replace (prefix: string) (subtree: TensorTree) (tree: TensorTree) : TensorTree = tree.Replace(prefix, subtree)

    /// (leaves whose names satisfy `matches`, the others), each in order.
    let partition (matches: string -> bool) (tree: TensorTree) : TensorTree * TensorTree =
        let struct (matching, remaining) = tree.Partition(System.Func<_, _> matches)
        matching, remaining

    /// `tree`'s leaves, then `other`'s; throws naming every name they share. `a |> merge b` is `a.Merge(b)`.
    let merge (other: TensorTree) (tree: TensorTree) : TensorTree = tree.Merge other

    /// How `source` fits `target` (missing, unexpected, shape-mismatched leaves), loading nothing.
    let compareStructure (source: TensorTree) (target: TensorTree) : LoadReport = target.CompareStructure source

    /// `target` with each leaf `source` has (same name and shape) replaced by the source's, on the target
    /// leaf's backend, as PyTorch's load_state_dict: strict throws on anything missing or unexpected; a
    /// shape mismatch throws either way.
    let loadStateDict (strict: bool) (source: TensorTree) (target: TensorTree) : TensorTree * LoadReport =
        let struct (tree, report) = target.LoadStateDict(source, strict)
        tree, report

    /// Loads the parameters of the checkpoint at `path` into `target` under `prefix` (None: the whole tree),
    /// as `loadStateDict`; errors name the file.
    let loadCheckpoint (strict: bool) (prefix: string option) (path: string) (target: TensorTree) : TensorTree * LoadReport =
        let struct (tree, report) = Checkpoint.LoadInto(path, target, Option.toObj prefix, strict)
        tree, report
