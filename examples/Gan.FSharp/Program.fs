// The toy GAN of examples/Gan, written through the thin F# layer: a generator learns to turn Gaussian noise
// into samples of ½·N(−2, 0.5²) + ½·N(2, 0.5²) against a discriminator. The two networks are the parts
// "generator" and "discriminator" of one multi-part state, each with its own Adam state; a step is the
// discriminator's update, then the generator's, on one batch of real samples (a dataset of inputs only).
// The objectives are plain F# functions.
//
// Exit code 0 only if the generated samples have about the data's mean and spread and both modes.
//
// With "mnist", the MLP GAN of examples/Gan on mnist10k's digits for a few steps (--steps N, default 40; --saturating
// for the lecture's generator criterion min ln(1 − D(G(z))) instead of the non-saturating max ln D(G(z))), on the
// Reference backend: both parts' losses and D's accuracy per step, the mean D(G(z)) at the end.
module Functional.Nets.Examples.Gan.FSharp.Program

open System
open System.IO
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

/// The folder holding Functional.sln above the working directory (for ../shared/data beside the repository).
let rec repositoryRoot (dir: DirectoryInfo | null) =
    match dir with
    | null -> Directory.GetCurrentDirectory()
    | d when File.Exists(Path.Combine(d.FullName, "Functional.sln")) -> d.FullName
    | d -> repositoryRoot d.Parent

/// The MLP pair of examples/Gan (G: z(64) → 256 → 512 → 784, D: 784 → 512 → 256 → 1, LeakyReLU 0.2), a few steps on
/// mnist10k's first 8,000 digits, on the Reference backend (float64).
let mnist (saturating: bool) (steps: int) =
    let z = 64
    let batch = 64
    let g = Layer.sequential [ Dense(z, 256); LeakyReLU 0.2; Dense(256, 512); LeakyReLU 0.2; Dense(512, 784); Sigmoid() ]
    let d = Layer.sequential [ Dense(784, 512); LeakyReLU 0.2; Dense(512, 256); LeakyReLU 0.2; Dense(256, 1) ]
    let directory = Path.Combine(repositoryRoot (DirectoryInfo(Directory.GetCurrentDirectory())), "..", "shared", "data", "mnist10k")
    use all = Mnist.Load(directory, backend)
    let digits = new Dataset(all.Slice(0, 8000).Inputs)
    let noiseOf (key: Key) (count: int) = key.Normal(count * z) |> Tensor.ofArray backend [ count; z ]
    let fakeLogits (parameters: TensorTree) (count: int) (key: Key) =
        d |> Layer.apply (parameters.Child "discriminator") (g |> Layer.apply (parameters.Child "generator") (noiseOf key count))

    /// BCE(D(x), 1) + BCE(D(G(z)), 0), with D's accuracy; G is a constant here.
    let discriminatorLoss (parameters: TensorTree) _ (b: Batch) (key: Key) : ObjectiveOutput =
        let real = d |> Layer.apply (parameters.Child "discriminator") b.Inputs
        let fake = fakeLogits parameters b.Count key
        let right = (real |> Tensor.toArray |> Array.filter (fun v -> v > 0.0) |> Array.length) + (fake |> Tensor.toArray |> Array.filter (fun v -> v < 0.0) |> Array.length)
        { Loss = (real |> Loss.binaryCrossEntropyWithLogits (full b.Count 1.0)) + (fake |> Loss.binaryCrossEntropyWithLogits (full b.Count 0.0))
          State = TensorTree.Empty
          Metrics = [ "accuracy", float right / float (2 * b.Count) ] }

    /// Non-saturating BCE(D(G(z)), 1), or saturating −BCE(D(G(z)), 0) = mean ln(1 − D(G(z))); D is a constant here.
    let generatorLoss (parameters: TensorTree) (b: Batch) (key: Key) : Tensor =
        let fake = fakeLogits parameters b.Count key
        if saturating then -(fake |> Loss.binaryCrossEntropyWithLogits (full b.Count 0.0))
        else fake |> Loss.binaryCrossEntropyWithLogits (full b.Count 1.0)

    let adam () = Optim.Adam(2e-4, beta1 = 0.5)
    let state = Parts.create (Key.seed 0) backend [ "generator", g, adam (); "discriminator", d, adam () ]
    let trainer =
        Training.trainer
            [ Objective.create discriminatorLoss |> Training.update [ "discriminator" ]
              Objective.ofLoss generatorLoss |> Training.update [ "generator" ] ]

    // One epoch over the first steps × 64 digits: exactly the requested number of steps.
    let subset = digits.Slice(0, steps * batch)
    let clock = Diagnostics.Stopwatch.StartNew()
    let trained, history = state |> Training.fit (FitOptions(Epochs = 1, BatchSize = batch)) [] subset trainer
    let e = history.Epochs[0]
    let value name = e |> Training.scalar name |> Option.defaultValue nan
    printfn "MNIST MLP GAN (%s criterion): %d steps of batch %d in %.1f s on %O" (if saturating then "saturating" else "non-saturating") (Parts.step trained) batch clock.Elapsed.TotalSeconds backend
    printfn "mean over the steps: D loss %.4f, D accuracy %.3f, G loss %.4f" (value "discriminator.loss") (value "discriminator.accuracy") (value "generator.loss")
    let dOfG = fakeLogits trained.Parameters 500 (Key.seed 9) |> Tensor.toArray |> Array.averageBy (fun l -> 1.0 / (1.0 + exp -l))
    printfn "mean D(G(z)) over 500 samples after training: %.4f" dOfG
    if Double.IsFinite dOfG then 0 else 1

[<EntryPoint>]
let main argv =
  if argv.Length > 0 && argv[0] = "mnist" then
    let steps =
        match Array.tryFindIndex ((=) "--steps") argv with
        | Some i when i + 1 < argv.Length -> int argv[i + 1]
        | _ -> 40
    mnist (Array.contains "--saturating" argv) steps
  else
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
