using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// BenchmarkDotNet's view of (b), for a second opinion on the harness: one Adam step over 100 leaves (50 Dense 64→64,
/// float32), ours against <c>torch.optim.Adam</c>. In process (no separate build), one libtorch thread.
/// Run with <c>-- --micro</c>.
/// </summary>
[Config(typeof(InProcessConfig))]
public class OptimizerStepMicro
{
    private readonly Optimizer optimizer = Optim.Adam(1e-3);
    private TensorTree parameters = TensorTree.Empty;
    private TensorTree gradients = TensorTree.Empty;
    private TensorTree state = TensorTree.Empty;
    private TorchSharp.Modules.Parameter[] peerParameters = [];
    private optim.Optimizer? peer;

    /// <summary>Builds both optimizers' inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchBackend.Threads = 1;
        var backend = TorchBackend.CpuFloat32;
        var model = new Sequential([.. Enumerable.Range(0, OptimizerStepBench.Layers).Select(_ => (Layer)new Dense(OptimizerStepBench.Width, OptimizerStepBench.Width))]);
        parameters = model.Init(Key.FromSeed(11), backend);
        using var x = backend.FromArray(Key.FromSeed(12).Normal(8 * OptimizerStepBench.Width), 8, OptimizerStepBench.Width);
        (_, gradients) = Grad.ValueAndGrad(p => model.Apply(p, x).Tanh().Sum(), parameters);
        state = optimizer.Init(parameters);
        peerParameters = [.. parameters.Select(l => new TorchSharp.Modules.Parameter(TorchBackend.ToTorch(l.Value).detach().clone()) { grad = TorchBackend.ToTorch(gradients[l.Key]).detach().clone() })];
        peer = optim.Adam(peerParameters, 1e-3);
    }

    /// <summary>Our pure step (its results released at once).</summary>
    [Benchmark]
    public void FunctionalNets()
    {
        using var scope = parameters[0].Value.Backend.Scope();
        optimizer.Step(gradients, state, parameters);
    }

    /// <summary>TorchSharp's in-place step.</summary>
    [Benchmark(Baseline = true)]
    public void TorchOptim() => TorchSharpScalarRace.Run(() => peer!.step());

    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
