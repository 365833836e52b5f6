/// Where the repository is, so the example finds ../shared/data from any working directory.
module Functional.Nets.Examples.Rnn.FSharp.Repository

open System
open System.IO

/// The nearest folder holding Functional.sln above the program, else above the working directory, else the working directory.
let root () =
    [ AppContext.BaseDirectory; Directory.GetCurrentDirectory() ]
    |> Seq.collect (fun start ->
        // The folder and its parents up to the root (whose parent is none).
        Some start
        |> Seq.unfold (fun dir ->
            match dir with
            | Some d -> Some(d, (match Path.GetDirectoryName(d: string) with | null -> None | parent -> Some parent))
            | None -> None))
    |> Seq.tryFind (fun dir -> File.Exists(Path.Combine(dir, "Functional.sln")))
    |> Option.defaultWith Directory.GetCurrentDirectory
