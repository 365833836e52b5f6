// Recurrent networks in F#, the story of examples/Rnn shortened: the lecture's LSTM gates for one short input written
// out from an LstmCell's parameters step by step (checked against the scan's outputs), then a character-level LSTM
// model of first names (../shared/data/names, seeded 90/10 split) against an add-k bigram, in bits per character.
// Pass --quick for a few steps (CI). Exit code 0 only if the gates match and the model's figure is finite.
module Functional.Nets.Examples.Rnn.FSharp.Program

open System
open System.IO
open Functional.Nets
open Functional.Nets.FSharp
open Functional.Nets.Reference
open Functional.Nets.Torch

let sigmoid (v: float) = 1.0 / (1.0 + exp -v)

let vector (v: float[]) =
    v |> Array.map (fun e -> e.ToString("+0.0000;-0.0000", Globalization.CultureInfo.InvariantCulture)) |> String.concat ", " |> sprintf "[%s]"

/// The gates of one LSTM step from PyTorch's layout (row blocks i, f, g, o): i, f, C̃, o, the new C and the new h.
let lstmStep (p: TensorTree) (inputs: int) (hidden: int) (x: float[]) (h: float[]) (c: float[]) =
    let wih, whh = Tensor.toArray p["weight_ih"], Tensor.toArray p["weight_hh"]
    let bih, bhh = Tensor.toArray p["bias_ih"], Tensor.toArray p["bias_hh"]
    // z = W_ih x + b_ih + W_hh h + b_hh
    let z =
        Array.init (4 * hidden) (fun r ->
            bih[r] + bhh[r]
            + Seq.sum (seq { for j in 0 .. inputs - 1 -> wih[r * inputs + j] * x[j] })
            + Seq.sum (seq { for j in 0 .. hidden - 1 -> whh[r * hidden + j] * h[j] }))
    let block gate f = Array.init hidden (fun k -> f z[gate * hidden + k])
    let i, f, g, o = block 0 sigmoid, block 1 sigmoid, block 2 tanh, block 3 sigmoid
    let c' = Array.init hidden (fun k -> f[k] * c[k] + i[k] * g[k]) // Cₜ = fₜ ⊙ Cₜ₋₁ + iₜ ⊙ C̃ₜ
    let h' = Array.init hidden (fun k -> o[k] * tanh c'[k]) // hₜ = oₜ ⊙ tanh(Cₜ)
    i, f, g, o, c', h'

let gates () =
    let inputs, hidden = 2, 3
    let xs = [ [| 1.0; 0.0 |]; [| 0.0; 1.0 |]; [| 0.5; -0.5 |]; [| -1.0; 1.0 |] ]
    let backend = ReferenceBackend.Instance :> Backend
    let cell = LstmCell(inputs, hidden)
    let p = Layer.init (Key.seed 7) backend (Layer.scan cell)
    let outputs = Layer.scan cell |> Layer.apply p (Tensor.ofArray backend [ 1; xs.Length; inputs ] (Array.concat xs)) |> Tensor.toArray
    printfn "== LSTM gates: %s, seed 7, %d steps" (cell.Describe()) xs.Length
    let worst, _, _ =
        xs
        |> List.indexed
        |> List.fold
            (fun (worst, h, c) (t, x) ->
                let i, f, g, o, c', h' = lstmStep p inputs hidden x h c
                let fromCell = outputs[t * hidden .. t * hidden + hidden - 1]
                printfn "t = %d  x = %s" t (vector x)
                printfn "  f = %s  i = %s  C̃ = %s" (vector f) (vector i) (vector g)
                printfn "  C = %s  o = %s" (vector c') (vector o)
                printfn "  h = %s  cell: %s" (vector h') (vector fromCell)
                let gap = Array.map2 (fun a b -> abs (a - b)) h' fromCell |> Array.max
                max worst gap, h', c')
            (0.0, Array.zeroCreate hidden, Array.zeroCreate hidden)
    printfn "largest |h written out − the scan's|: %s\n" (worst.ToString("0.0e+00", Globalization.CultureInfo.InvariantCulture))
    worst <= 1e-12

let boundary = '.'

let names (quick: bool) =
    let directory = Path.Combine(Repository.root (), "..", "shared", "data", "names")
    let all =
        [ "female.txt"; "male.txt" ]
        |> Seq.collect (fun f -> File.ReadLines(Path.Combine(directory, f)))
        |> Seq.map (fun n -> n.Trim().ToLowerInvariant())
        |> Seq.filter (fun n -> n.Length > 0)
        |> Seq.distinct
        |> Seq.sort
        |> Array.ofSeq
    let alphabet = Array.append [| boundary |] (all |> Seq.concat |> Seq.distinct |> Seq.sort |> Array.ofSeq)
    let index = alphabet |> Array.indexed |> Array.map (fun (i, c) -> c, i) |> dict
    let v = alphabet.Length
    let order = (Key.seed 90).Permutation all.Length
    let testCount = all.Length / 10
    let test = order[.. testCount - 1] |> Array.map (fun i -> all[i])
    let train = order[testCount ..] |> Array.map (fun i -> all[i])
    let pairs (n: string) = let s = $"{boundary}{n}{boundary}" in Seq.pairwise s |> Seq.map (fun (a, b) -> index[a], index[b])

    // Add-k bigram: P(b | a) = (count(a, b) + k) / (count(a) + k·V).
    let counts = Array2D.zeroCreate v v
    for n in train do
        for a, b in pairs n do
            counts[a, b] <- counts[a, b] + 1.0
    let k = 0.1
    let bigramBits =
        let logs = test |> Seq.collect pairs |> Seq.map (fun (a, b) -> -Math.Log2((counts[a, b] + k) / (Seq.sum counts[a, *] + k * float v))) |> Array.ofSeq
        Array.average logs

    // Inputs [N, L + 1, V] one-hot of ".", c₁ … c_L; targets [N, L + 1] the indices of c₁ … c_L, ".".
    let encode (backend: Backend) (group: string[]) =
        let n, steps = group.Length, group[0].Length + 1
        let x = Array.zeroCreate (n * steps * v)
        let y = Array.zeroCreate (n * steps)
        group |> Array.iteri (fun b name ->
            pairs name |> Seq.iteri (fun t (a, c) ->
                x[(b * steps + t) * v + a] <- 1.0
                y[b * steps + t] <- int64 c))
        new Batch(Tensor.ofArray backend [ n; steps; v ] x, Tensor.ofIndices backend [ n; steps ] y, null, Array.init n id)
    let byLength (size: int) (xs: string[]) = xs |> Array.groupBy String.length |> Array.collect (fun (_, g) -> Array.chunkBySize size g)

    let backend = TorchBackend.CpuFloat32 :> Backend
    let hidden = if quick then 16 else 64
    let model = Layer.sequential [ Layer.lstm v hidden; Dense(hidden, v) ]
    // Logits [N, T, V] against targets [N, T]: the cross-entropy takes the class axis second.
    let loss (logits: Tensor) (targets: Tensor) = logits |> Tensor.permute [ 0; 2; 1 ] |> Loss.crossEntropy targets
    let trainer = Trainer(model, LossFunction(loss), Optim.chain [ Optim.clipByGlobalNorm 1.0; Optim.adam 5e-3 ])
    let batches = byLength 32 train |> fun bs -> (Key.seed 1000).Permutation bs.Length |> Array.map (fun i -> bs[i])
    let batches = if quick then Array.truncate 20 batches else Array.append batches batches
    let clock = Diagnostics.Stopwatch.StartNew()
    let trained =
        batches
        |> Array.fold
            (fun (state: TrainState) group ->
                use batch = encode backend group
                let next, _ = Training.stepSupervised trainer batch state
                state.ReleaseUnshared next
                next)
            (trainer.Init(Key.seed 1, backend))
    let nats, count =
        byLength 256 test
        |> Array.fold
            (fun (nats, count) group ->
                use scope = backend.Scope()
                let batch = encode backend group // released with the scope
                let positions = float batch.Targets.Shape.Size
                nats + Tensor.item (loss (model |> Layer.apply trained.Parameters batch.Inputs) batch.Targets) * positions, count + positions)
            (0.0, 0.0)
    let bits = nats / count / log 2.0
    printfn "== names: %d distinct names, %d held out, vocabulary %d" all.Length test.Length v
    printfn "LSTM: %.3f bits per character   (hidden %d, %d steps in %.1f s)" bits hidden batches.Length clock.Elapsed.TotalSeconds
    printfn "bigram: %.3f bits per character   (add-k, k = %g)" bigramBits k
    Double.IsFinite bits

[<EntryPoint>]
let main argv =
    let quick = argv |> Array.contains "--quick"
    TorchBackend.Threads <- 1
    let clock = Diagnostics.Stopwatch.StartNew()
    let gatesMatch = gates ()
    let finite = names quick
    printfn "wall time: %.1f s%s" clock.Elapsed.TotalSeconds (if quick then " (--quick)" else "")
    if gatesMatch && finite then 0 else 1
