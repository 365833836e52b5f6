using Functional.Nets.Torch;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Bench;

/// <summary>
/// <c>--profile-cnn</c>: where the time of (h)'s CNN step goes, ours against TorchSharp's, phase by phase: each
/// phase timed alone in alternation with its peer (median per call, ms), in one process, with the tensor handles a
/// phase creates.
/// </summary>
public static class CnnStepProfile
{
    /// <summary>Prints the phases.</summary>
    public static void Run(string mnistDirectory)
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = Mnist.Load(mnistDirectory, backend, layout: MnistLayout.Images);
        var model = CnnStepBench.Model();
        var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Adam(CnnStepBench.LearningRate));
        var initial = trainer.Init(Key.FromSeed(13), backend);
        using var batch = data.Batches(CnnStepBench.BatchSize, Key.FromSeed(14)).First();
        using var classes = tensor(batch.Labels!.Select(l => (long)l).ToArray(), int64);
        using var peer = new TorchSharpCnn(initial.Parameters, CnnStepBench.LearningRate);
        var inputs = TorchBackend.ToTorch(batch.Inputs);
        var parameters = initial.Parameters;
        var layerState = initial.LayerState;
        var key = Key.FromSeed(3);

        void Phase(string name, Action ours, Action theirs) => ProfilePhases.Print(name, ours, theirs, block: 3, repeats: 7);

        double Handles(Action op, int calls = 5) => ProfilePhases.Handles(op, calls);

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

        void OurForwardBackward()
        {
            using var scope = backend.Scope();
            Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, layerState, batch.Inputs, Context.Train(key)).Output, batch.Targets), parameters);
        }

        void OurForward()
        {
            using var scope = backend.Scope();
            Losses.SoftmaxCrossEntropy(model.Apply(parameters, layerState, batch.Inputs, Context.Train(key)).Output, batch.Targets).Item();
        }

        void TheirForward()
        {
            using var scope = NewDisposeScope();
            using var g = no_grad();
            peer.Loss(inputs, classes).item<float>();
        }

        Console.WriteLine($"CNN step, batch {CnnStepBench.BatchSize}, libtorch threads {TorchBackend.Threads}, load {ResidentMemory.LoadAverage()}");
        Console.WriteLine($"tensor handles per step: ours {Handles(OurStep)}, TorchSharp {Handles(() => peer.Step(inputs, classes))}");
        Console.WriteLine($"tensor handles per forward + backward: ours {Handles(OurForwardBackward)}, TorchSharp {Handles(() => peer.ForwardBackward(inputs, classes))}");
        Phase("whole step", OurStep, () => TorchSharpScalarRace.Run(() => peer.Step(inputs, classes)));
        Phase("forward + backward (train mode)", OurForwardBackward, () => peer.ForwardBackward(inputs, classes));
        Phase("forward only (train mode, no recording)", OurForward, TheirForward);

        // The trainer's objective (loss, new running statistics as aux, the correct count) differentiated as the step
        // does it, without the optimizer: what the step adds to forward + backward before the update.
        var objective = Objectives.Supervised(model, Losses.SoftmaxCrossEntropy);
        void OurObjectiveGradient()
        {
            using var scope = backend.Scope();
            var (loss, _, _) = Grad.ValueAndGradTrainableWithAux(
                p =>
                {
                    var r = objective(p, layerState, batch, key);
                    return (r.Loss, r.State);
                },
                parameters,
                TensorTree.Empty);
            loss.Item();
        }

        Phase("objective value + gradient (step's path)", OurObjectiveGradient, () => peer.ForwardBackward(inputs, classes));

        // Adam alone on fixed gradients: ours undonated inside a scope (its results released), theirs torch.optim.Adam.step()
        // on the .grad its last backward left.
        var (_, fixedGradients) = Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, layerState, batch.Inputs, Context.Train(key)).Output, batch.Targets), parameters);
        peer.ForwardBackward(inputs, classes);
        void OurAdam()
        {
            using var scope = backend.Scope();
            trainer.Optimizer.Step(fixedGradients, initial.OptimizerState, parameters);
        }

        Phase("optimizer only (Adam)", OurAdam, () => TorchSharpScalarRace.Run(peer.OptimizerStep));
        Console.WriteLine($"tensor handles per Adam: ours {Handles(OurAdam)}, TorchSharp {Handles(peer.OptimizerStep)}");

        // Layer by layer, forward in training mode without recording, against the peer's module at the same index.
        var modules = peer.Layers;
        var x = batch.Inputs;
        var tx = inputs;
        for (var i = 0; i < model.Layers.Count; i++)
        {
            var name = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var layer = model.Layers[i];
            var input = x;
            var theirInput = tx;
            var context = Context.Train(key).ForChild(i);
            void OurLayer()
            {
                using var scope = backend.Scope();
                layer.Apply(parameters.Child(name), layerState.Child(name), input, context);
            }

            void TheirLayer()
            {
                using var scope = NewDisposeScope();
                using var g = no_grad();
                modules[i].forward(theirInput);
            }

            Phase($"  {i,2} {layer}", OurLayer, TheirLayer);
            Console.WriteLine($"       handles: ours {Handles(OurLayer)}, TorchSharp {Handles(TheirLayer)}");
            x = layer.Apply(parameters.Child(name), layerState.Child(name), input, context).Output;
            using (no_grad())
            {
                tx = modules[i].forward(theirInput);
            }

            // The memory layout each side's kernels see next (a channels-last or strided result takes other kernels).
            var ourNative = TorchBackend.ToTorch(x);
            Console.WriteLine($"       output strides: ours [{string.Join(", ", ourNative.stride())}], TorchSharp [{string.Join(", ", tx.stride())}]");
        }

        state.ReleaseUnshared(initial);
    }
}
