// The MNIST multilayer perceptron of examples/Mnist, in F#: first 8,000 digits of ../shared/data/mnist10k
// to train, last 2,000 to test, on the Torch backend (float32). The augmentation is a layer written here in
// F#; training is the library's Trainer.Fit with its progress display and a callback made from an object
// expression. Pass a data directory as the only argument to use another MNIST IDX directory.
module Functional.Nets.Examples.Mnist.FSharp.Program

open System
open System.IO
open Functional.Nets
open Functional.Nets.FSharp
open Functional.Nets.Reporting
open Functional.Nets.Torch

/// Moves each 28 × 28 digit of the batch by its own (dy, dx) ∈ {−s … s}², drawn from `key`; pixels moved in
/// from outside are 0 (MNIST's background). Pure: the same key moves the same digits the same way.
let shift (s: int) (key: Key) (images: Tensor) : Tensor =
    let n = images.Shape[0]
    let source = images.ToArray()
    let moved = Array.zeroCreate source.Length
    let u = key.Uniform(2 * n)
    for i in 0 .. n - 1 do
        let dy = int (u[2 * i] * float (2 * s + 1)) - s
        let dx = int (u[2 * i + 1] * float (2 * s + 1)) - s
        for r in max 0 dy .. min 27 (27 + dy) do
            for c in max 0 dx .. min 27 (27 + dx) do
                moved[i * 784 + r * 28 + c] <- source[i * 784 + (r - dy) * 28 + (c - dx)]
    Tensor.ofArray images.Backend (Tensor.shape images) moved

/// Random shifts in training, the identity at evaluation: a layer with no parameters whose randomness comes
/// from the context's key, like dropout's.
let randomShift (maxShift: int) : Layer =
    Layer.ofFunction $"RandomShift(±{maxShift} px)" true (fun mode key input ->
        match mode, key with
        | Mode.Train, Some key -> shift maxShift key input
        | _ -> input)

/// The folder holding Functional.sln above the working directory (for ../shared/data beside the repository).
let rec repositoryRoot (dir: DirectoryInfo | null) =
    match dir with
    | null -> Directory.GetCurrentDirectory()
    | d when File.Exists(Path.Combine(d.FullName, "Functional.sln")) -> d.FullName
    | d -> repositoryRoot d.Parent

[<EntryPoint>]
let main argv =
    let data =
        match argv with
        | [| dir |] -> dir
        | _ -> Path.Combine(repositoryRoot (DirectoryInfo(Directory.GetCurrentDirectory())), "..", "shared", "data", "mnist10k")

    // One libtorch thread: several times faster than two on a busy two-core machine (see TorchBackend.Threads).
    TorchBackend.Threads <- 1
    let backend = TorchBackend.CpuFloat32
    let all = Mnist.Load(data, backend)
    let train, test = all.Slice(0, 8000), all.Slice(8000, all.Count - 8000)

    let model =
        Layer.sequential
            [ randomShift 1
              Dense(784, 512); ReLU(); Dropout 0.3
              Dense(512, 256); ReLU(); Dropout 0.3
              Dense(256, 10) ]

    let epochs, batchSize = 30, 128
    let steps = epochs * ((train.Count + batchSize - 1) / batchSize)
    let optimizer = Optim.AdamW(Schedules.Cosine(2e-3, int64 steps), weightDecay = 1e-2)
    let trainer = Trainer(model, LossFunction(fun logits targets -> Losses.SoftmaxCrossEntropy(logits, targets)), optimizer)

    // A callback is any TrainingCallback; an object expression makes one on the spot.
    let mutable best = (0, 0.0)
    let bestEpoch =
        { new TrainingCallback() with
            override _.OnEpochEnd(m, _) =
                let accuracy = m |> Training.validationAccuracy |> Option.defaultValue 0.0
                if accuracy > snd best then best <- (m.Epoch, accuracy)
                FitDecision.Continue }

    use display = new ProgressDisplay("MLP 784-512-256-10 in F#")

    let state, history =
        trainer.Init(Key.seed 0, backend)
        |> Training.fitSupervised (FitOptions(Epochs = epochs, BatchSize = batchSize, EvaluationBatchSize = 1000)) [ display; bestEpoch ] (Some test) train trainer

    let accuracy = trainer.Evaluate(state, test, 1000) |> Training.accuracy |> Option.defaultValue 0.0
    printfn "%d epochs in %.1f s; best test accuracy %.2f%% after epoch %d" history.Epochs.Count history.Epochs[history.Epochs.Count - 1].Elapsed.TotalSeconds (100.0 * snd best) (fst best)
    printfn "test accuracy: %.2f%%" (100.0 * accuracy)
    0
