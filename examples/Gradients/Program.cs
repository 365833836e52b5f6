// Gradients made visible, in three parts (run one by name, or all by default):
//   trace      the chain rule on the XOR network, node by node, on the Reference backend, and its graph as DOT
//   vanishing  the lecture's deep sigmoid network: mean |∂L/∂W| per layer grows ~10× per layer towards the output
//   init       He et al. (2015): Xavier vs He initialization for 22- and 30-layer ReLU networks, which ones learn
//
// usage: dotnet run -c Release --project examples/Gradients -- [trace|vanishing|init|all] [--out DIR] [--quick]
// PNGs (and the DOT graph) go to --out, default examples/Gradients/out/ (ignored by git).
using System.Diagnostics;
using Functional.Nets.Examples.Gradients;
using Functional.Nets.Torch;
using Spectre.Console;

var parts = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var outIndex = Array.IndexOf(args, "--out");
if (outIndex >= 0 && outIndex + 1 < args.Length)
{
    parts.Remove(args[outIndex + 1]);
}

var quick = args.Contains("--quick");
string[] known = ["trace", "vanishing", "init", "all"];
if (parts.Count == 0)
{
    parts.Add("all");
}

if (parts.FirstOrDefault(p => !known.Contains(p)) is { } unknown)
{
    Console.Error.WriteLine($"unknown part '{unknown}'; choose from {string.Join(", ", known)} (and --out DIR, --quick)");
    return 2;
}

// libtorch's intra-op threads busy-wait for each other; on the small matrices here (batch 32–64, width
// 64–100) one thread is faster, and on a loaded 2-core host much faster (measured here: 3.5 ms per step
// of the sigmoid network with one thread, 40–200 ms with libtorch's default). The backend is touched
// first so that our loader, not TorchSharp's, loads libtorch.
_ = TorchBackend.CpuFloat64;
TorchSharp.torch.set_num_threads(1);

var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : DefaultOutput();
Directory.CreateDirectory(output);
var console = Report.Console;
var all = parts.Contains("all");
var total = Stopwatch.StartNew();
if (all || parts.Contains("trace"))
{
    ChainRuleTrace.Run(console, output);
}

if (all || parts.Contains("vanishing"))
{
    VanishingGradients.Run(console, output, quick);
}

if (all || parts.Contains("init"))
{
    InitializationComparison.Run(console, output, quick);
}

console.MarkupLine($"[grey]done in {total.Elapsed.TotalSeconds:F1} s; files in {Markup.Escape(Path.GetFullPath(output))}[/]");
return 0;

// examples/Gradients/out when run from the repository root (as the README does), else ./out beside the project.
static string DefaultOutput()
{
    var fromRoot = Path.Combine("examples", "Gradients");
    return Directory.Exists(fromRoot) ? Path.Combine(fromRoot, "out")
        : File.Exists("Gradients.csproj") ? "out"
        : "gradients-out";
}
