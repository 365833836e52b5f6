// A user-defined primitive, end to end: Swish (SiLU), y = x·σ(x), added with its hand-written derivative
//     y′ = σ(x) + x·σ(x)(1 − σ(x)) = σ(x)(1 + x(1 − σ(x)))
// and checked with one call against central finite differences (of its own float64 forward) and against
// libtorch autograd (of a forward written in torch operations): three independent derivatives.
// Part 2 plants a wrong derivative (the product rule with its second term dropped) and shows the report
// pinpointing it: the leaf, the entry, both values.
//
// Exit code 0 when the correct op passes and the planted error is caught; so CI runs this as a test.
using Functional.Nets;
using Functional.Nets.Reference;
using Functional.Nets.Torch;
using TorchSharp;

// Part 1 — the op. The Reference backend runs `forward` and records `derivative` on its tape (the VJP of an
// elementwise op is x̄ = ȳ·f′(x)); the Torch backend runs the torch forward and libtorch autograd differentiates
// it. `compose` (the same function in core tensor ops) serves any other backend.
static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

var swish = CustomOp.Elementwise(
        "swish",
        forward: x => x * Sigmoid(x),
        derivative: (x, _) => Sigmoid(x) * (1 + x * (1 - Sigmoid(x))),
        compose: x => x * x.Sigmoid())
    .WithTorch(x => x * torch.sigmoid(x));

Backend[] others = [TorchBackend.CpuFloat64, TorchBackend.CpuFloat32];
var report = GradCheck.Op(swish, new Shape(4, 5), Key.FromSeed(1), compareWith: others);
Console.WriteLine(report);

// The same op as a layer in a model, checked as a whole on the Reference backend and against Torch float64.
var model = new Sequential(new Dense(3, 8), new CustomActivation(swish), new Dense(8, 2));
var parameters = model.Init(Key.FromSeed(2), ReferenceBackend.Instance);
double[] inputs = Key.FromSeed(3).Normal(5 * 3);
double[] targets = Key.FromSeed(4).Normal(5 * 2);
Func<TensorTree, Tensor> LossOn(Backend b) =>
    p => Losses.MeanSquaredError(model.Apply(p, b.FromArray(inputs, 5, 3)), b.FromArray(targets, 5, 2));
var modelReport = GradCheck.Check(LossOn, parameters, [TorchBackend.CpuFloat64], subject: "Dense(3→8) · swish · Dense(8→2), MSE");
Console.WriteLine(modelReport);

// Part 2 — a planted error: the second term of the product rule forgotten, y′ = σ(x) instead of
// σ(x) + x·σ(x)(1 − σ(x)). The report names the input, the worst entry and both values.
var broken = CustomOp.Elementwise(
    "swish (planted error: derivative σ(x), product rule's second term dropped)",
    forward: x => x * Sigmoid(x),
    derivative: (x, _) => Sigmoid(x),
    compose: x => x * x.Sigmoid());
var brokenReport = GradCheck.Op(broken, new Shape(4, 5), Key.FromSeed(1), compareWith: [TorchBackend.CpuFloat64]);
Console.WriteLine(brokenReport);

var worst = brokenReport.FailedRows.First();
Console.WriteLine(
    $"Pinpointed: '{worst.Leaf}' entry {worst.WorstPosition}: hand-written VJP {worst.Analytic:G8}, {worst.Against} {worst.Expected:G8} " +
    $"({worst.Failures} of {worst.Checked} entries beyond tolerance).");

var ok = report.Passed && modelReport.Passed && !brokenReport.Passed;
Console.WriteLine(ok ? "OK: the correct op passes, the planted error is caught." : "UNEXPECTED: see the reports above.");
return ok ? 0 : 1;
