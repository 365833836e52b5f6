namespace Functional.Nets.FSharp

open Functional.Nets

/// Pure, splittable random keys (Functional.Nets.Key) as curried functions.
[<RequireQualifiedAccess>]
module Key =

    /// The key derived from an integer seed: `Key.seed 2`.
    let seed (n: int) : Key = Key.FromSeed(int64 n)

    /// Two independent keys derived from `key`, as an F# tuple.
    let split (key: Key) : Key * Key =
        let struct (a, b) = key.Split()
        a, b

    /// `count` independent keys derived from `key`.
    let splitN (count: int) (key: Key) : Key list = key.Split count |> List.ofArray

    /// The key derived from `key` and `data` (e.g. a step number): `key |> Key.fold step`.
    let fold (data: int) (key: Key) : Key = key.Fold(uint64 data)
