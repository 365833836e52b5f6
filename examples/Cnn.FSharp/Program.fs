// examples/Cnn in F#: the lecture's convolution arithmetic (the padding/stride cases, output sizes computed by the
// layers), its 4×4 max-pooling example with the gradient routed to the maxima, and a short CNN run on MNIST
// (first 8,000 digits of ../shared/data/mnist10k to train, last 2,000 to test) on the Torch backend (float32).
// usage: dotnet run -c Release --project examples/Cnn.FSharp -- [--epochs N] [--quick] [--data DIR]
module Functional.Nets.Examples.Cnn.FSharp.Program

open System
open System.IO
open Functional.Nets
open Functional.Nets.FSharp
open Functional.Nets.Reference
open Functional.Nets.Reporting
open Functional.Nets.Torch

/// The cases: name, input n, kernel k, padding, stride; output ⌊(n + p_before + p_after − (k − 1) − 1)/s⌋ + 1.
let cases =
    [ "no padding", 5, 3, Padding.None, 1
      "half (same) padding", 5, 3, Padding.Half, 1
      "full padding", 5, 3, Padding.Full, 1
      "half padding, stride 2", 5, 3, Padding.Half, 2
      "no padding, stride 2", 7, 3, Padding.None, 2 ]

let printConvolutionTable () =
    printfn "convolution arithmetic (Conv2d(1 → 1) output shape on [1, 1, n, n]):"
    printfn "%-24s%7s%8s%9s%8s%8s" "case" "input" "kernel" "padding" "stride" "output"
    for name, n, k, padding, stride in cases do
        match Layer.conv2d 1 1 k stride padding |> Layer.outputShape [ 1; 1; n; n ] with
        | [ _; _; h; w ] -> printfn "%-24s%7s%8s%9s%8d%8s" name $"{n}×{n}" $"{k}×{k}" (string padding) stride $"{h}×{w}"
        | shape -> failwithf "unexpected shape %A" shape
    printfn ""

/// The 4×4 example, 2×2 windows at stride 2: the output, and ∂(Σ output)/∂input, 1 at each window's maximum.
let printMaxPool (backend: Backend) =
    let pixels = [| 1.; 1.; 2.; 4.; 5.; 6.; 7.; 8.; 3.; 2.; 1.; 0.; 1.; 2.; 3.; 4. |]
    let pool = Layer.maxPool2d 2
    let inputs = TensorTree.ofArrays backend [ "x", pixels, [| 1; 1; 4; 4 |] ]
    let output = pool |> Layer.apply TensorTree.Empty (inputs |> TensorTree.find "x") |> Tensor.toArray
    let _, gradients = inputs |> Grad.valueAndGrad (fun p -> (pool |> Layer.apply TensorTree.Empty (p |> TensorTree.find "x")).Sum())
    let gradient = gradients |> TensorTree.find "x" |> Tensor.toArray
    let row (values: float[]) width r = String.Join("", [ for c in 0 .. width - 1 -> sprintf "%3.0f" values[r * width + c] ])
    printfn "max-pooling 2×2, stride 2, on %s: input → output; gradient of Σ output w.r.t. the input" backend.Name
    for r in 0 .. 3 do
        let middle = if r < 2 then "→  " + row output 2 r else "         "
        printfn "  %s   %s      %s" (row pixels 4 r) middle (row gradient 4 r)
    printfn ""

/// The folder holding Functional.sln above the working directory (for ../shared/data beside the repository).
let rec repositoryRoot (dir: DirectoryInfo | null) =
    match dir with
    | null -> Directory.GetCurrentDirectory()
    | d when File.Exists(Path.Combine(d.FullName, "Functional.sln")) -> d.FullName
    | d -> repositoryRoot d.Parent

/// examples/Cnn's network: ±2-pixel shifts, [conv3×3 → BN → ReLU] × 2 → max-pool, twice (32, 64 channels), dense 128, dropout 0.3.
let cnn =
    let stage inChannels channels =
        [ Layer.conv2d inChannels channels 3 1 Padding.Half; Layer.batchNorm2d channels; ReLU()
          Layer.conv2d channels channels 3 1 Padding.Half; Layer.batchNorm2d channels; ReLU()
          Layer.maxPool2d 2 ]
    Layer.sequential (
        [ Layer.randomShift 2 ] @ stage 1 32 @ stage 32 64
        @ [ Layer.flatten; Dense(64 * 7 * 7, 128); ReLU(); Dropout 0.3; Dense(128, 10) ])

[<EntryPoint>]
let main argv =
    let args = List.ofArray argv
    let rec option name = function
        | n :: value :: _ when n = name -> Some value
        | _ :: rest -> option name rest
        | [] -> None
    let quick = List.contains "--quick" args
    let epochs = option "--epochs" args |> Option.map int |> Option.defaultValue 2
    let data =
        option "--data" args
        |> Option.defaultValue (Path.Combine(repositoryRoot (DirectoryInfo(Directory.GetCurrentDirectory())), "..", "shared", "data", "mnist10k"))

    // One libtorch thread: faster than two on a busy two-core machine (see TorchBackend.Threads).
    TorchBackend.Threads <- 1
    printConvolutionTable ()
    printMaxPool ReferenceBackend.Instance
    printMaxPool TorchBackend.CpuFloat64

    let backend = TorchBackend.CpuFloat32
    let all = Mnist.Load(data, backend, layout = MnistLayout.Images)
    let train, test =
        if quick then all.Slice(0, 256), all.Slice(8000, 250)
        else all.Slice(0, 8000), all.Slice(8000, all.Count - 8000)
    let epochs = if quick then 1 else epochs
    let batchSize = 128
    let steps = epochs * ((train.Count + batchSize - 1) / batchSize)
    let trainer = Trainer(cnn, LossFunction(fun logits targets -> Losses.SoftmaxCrossEntropy(logits, targets)), Optim.Adam(Schedules.Cosine(2e-3, int64 steps)))
    use display = new ProgressDisplay("CNN 32-64 in F#")
    let state, history =
        trainer.Init(Key.seed 0, backend)
        |> Training.fitSupervised (FitOptions(Epochs = epochs, BatchSize = batchSize, EvaluationBatchSize = 250)) [ display ] (Some test) train trainer
    let accuracy = trainer.Evaluate(state, test, 250) |> Training.accuracy |> Option.defaultValue 0.0
    printfn "%d epochs on %d digits in %.1f s" history.Epochs.Count train.Count history.Epochs[history.Epochs.Count - 1].Elapsed.TotalSeconds
    printfn "test accuracy: %.2f%%" (100.0 * accuracy)
    0
