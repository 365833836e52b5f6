using Functional.Nets.Torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (f) What freezing saves: one training step of the MLP 784-512-512-10 on MNIST batches of 128 with Adam in float32
/// on the CPU, with its first two Dense layers frozen (<see cref="Trainer.Frozen"/>: no gradient computed for them, no
/// optimizer work) against the same step with every layer trainable, both through the public <see cref="Trainer.Step"/>,
/// donating as <see cref="Trainer.Fit"/> does, timed in alternation by <see cref="PairedRuns"/>.
/// </summary>
/// <remarks>
/// Expected saving: the backward pass of a Dense layer is two products (weight gradient xᵀ·ȳ and input gradient ȳ·Wᵀ),
/// each as costly as its forward product. Frozen first layers need neither (nothing before them is trained), so the
/// step drops from about 3 × (784·512 + 512·512 + 512·10) to 1 × (784·512 + 512·512) + 3 × 512·10 multiply-adds per
/// sample, and Adam updates 5,130 instead of 669,706 parameters: at most about a third of the full step's time.
/// </remarks>
public static class FreezingBench
{
    /// <summary>The widths of the MLP.</summary>
    public static readonly int[] Widths = [784, 512, 512, 10];

    /// <summary>The frozen leaves: the two hidden Dense layers, children 0 and 2 of the Sequential.</summary>
    public static readonly Func<string, bool> Frozen = TrainPart.Under("0", "2");

    /// <summary>The model.</summary>
    public static Sequential Model() =>
        new(new Dense(Widths[0], Widths[1]), new ReLU(), new Dense(Widths[1], Widths[2]), new ReLU(), new Dense(Widths[2], Widths[3]));

    /// <summary>Measures both steps; the ratio is frozen step time / full step time per repeat.</summary>
    public static FreezingResult Run(Dataset data, BenchSettings settings)
    {
        var backend = (TorchBackend)data.Backend;
        var full = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(MlpStepBench.LearningRate));
        var frozen = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(MlpStepBench.LearningRate)) { Frozen = Frozen };
        var fullInitial = full.Init(Key.FromSeed(7), backend);
        var frozenInitial = frozen.Init(Key.FromSeed(7), backend);
        var batches = data.Batches(MlpStepBench.BatchSize, Key.FromSeed(8)).Take(settings.Batches).ToArray();

        Action Stepper(Trainer trainer, TrainState initial, Action<TrainState> last)
        {
            var state = initial;
            long step = 0;
            return () =>
            {
                var (next, _) = trainer.Step(state, batches[step++ % batches.Length], donate: !ReferenceEquals(state, initial));
                if (!ReferenceEquals(state, initial))
                {
                    state.ReleaseUnshared(next);
                }

                state = next;
                last(state);
            };
        }

        TrainState fullState = fullInitial, frozenState = frozenInitial;
        var fullStep = Stepper(full, fullInitial, s => fullState = s);
        var frozenStep = Stepper(frozen, frozenInitial, s => frozenState = s);

        // Rates of (full, frozen): the per-repeat ratio full rate / frozen rate is frozen step time / full step time.
        var (rates, _, _) = PairedRuns.RunCountingFaults(fullStep, frozenStep, settings.Warmup, settings.MlpSteps, settings.Repeats);

        // The frozen run's backbone came through every step as the very tensors it started with.
        var untouched = frozenInitial.Parameters.Where(Frozen).All(l => ReferenceEquals(l.Value, frozenState.Parameters[l.Key]));
        var trainable = frozenInitial.Parameters.Without(Frozen).ParameterCount;
        var total = frozenInitial.Parameters.ParameterCount;

        fullState.ReleaseUnshared(fullInitial);
        frozenState.ReleaseUnshared(frozenInitial);
        foreach (var s in new[] { fullInitial, frozenInitial })
        {
            s.Parameters.Dispose();
            s.OptimizerState.Dispose();
        }

        foreach (var b in batches)
        {
            b.Dispose();
        }

        return new FreezingResult(rates.Theirs, rates.Ours, rates.Ratio, trainable, total, untouched);
    }
}

/// <summary>What (f) measured.</summary>
/// <param name="Frozen">Steps per second with the first two layers frozen.</param>
/// <param name="Full">Steps per second with every layer trainable.</param>
/// <param name="TimeRatio">Frozen step time / full step time, per repeat.</param>
/// <param name="TrainableParameters">Parameters the frozen run trains.</param>
/// <param name="Parameters">Parameters of the model.</param>
/// <param name="FrozenUntouched">Whether the frozen leaves were the initial tensors after every step.</param>
public sealed record FreezingResult(Spread Frozen, Spread Full, Spread TimeRatio, long TrainableParameters, long Parameters, bool FrozenUntouched);
