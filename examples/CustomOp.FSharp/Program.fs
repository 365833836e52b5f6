// Swish (SiLU), y = x·σ(x), y′ = σ(x)(1 + x(1 − σ(x))), added as a user-defined op with its hand-written
// derivative and checked with one call against central differences and libtorch autograd; then the same op
// with a planted wrong derivative, pinpointed by the report. The story of examples/CustomOp, in F#.
//
// Exit code 0 when the correct op passes and the planted error is caught.
module Functional.Nets.Examples.CustomOp.FSharp.Program

open Functional.Nets
open Functional.Nets.Torch
open TorchSharp

let sigmoid x = 1.0 / (1.0 + exp -x)

// The Reference backend runs `forward` and records `derivative` (x̄ = ȳ·f′(x)); Torch runs the torch forward and
// differentiates it by autograd. F# lambdas convert to the Func parameters at the call.
let swish =
    CustomOp
        .Elementwise(
            "swish",
            (fun x -> x * sigmoid x),
            (fun x _ -> sigmoid x * (1.0 + x * (1.0 - sigmoid x))),
            (fun (t: Tensor) -> t * t.Sigmoid())
        )
        .WithTorch(fun (x: torch.Tensor) -> x * torch.sigmoid x)

let report =
    GradCheck.Op(swish, Shape(4, 5), Key.FromSeed 1, compareWith = [| TorchBackend.CpuFloat64 :> Backend; TorchBackend.CpuFloat32 |])

printfn "%O" report

// The product rule's second term dropped: y′ = σ(x).
let broken =
    CustomOp.Elementwise("swish (planted error)", (fun x -> x * sigmoid x), (fun x _ -> sigmoid x))

let brokenReport = GradCheck.Op(broken, Shape(4, 5), Key.FromSeed 1)
printfn "%O" brokenReport

for row in brokenReport.FailedRows do
    printfn "Pinpointed: '%s' entry %s: hand-written %.8g, %s %.8g" row.Leaf row.WorstPosition row.Analytic row.Against row.Expected

exit (if report.Passed && not brokenReport.Passed then 0 else 1)
