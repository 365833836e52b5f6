// Recurrent networks, three parts (pass --quick for a few steps of each, as CI runs it; --only gates|names|long for one):
//  1. the lecture's LSTM gates for one short input, written out from an LstmCell's parameters step by step
//     (fₜ, iₜ, C̃ₜ, Cₜ, oₜ, hₜ) and checked against the cell's own output;
//  2. a character-level language model of English first names (../shared/data/names): LSTM and GRU against an
//     add-k bigram computed here, held-out bits per character, and sampled names;
//  3. the long-dependency experiment: classify the first symbol of a sequence after T − 1 distractors, plain RNN vs
//     LSTM vs GRU by length, and the ‖∂L/∂hₖ‖ plot (out/rnn-hidden-gradients.png).
// Training runs on Torch float32 with one libtorch thread (its spinning workers cost more than they give on ops this
// small); the diagnostic runs on the Reference backend in float64.
using System.Diagnostics;
using System.Globalization;
using Functional.Nets.Examples;
using Functional.Nets.Examples.Rnn;
using Functional.Nets.Torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var quick = args.Contains("--quick");
var at = Array.IndexOf(args, "--only");
var only = at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
if (only is not (null or "gates" or "names" or "long"))
{
    Console.Error.WriteLine($"Rnn: --only takes gates, names or long, got {only}");
    return 2;
}

var root = Repository.Root();
TorchBackend.Threads = 1;
var clock = Stopwatch.StartNew();

var failures = new List<string>();
if (only is null or "gates")
{
    failures.AddRange(LstmGates.Run());
}

if (only is null or "names")
{
    failures.AddRange(NamesModel.Run(Path.Combine(root, "..", "shared", "data", "names"), quick));
}

if (only is null or "long")
{
    failures.AddRange(LongDependency.Run(Path.Combine(root, "out"), quick));
}

Console.WriteLine($"wall time: {clock.Elapsed.TotalSeconds:F1} s{(quick ? " (--quick)" : "")}, load average {Load()}");
foreach (var f in failures)
{
    Console.Error.WriteLine($"FAILED: {f}");
}

return failures.Count == 0 ? 0 : 1;

// The 1, 5 and 15 minute load averages, when the system tells them: timings on a shared machine mean little without them.
static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
