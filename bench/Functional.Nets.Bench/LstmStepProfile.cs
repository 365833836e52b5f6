using Functional.Nets.Torch;
using static TorchSharp.torch;

namespace Functional.Nets.Bench;

/// <summary>
/// <c>--profile-lstm</c>: where the time of (g)'s LSTM step goes, ours against TorchSharp's <c>nn.LSTM</c>, phase by
/// phase: each phase timed alone in alternation with its peer (median per call, ms), in one process, with the
/// tensor handles a phase creates.
/// </summary>
public static class LstmStepProfile
{
    /// <summary>Prints the phases.</summary>
    public static void Run()
    {
        var backend = TorchBackend.CpuFloat32;
        var model = LstmStepBench.Model();
        var trainer = new Trainer(model, Losses.MeanSquaredError, Optim.Adam(LstmStepBench.LearningRate));
        var initial = trainer.Init(Key.FromSeed(11), backend);
        var keys = Key.FromSeed(12).Split(2);
        var x = backend.FromArray(keys[0].Uniform(LstmStepBench.BatchSize * LstmStepBench.Steps * LstmStepBench.Inputs, -1, 1), new Shape(LstmStepBench.BatchSize, LstmStepBench.Steps, LstmStepBench.Inputs));
        var y = backend.FromArray(keys[1].Uniform(LstmStepBench.BatchSize * LstmStepBench.Steps * LstmStepBench.Hidden, -0.5, 0.5), new Shape(LstmStepBench.BatchSize, LstmStepBench.Steps, LstmStepBench.Hidden));
        var batch = new Batch(x, y, null, Enumerable.Range(0, LstmStepBench.BatchSize).ToArray());
        using var peer = new TorchSharpLstm(initial.Parameters, LstmStepBench.LearningRate);
        var tx = TorchBackend.ToTorch(x);
        var ty = TorchBackend.ToTorch(y);
        var parameters = initial.Parameters;

        // One call of each per repeat, as (g) (LstmStepBench.Run), so that neighbouring calls are compared.
        void Phase(string name, Action ours, Action theirs) => ProfilePhases.Print(name, ours, theirs, block: 1, repeats: 21);

        double Handles(Action op, int calls = 2) => ProfilePhases.Handles(op, calls);

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
            Grad.ValueAndGrad(p => Losses.MeanSquaredError(model.Apply(p, TensorTree.Empty, x, Context.Eval).Output, y), parameters);
        }

        // The same on the parameters a step leaves (views into the optimizer's flat buffer where the backend packs them).
        void OurForwardBackwardStepped()
        {
            using var scope = backend.Scope();
            Grad.ValueAndGrad(p => Losses.MeanSquaredError(model.Apply(p, TensorTree.Empty, x, Context.Eval).Output, y), state.Parameters);
        }

        void OurForward()
        {
            using var scope = backend.Scope();
            Losses.MeanSquaredError(model.Apply(parameters, TensorTree.Empty, x, Context.Eval).Output, y).Item();
        }

        void TheirForwardBackward()
        {
            using var scope = NewDisposeScope();
            var (output, _, _) = peer.Module.forward(tx);
            nn.functional.mse_loss(output, ty).backward();
            peer.Module.zero_grad();
        }

        void TheirForward()
        {
            using var scope = NewDisposeScope();
            using var g = no_grad();
            var (output, _, _) = peer.Module.forward(tx);
            nn.functional.mse_loss(output, ty).item<float>();
        }

        // The optimizer alone on fixed gradients: ours the pure Adam step (new parameters and state, the old released),
        // theirs torch.optim.Adam.step() on the .grad one backward left.
        var adam = Optim.Adam(LstmStepBench.LearningRate);
        var (_, fixedGrads) = Grad.ValueAndGrad(p => Losses.MeanSquaredError(model.Apply(p, TensorTree.Empty, x, Context.Eval).Output, y), parameters);
        var adamParameters = parameters.Map(t => t.Backend.FromArray(t.ToArray(), t.Shape));
        var adamState = adam.Init(adamParameters);
        void OurUpdate()
        {
            var (p, st) = adam.Step(fixedGrads, adamState, adamParameters);
            adamParameters.Dispose();
            adamState.Dispose();
            (adamParameters, adamState) = (p, st);
        }

        Console.WriteLine($"LSTM step, libtorch threads {TorchBackend.Threads}, load {ResidentMemory.LoadAverage()}");
        Console.WriteLine($"tensor handles per forward + backward: ours {Handles(OurForwardBackward)}, TorchSharp {Handles(TheirForwardBackward)}");
        Phase("whole step", OurStep, () => TorchSharpScalarRace.Run(() => peer.Step(tx, ty)));
        Phase("forward + backward", OurForwardBackward, TheirForwardBackward);
        Phase("forward + backward, stepped parameters", OurForwardBackwardStepped, TheirForwardBackward);
        Phase("forward only (no recording)", OurForward, TheirForward);
        using (var s = NewDisposeScope())
        {
            var (output, _, _) = peer.Module.forward(tx);
            nn.functional.mse_loss(output, ty).backward();
        }

        Phase("optimizer update only", OurUpdate, peer.OptimizerStep);
        state.ReleaseUnshared(initial);
    }
}
