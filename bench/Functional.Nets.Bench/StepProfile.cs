using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// <c>--profile-step W B</c>: where the time of one MLP step (784-W-W-10, batch B) goes, ours against TorchSharp's,
/// phase by phase: each phase timed alone in alternation with its peer (median per call, µs), in one process.
/// </summary>
public static class StepProfile
{
    /// <summary>Prints the phases.</summary>
    public static void Run(Dataset data, int width, int batchSize)
    {
        var widths = new[] { MlpStepBench.Widths[0], width, width, MlpStepBench.Widths[^1] };
        var backend = (TorchBackend)data.Backend;
        var model = MlpStepBench.Model(widths);
        var adam = Optim.Adam(MlpStepBench.LearningRate);
        var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, adam);
        var initial = trainer.Init(Key.FromSeed(7), backend);
        using var batch = data.Batches(batchSize, Key.FromSeed(8)).First();
        using var classes = tensor(batch.Labels!.Select(l => (long)l).ToArray(), int64);
        using var peer = new TorchSharpMlp(widths, initial.Parameters, MlpStepBench.LearningRate);
        var parameters = initial.Parameters;
        var optimizerState = initial.OptimizerState;
        var (_, gradients) = Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, batch.Inputs), batch.Targets), parameters);
        var logits = model.Apply(parameters, batch.Inputs);

        var state = initial;
        void OurStep()
        {
            var (next, _) = trainer.Step(state, batch, donate: !ReferenceEquals(state, initial));
            if (!ReferenceEquals(state, initial))
            {
                state.ReleaseUnshared(next);
            }

            state = next;
        }

        void Phase(string name, Action ours, Action theirs, string peer = "TorchSharp")
        {
            var (o, t, ratio) = PairedRuns.Run(ours, theirs, warmup: 1, block: 50, repeats: 9);
            Console.WriteLine($"{name,-44} ours {1e6 / o.Median,9:F1} µs   {peer} {1e6 / t.Median,9:F1} µs   ratio {ratio.Median:F3}");
        }

        Console.WriteLine($"MLP 784-{width}-{width}-10, batch {batchSize}, load {ResidentMemory.LoadAverage()}");
        // Managed bytes allocated per call on this thread (after warm-up): what the garbage collector has to collect per step.
        long Allocated(Action op, int calls = 200)
        {
            for (var i = 0; i < 20; i++)
            {
                op();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < calls; i++)
            {
                op();
            }

            return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        }

        // TorchSharp tensor handles created per call (each one a native call and a native free): a count the load cannot change.
        double Handles(Action op, int calls = 100) => ProfilePhases.Handles(op, calls);

        Console.WriteLine($"tensor handles per step: ours {Handles(OurStep)}, TorchSharp {Handles(() => peer.Step(TorchBackend.ToTorch(batch.Inputs), classes))}");
        Console.WriteLine($"tensor handles per forward + backward: ours {Handles(() => { using var scope = backend.Scope(); Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, batch.Inputs), batch.Targets), parameters); })}, TorchSharp {Handles(() => peer.ForwardBackward(TorchBackend.ToTorch(batch.Inputs), classes))}");
        Console.WriteLine($"tensor handles per ValueAndGrad of a trivial f: {Handles(() => { using var scope = backend.Scope(); Grad.ValueAndGrad(p => p[0].Value.Sum(), parameters); })}");
        Console.WriteLine($"tensor handles per forward (model and loss): ours {Handles(() => { using var scope = backend.Scope(); Losses.SoftmaxCrossEntropy(model.Apply(parameters, batch.Inputs), batch.Targets).Item(); })}");
        Console.WriteLine($"tensor handles per optimizer step: ours pure {Handles(() => { using var scope = backend.Scope(); adam.Step(gradients, optimizerState, parameters); })}, torch.optim {Handles(peer.OptimizerStep)}");
        Console.WriteLine($"managed bytes per step: ours {Allocated(OurStep)}, TorchSharp {Allocated(() => peer.Step(TorchBackend.ToTorch(batch.Inputs), classes))}");
        Console.WriteLine($"managed bytes per ValueAndGrad of a trivial f (sum of one leaf): {Allocated(() => { using var scope = backend.Scope(); Grad.ValueAndGrad(p => p[0].Value.Sum(), parameters); })}");
        Console.WriteLine($"managed bytes per forward (model and loss, no recording): {Allocated(() => { using var scope = backend.Scope(); Losses.SoftmaxCrossEntropy(model.Apply(parameters, batch.Inputs), batch.Targets).Item(); })}");
        Console.WriteLine($"managed bytes per model forward alone: {Allocated(() => { using var scope = backend.Scope(); model.Apply(parameters, batch.Inputs); })}");
        Console.WriteLine($"managed bytes per pure optimizer step: {Allocated(() => { using var scope = backend.Scope(); adam.Step(gradients, optimizerState, parameters); })}");
        Console.WriteLine($"managed bytes per forward + backward: ours {Allocated(() => { using var scope = backend.Scope(); Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, batch.Inputs), batch.Targets), parameters); })}, TorchSharp {Allocated(() => peer.ForwardBackward(TorchBackend.ToTorch(batch.Inputs), classes))}");
        Phase("whole step (Trainer.Step, donating)", OurStep, () => peer.Step(TorchBackend.ToTorch(batch.Inputs), classes));
        Phase("forward + backward", () =>
        {
            using var scope = backend.Scope();
            Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, batch.Inputs), batch.Targets), parameters);
        }, () => peer.ForwardBackward(TorchBackend.ToTorch(batch.Inputs), classes));
        Phase("forward only (no recording)", () =>
        {
            using var scope = backend.Scope();
            Losses.SoftmaxCrossEntropy(model.Apply(parameters, batch.Inputs), batch.Targets).Item();
        }, () =>
        {
            using var scope = NewDisposeScope();
            using var g = no_grad();
            ((TorchSharp.Modules.Sequential)typeof(TorchSharpMlp).GetField("module", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(peer)!)
                .forward(TorchBackend.ToTorch(batch.Inputs)).sum().item<float>();
        });
        Phase("optimizer step (pure, ours) vs optim.step", () =>
        {
            using var scope = backend.Scope();
            adam.Step(gradients, optimizerState, parameters);
        }, peer.OptimizerStep);
        Phase("accuracy count vs argmax.eq.sum.item", () => Metrics.CountCorrect(logits, batch.Labels!), () =>
        {
            using var scope = NewDisposeScope();
            TorchBackend.ToTorch(logits).argmax(1).eq(classes).sum().item<long>();
        });
        // The MNIST MLP's dropout draws (128 × (512 + 256) numbers): Key.Uniform against the same words made by Key.Bits one at a time.
        var maskKey = Key.FromSeed(5);
        Phase("host draws for the MNIST MLP's masks", () => maskKey.Uniform(128 * 768), () =>
        {
            var u = new double[128 * 768];
            for (var i = 0; i < u.Length; i++)
            {
                u[i] = (maskKey.Bits(i) >> 11) * (1.0 / (1UL << 53));
            }
        }, peer: "Bits loop");
        Phase("whole step again (after the JIT's tiering)", OurStep, () => peer.Step(TorchBackend.ToTorch(batch.Inputs), classes));
    }
}
