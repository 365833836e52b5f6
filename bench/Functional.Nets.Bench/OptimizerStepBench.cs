using Functional.Nets.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (b) The optimizer step alone on a model of many small leaves: 50 Dense 64→64 layers (100 leaves, 208,000
/// parameters) in float32, ours (<see cref="Optimizer.Step"/> on the gradient tree <see cref="Grad.ValueAndGrad"/>
/// returns) against <c>torch.optim.Adam.step()</c> on parameters whose <c>.grad</c> holds the same gradients; and the
/// same for AdamW (λ = 0.01) against <c>torch.optim.AdamW</c>.
/// </summary>
public static class OptimizerStepBench
{
    /// <summary>Dense layers in the model.</summary>
    public const int Layers = 50;

    /// <summary>Width of every layer.</summary>
    public const int Width = 64;

    /// <summary>AdamW's decoupled decay λ, PyTorch's default.</summary>
    public const double WeightDecay = 1e-2;

    /// <summary>Measures steps per second of both and their ratio, for Adam or (<paramref name="adamW"/>) AdamW.</summary>
    public static (Spread Ours, Spread Theirs, Spread Ratio, int Leaves) Run(BenchSettings settings, bool adamW = false)
    {
        var backend = TorchBackend.CpuFloat32;
        var model = new Sequential([.. Enumerable.Range(0, Layers).Select(_ => (Layer)new Dense(Width, Width))]);
        var parameters = model.Init(Key.FromSeed(11), backend);
        using var x = backend.FromArray(Key.FromSeed(12).Normal(8 * Width), 8, Width);
        var (value, gradients) = Grad.ValueAndGrad(p => model.Apply(p, x).Tanh().Sum(), parameters);
        value.Dispose();

        var optimizer = adamW ? Optim.AdamW(1e-3, weightDecay: WeightDecay) : Optim.Adam(1e-3);
        var state = optimizer.Init(parameters);
        var p = parameters;
        void Ours()
        {
            using var scope = backend.Scope();
            var (nextP, nextS) = optimizer.Step(gradients, state, p);
            scope.Keep(nextP);
            scope.Keep(nextS);
            if (!ReferenceEquals(p, parameters))
            {
                p.Dispose();
            }

            state.Dispose();
            (p, state) = (nextP, nextS);
        }

        var theirParameters = parameters.Select(l =>
        {
            var t = new TorchSharp.Modules.Parameter(TorchBackend.ToTorch(l.Value).detach().clone());
            t.grad = TorchBackend.ToTorch(gradients[l.Key]).detach().clone();
            return t;
        }).ToArray();
        using optim.Optimizer adam = adamW ? optim.AdamW(theirParameters, 1e-3, weight_decay: WeightDecay) : optim.Adam(theirParameters, 1e-3);
        void Theirs() => TorchSharpScalarRace.Run(() => adam.step());

        var result = PairedRuns.Run(Ours, Theirs, settings.Warmup, settings.OptimizerSteps, settings.Repeats);
        if (!ReferenceEquals(p, parameters))
        {
            p.Dispose();
        }

        state.Dispose();
        parameters.Dispose();
        gradients.Dispose();
        foreach (var t in theirParameters)
        {
            t.Dispose();
        }

        return (result.Ours, result.Theirs, result.Ratio, parameters.Count);
    }
}
