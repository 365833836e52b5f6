using Functional.Nets;
using Functional.Nets.Bench;
using Functional.Nets.Torch;

// Usage: dotnet run -c Release --project bench/Functional.Nets.Bench -- [--quick | --full] [--threads N] [--only a,b,c,d,e,f,g,h,i,j]
//        dotnet run -c Release --project bench/Functional.Nets.Bench -- --profile-step W B | --profile-cnn | --profile-lstm
//        [--out PATH] [--micro (BenchmarkDotNet's optimizer-step micro-benchmark instead)]
if (args.Contains("--micro"))
{
    BenchmarkDotNet.Running.BenchmarkRunner.Run<OptimizerStepMicro>();
    return 0;
}

var settings = args.Contains("--full") ? BenchSettings.Full : BenchSettings.Quick;
var only = Option("--only")?.Split(',') ?? ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"];
var root = FindRepositoryRoot();
var output = Option("--out") ?? Path.Combine(root, "bench", "results", "latest.json");

// One intra-op thread by default: on this shared 2-core host, libtorch's spinning OpenMP workers lose badly whenever
// another process holds a core (see TorchBackend.Threads). Both contenders run in this process with the same setting.
TorchBackend.Threads = int.Parse(Option("--threads") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
var clock = System.Diagnostics.Stopwatch.StartNew();
var results = new BenchResults { Settings = settings, TorchThreads = TorchBackend.Threads, Load = (ResidentMemory.LoadAverage(), "") };
var mnist = Path.Combine(root, "..", "shared", "data", "mnist10k");
using var data = Mnist.Load(mnist, TorchBackend.CpuFloat32);

if (args.Contains("--profile-step"))
{
    var at = Array.IndexOf(args, "--profile-step");
    StepProfile.Run(data, int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[at + 2], System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

if (args.Contains("--profile-cnn"))
{
    CnnStepProfile.Run(mnist);
    return 0;
}

if (args.Contains("--profile-lstm"))
{
    LstmStepProfile.Run();
    return 0;
}

void Section(string id, string what, Action run)
{
    if (only.Contains(id))
    {
        Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] ({id}) {what} (load {ResidentMemory.LoadAverage()})");
        run();
    }
}

Section("a", "MLP training step vs TorchSharp (donating, as Fit does)", () => results.Mlp = MlpStepBench.Run(data, settings, donate: true));
Section("a", "MLP training step vs TorchSharp (pure steps)", () => results.MlpPure = MlpStepBench.Run(data, settings, donate: false));
Section("b", "optimizer step vs torch.optim", () =>
{
    results.OptimizerStep = OptimizerStepBench.Run(settings);
    results.AdamWStep = OptimizerStepBench.Run(settings, adamW: true);
});
Section("c", "dense throughput, Reference vs libtorch float64", () => results.Dense = DenseThroughputBench.Run(settings));
Section("d", "gradient check, fast mode", () => results.GradCheck = GradCheckBench.Run(data, settings));
Section("f", "MLP training step with the first two layers frozen vs all trainable", () => results.Freezing = FreezingBench.Run(data, settings));
Section("g", "LSTM training step vs TorchSharp nn.LSTM", () => results.Lstm = LstmStepBench.Run(settings));
Section("h", "CNN training step vs TorchSharp nn.Module", () => results.Cnn = CnnStepBench.Run(mnist, settings));
Section("i", "MLP step vs TorchSharp across widths and batch sizes", () => results.Sweep = SweepBench.Run(data, settings));
Section("j", "dropout masks drawn on the host vs precomputed on the device (MLP, CNN steps)", () => results.Randomness = RandomnessCostBench.Run(data, mnist, settings));
Section("m", "convolution throughput, Reference vs libtorch float64", () => results.Conv = ConvThroughputBench.Run(settings));
Section("k", "embedding step, sparse vs dense gradients (100,000 × 100 table)", () => results.SparseEmbedding = SparseEmbeddingBench.Run(settings));
Section("l", "word2vec on the Brown corpus vs gensim 4.2", () => results.Word2Vec = Word2VecBench.Run(Path.Combine(root, "..", "shared", "data", "brown", "brown-tagged.txt.gz")));
Section("e", $"memory soaks, {settings.SoakSteps:N0} steps each", () =>
{
    using var train = data.Slice(0, 8000);
    results.Soaks = MemorySoak.Run(train, settings, Path.Combine(Path.GetTempPath(), $"fnets-bench-{Environment.ProcessId}.safetensors"));
});

results.Load = (results.Load.Start, ResidentMemory.LoadAverage());
results.Seconds = clock.Elapsed.TotalSeconds;
ResultsTable.Write(results);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllText(output, results.ToJson());
Console.WriteLine($"wrote {Path.GetRelativePath(Environment.CurrentDirectory, output)} ({results.Seconds:F0} s)");
return results.Bars().All(b => b.Met) ? 0 : 1;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

// The repository root: the nearest folder upward holding Functional.sln (the results and ../shared live beside it).
static string FindRepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
            {
                return dir.FullName;
            }
        }
    }

    throw new DirectoryNotFoundException("Functional.Nets.Bench: run it from inside the repository (no Functional.sln found above the current folder)");
}
