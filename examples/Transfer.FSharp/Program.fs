// examples/Transfer in F#, one cell of its table: a CNN backbone f (two stages of [conv3×3 → BN → ReLU] × 2 →
// max-pool, then dense 128 → ReLU) trained with a head on the digits 0-4 of mnist10k's first 8,000 and saved; then
// loaded (Parts.loadInto) into Sequential(RandomShift, EvalMode(f), new head), frozen (Parts.freeze: no gradient is
// computed for f) and the new head trained on m = 10 labelled digits per class of 5-9; test accuracy on the 5-9
// digits of the last 2,000.
// usage: dotnet run -c Release --project examples/Transfer.FSharp -- [--m M] [--seed S] [--quick] [--data DIR]
module Functional.Nets.Examples.Transfer.FSharp.Program

open System
open System.IO
open Functional.Nets
open Functional.Nets.FSharp
open Functional.Nets.Reporting
open Functional.Nets.Torch

/// The folder holding Functional.sln above the working directory (for ../shared/data beside the repository).
let rec repositoryRoot (dir: DirectoryInfo | null) =
    match dir with
    | null -> Directory.GetCurrentDirectory()
    | d when File.Exists(Path.Combine(d.FullName, "Functional.sln")) -> d.FullName
    | d -> repositoryRoot d.Parent

/// f: the backbone of examples/Transfer (16 and 32 channels, 128 features).
let backbone =
    let stage inChannels channels =
        // No bias where a batch norm follows (its β does that work), as in examples/Transfer.
        [ Conv2d(inChannels, channels, 3, padding = Padding.Half, bias = false) :> Layer; Layer.batchNorm2d channels; ReLU()
          Conv2d(channels, channels, 3, padding = Padding.Half, bias = false); Layer.batchNorm2d channels; ReLU()
          Layer.maxPool2d 2 ]
    Layer.sequential (stage 1 16 @ stage 16 32 @ [ Layer.flatten; Dense(32 * 7 * 7, 128); ReLU() ])

/// The class indices of `data`; an error naming the dataset if it has none.
let labelsOf (data: Dataset) : int[] =
    match data.Labels with
    | null -> failwithf "Transfer.FSharp: the dataset %O has no labels" data
    | labels -> Array.ofSeq labels

/// The digits first … first + 4 of `data`, relabelled 0-4 with one-hot targets of 5 classes.
let digits (first: int) (data: Dataset) =
    let labels = labelsOf data
    let indices = [| for i in 0 .. labels.Length - 1 do if labels[i] >= first && labels[i] < first + 5 then i |]
    let relabelled = indices |> Array.map (fun i -> labels[i] - first)
    let subset = data.Subset(indices)
    subset.Targets.Dispose()
    new Dataset(subset.Inputs, OneHot.Encode(relabelled, 5, data.Backend), relabelled)

/// `perClass` digits of each of the 5 classes of `pool`, drawn without replacement by `key`.
let sample (perClass: int) (key: Key) (pool: Dataset) =
    let labels = labelsOf pool
    let chosen =
        key.Permutation(pool.Count)
        |> Array.fold (fun (taken: Map<int, int>, acc) i ->
            let n = taken |> Map.tryFind labels[i] |> Option.defaultValue 0
            if n < perClass then taken |> Map.add labels[i] (n + 1), i :: acc else taken, acc) (Map.empty, [])
        |> snd |> List.sort |> Array.ofList
    pool.Subset(chosen)

let softmaxCrossEntropy (logits: Tensor) (targets: Tensor) = Losses.SoftmaxCrossEntropy(logits, targets)

[<EntryPoint>]
let main argv =
    let args = List.ofArray argv
    let rec option name = function
        | n :: value :: _ when n = name -> Some value
        | _ :: rest -> option name rest
        | [] -> None
    let quick = args |> List.contains "--quick"
    let perClass = option "--m" args |> Option.map int |> Option.defaultValue 10
    let seed = option "--seed" args |> Option.map int |> Option.defaultValue 0
    let root = repositoryRoot (DirectoryInfo(Directory.GetCurrentDirectory()))
    let data = option "--data" args |> Option.defaultValue (Path.Combine(root, "..", "shared", "data", "mnist10k"))
    let outDirectory = Path.Combine(root, "examples", "Transfer.FSharp", "out")
    Directory.CreateDirectory(outDirectory) |> ignore

    // One libtorch thread: faster than two on a busy two-core machine (see TorchBackend.Threads).
    TorchBackend.Threads <- 1
    let backend = TorchBackend.CpuFloat32
    let all = Mnist.Load(data, backend, layout = MnistLayout.Images)
    let train, test = all.Slice(0, 8000), all.Slice(8000, all.Count - 8000)
    let baseTrain, targetPool, targetTest =
        let b, p, t = digits 0 train, digits 5 train, digits 5 test
        if quick then b.Slice(0, 256), p.Slice(0, 250), t.Slice(0, 200) else b, p, t
    let baseEpochs, steps = if quick then 1, 4 else 6, 150

    // (1) The base task: f and a 5-way head trained together on the digits 0-4, f saved.
    let baseModel = Layer.sequential [ Layer.randomShift 2; backbone; Dense(128, 5) ]
    let batchSize = 64
    let baseSteps = baseEpochs * ((baseTrain.Count + batchSize - 1) / batchSize)
    let supervised model = Training.trainer [ Training.update [ "model" ] (Objective.onPart "model" (Objective.supervised softmaxCrossEntropy model)) ]
    use display = new ProgressDisplay("base task (digits 0-4) in F#")
    let trained, _ =
        Parts.create (Key.seed 1000) backend [ "model", baseModel, Optim.Adam(Schedules.Cosine(2e-3, int64 baseSteps)) ]
        |> Training.fit (FitOptions(Epochs = baseEpochs, BatchSize = batchSize)) [ display ] baseTrain (supervised baseModel)
    let checkpoint = Path.Combine(outDirectory, (if quick then "backbone-quick.safetensors" else "backbone.safetensors"))
    let backboneOf (tree: TensorTree) = tree.Child "1"
    Checkpoint.Save(checkpoint, TrainState(Parts.parameters "model" trained |> backboneOf, Parts.layerState "model" trained |> backboneOf, TensorTree.Empty, trained.Step, trained.Key))
    printfn "backbone saved to %s" checkpoint

    // (2) One cell: m labelled digits per class of 5-9, the loaded backbone frozen in evaluation mode, a new head.
    let model = Layer.sequential [ Layer.randomShift 2; Layer.evalMode backbone; Dropout 0.3; Dense(128, 5) ]
    let labelled = targetPool |> sample perClass (Key.seed seed)
    let batch = min batchSize labelled.Count
    let batchesPerEpoch = (labelled.Count + batch - 1) / batch
    let epochs = (steps + batchesPerEpoch - 1) / batchesPerEpoch
    let optimizer = Optim.Adam(Schedules.Cosine(2e-3, int64 (epochs * batchesPerEpoch)))
    let start =
        Parts.create (Key.seed seed) backend [ "model", model, optimizer ]
        |> Parts.loadInto checkpoint "model" "1"
        |> Parts.freeze "model" [ "1" ]
    printfn "frozen: %d of %d leaves are constants of every step; %d leaves train"
        ((Parts.parameters "model" start).Count - (Parts.trainable "model" start).Count) (Parts.parameters "model" start).Count (Parts.trainable "model" start).Count
    let final, _ = start |> Training.fit (FitOptions(Epochs = epochs, BatchSize = batch)) [] labelled (supervised model)
    let logits, _ = model |> Layer.applyWith (Parts.parameters "model" final) (Parts.layerState "model" final) Context.Eval targetTest.Inputs
    let accuracy = Metrics.Accuracy(logits, labelsOf targetTest)
    printfn "m = %d per class (%d digits), seed %d, %d steps: test accuracy on digits 5-9 %.2f%% (frozen backbone, new head)" perClass labelled.Count seed (epochs * batchesPerEpoch) (100.0 * accuracy)
    0
