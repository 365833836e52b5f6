// The toy GAN of examples/Gan, written through the thin F# layer: a generator learns to turn Gaussian noise
// into samples of ½·N(−2, 0.5²) + ½·N(2, 0.5²) against a discriminator. The two networks are the parts
// "generator" and "discriminator" of one multi-part state, each with its own Adam state; a step is the
// discriminator's update, then the generator's, on one batch of real samples (a dataset of inputs only).
// The objectives are plain F# functions.
//
// Exit code 0 only if the generated samples have about the data's mean and spread and both modes.
module Functional.Nets.Examples.Gan.FSharp.Program

open System
open Functional.Nets
open Functional.Nets.FSharp
open Functional.Nets.Reference

let noise = 4
let samples = 4096
let batchSize = 128
let epochs = 12 // 32 batches an epoch: 384 steps of two updates each

// Float64 on the Reference backend (examples/Gan runs the same story on Torch float32).
let backend: Backend = ReferenceBackend.Instance

let generator = Layer.sequential [ Dense(noise, 32); Tanh(); Dense(32, 32); Tanh(); Dense(32, 1) ]
let discriminator = Layer.sequential [ Dense(1, 32); Tanh(); Dense(32, 32); Tanh(); Dense(32, 1) ]

/// Each sample picks a mode by a fair coin and adds 0.5·N(0, 1) to ±2.
let mixture (key: Key) (count: int) : float[] =
    let coins = (key |> Key.fold 0).Uniform count
    let normals = (key |> Key.fold 1).Normal count
    Array.map2 (fun c n -> (if c < 0.5 then -2.0 else 2.0) + 0.5 * n) coins normals

let noiseBatch (key: Key) (count: int) = key.Normal(count * noise) |> Tensor.ofArray backend [ count; noise ]
let full (count: int) (value: float) = Array.create count value |> Tensor.ofArray backend [ count; 1 ]

/// D(x) and D(G(z)) as logits, from the nested parameters of both parts.
let logits (parameters: TensorTree) (real: Tensor) (key: Key) =
    let d = parameters.Child "discriminator"
    let fake = generator |> Layer.apply (parameters.Child "generator") (noiseBatch key real.Shape[0])
    discriminator |> Layer.apply d real, discriminator |> Layer.apply d fake

/// BCE(D(x), 1) + BCE(D(G(z)), 0), with the discriminator's accuracy; the generator is a constant here.
let discriminatorLoss (parameters: TensorTree) _ (batch: Batch) (key: Key) : ObjectiveOutput =
    let real, fake = logits parameters batch.Inputs key
    let n = batch.Count
    let right = (real |> Tensor.toArray |> Array.filter (fun v -> v > 0.0) |> Array.length) + (fake |> Tensor.toArray |> Array.filter (fun v -> v < 0.0) |> Array.length)
    { Loss = (real |> Loss.binaryCrossEntropyWithLogits (full n 1.0)) + (fake |> Loss.binaryCrossEntropyWithLogits (full n 0.0))
      State = TensorTree.Empty
      Metrics = [ "accuracy", float right / float (2 * n) ] }

/// The non-saturating BCE(D(G(z)), 1); the discriminator is a constant here.
let generatorLoss (parameters: TensorTree) (batch: Batch) (key: Key) : Tensor =
    let _, fake = logits parameters batch.Inputs key
    fake |> Loss.binaryCrossEntropyWithLogits (full batch.Count 1.0)

/// Mean, population standard deviation and the fraction above 0.
let statistics (x: float[]) =
    let mean = Array.average x
    mean, sqrt (x |> Array.averageBy (fun v -> (v - mean) ** 2.0)), float (x |> Array.filter (fun v -> v > 0.0) |> Array.length) / float x.Length

[<EntryPoint>]
let main _ =
    // Adam with β₁ = 0.5, as DCGAN does.
    let adam () = Optim.Adam(2e-3, beta1 = 0.5)
    let state = Parts.create (Key.seed 1) backend [ "generator", generator, adam (); "discriminator", discriminator, adam () ]
    let trainer =
        Training.trainer
            [ Objective.create discriminatorLoss |> Training.update [ "discriminator" ]
              Objective.ofLoss generatorLoss |> Training.update [ "generator" ] ]

    use data = new Dataset(mixture (Key.seed 100) samples |> Tensor.ofArray backend [ samples; 1 ])
    let clock = Diagnostics.Stopwatch.StartNew()
    let trained, history = state |> Training.fit (FitOptions(Epochs = epochs, BatchSize = batchSize)) [] data trainer
    printfn "Toy GAN on ½·N(−2, 0.5²) + ½·N(2, 0.5²): %d steps of batch %d in %.1f s on %O" (Parts.step trained) batchSize clock.Elapsed.TotalSeconds backend
    printfn "%5s %9s %11s %9s" "epoch" "D loss" "D accuracy" "G loss"
    for e in history.Epochs |> Seq.filter (fun e -> e.Epoch = 1 || e.Epoch % 3 = 0) do
        let value name = e |> Training.scalar name |> Option.defaultValue nan
        printfn "%5d %9.4f %11.3f %9.4f" e.Epoch (value "discriminator.loss") (value "discriminator.accuracy") (value "generator.loss")

    let generated = generator |> Layer.apply (Parts.parameters "generator" trained) (noiseBatch (Key.seed 300) 10_000) |> Tensor.toArray
    let rm, rs, rw = statistics (mixture (Key.seed 200) 10_000)
    let gm, gs, gw = statistics generated
    printfn ""
    printfn "%-10s %8s %8s %9s" "" "mean" "std" "P(x > 0)"
    printfn "%-10s %8.3f %8.3f %9.3f" "data" rm rs rw
    printfn "%-10s %8.3f %8.3f %9.3f" "generator" gm gs gw

    let failures =
        [ if abs (gm - rm) > 0.3 then $"mean {gm:F3}, data {rm:F3}"
          if abs (gs - rs) > 0.3 then $"std {gs:F3}, data {rs:F3}"
          if gw < 0.3 || gw > 0.7 then $"P(x > 0) = {gw:F3}: a mode is missing" ]
    failures |> List.iter (eprintfn "FAILED: the generator's %s")
    if List.isEmpty failures then 0 else 1
