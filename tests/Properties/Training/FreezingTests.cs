using Functional.Nets.Tests.Checkpoints;
using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// Freezing that skips the work (<see cref="Grad.ValueAndGradTrainable"/>, <see cref="TrainPart.Frozen"/>,
/// <see cref="Trainer.Frozen"/>): frozen leaves enter the function as constants, so no gradient is ever computed for
/// them (they are not recorded: Torch builds no graph behind them, the Reference tape has no leaf for them, and the
/// gradient tree holds the trainable names only); they come out of every step bit-identical, the trainable leaves
/// equal a hand-written loop that treats the frozen ones as constants, the optimizer state covers the trainable leaves
/// only, and a transfer toy (pretrain, save, load into a bigger model, freeze, train a new head) behaves as it should.
/// On every backend combination.
/// </summary>
public sealed class FreezingTests
{
    private const int Samples = 48;
    private const int BatchSize = 16;

    private static readonly Func<string, bool> Backbone = TrainPart.Under("0", "1");

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Frozen_leaves_are_constants_and_get_no_gradient(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        using var data = Data(backend, 3);
        var model = Model();
        var parameters = model.Init(Key.FromSeed(1), backend);
        var state = model.InitState(backend);
        var (frozen, trainable) = parameters.Partition(Backbone);
        var recorded = new Dictionary<string, bool>();

        var (value, _, grads) = Grad.ValueAndGradTrainableWithAux(
            p =>
            {
                foreach (var (name, leaf) in p)
                {
                    recorded[name] = leaf.IsRecorded;
                }

                var (y, next) = model.Apply(p, state, data.Inputs, Context.Train(Key.FromSeed(2)));
                return (Losses.SoftmaxCrossEntropy(y, data.Targets), next);
            },
            trainable,
            frozen);

        // The function saw every leaf; only the trainable ones were recorded (Torch: requires_grad; Reference: a tape node).
        Assert.Equal(parameters.Names.Order(), recorded.Keys.Order());
        Assert.All(frozen.Names, n => Assert.False(recorded[n], $"{combination}: frozen leaf '{n}' was recorded"));
        Assert.All(trainable.Names, n => Assert.True(recorded[n], $"{combination}: trainable leaf '{n}' was not recorded"));

        // The gradient tree has exactly the trainable names: the tape had one leaf per trainable leaf, and no more.
        Assert.Equal(trainable.Names, grads.Names);
        Assert.False(parameters["0.weight"].IsRecorded);

        // The trainable gradients are those of differentiating everything, restricted to the trainable leaves.
        var (full, _, allGrads) = Grad.ValueAndGradWithAux(
            p =>
            {
                var (y, next) = model.Apply(p, state, data.Inputs, Context.Train(Key.FromSeed(2)));
                return (Losses.SoftmaxCrossEntropy(y, data.Targets), next);
            },
            parameters);
        Assert.Equal(full.Item(), value.Item());
        Bits.Identical($"{combination}: trainable gradients against the full gradient", allGrads.Where(n => !Backbone(n)), grads);
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Frozen_trainer_steps_equal_a_hand_written_loop_and_leave_the_frozen_leaves_bit_identical(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var data = Data(backend, 4);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2)) { Frozen = Backbone };
        var initial = trainer.Init(Key.FromSeed(5), backend);
        var batches = data.Batches(BatchSize, Key.FromSeed(6)).ToList();

        // Freezing changes neither the initial parameters nor their keys; the optimizer state covers the trainable leaves only.
        Bits.Identical($"{combination}: initial parameters", new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2)).Init(Key.FromSeed(5), backend).Parameters, initial.Parameters);
        var expectedOptimizerState = trainer.Optimizer.Init(initial.Parameters.Without(Backbone));
        Assert.Equal(expectedOptimizerState.Names, initial.OptimizerState.Names);
        var frozenNames = initial.Parameters.Where(Backbone).Names.ToArray();
        Assert.DoesNotContain(initial.OptimizerState.Names, n => frozenNames.Any(f => n == f || n.EndsWith("." + f, StringComparison.Ordinal)));

        var expected = initial;
        var pure = initial;
        var donated = initial;
        for (var step = 0; step < 6; step++)
        {
            var batch = batches[step % batches.Count];
            expected = HandWritten(expected, batch, trainer);
            (pure, _) = trainer.Step(pure, batch);
            (donated, _) = trainer.Step(donated, batch, donate: step > 0);
        }

        Bits.Identical($"{combination}: frozen Trainer.Step against the hand-written loop", expected, pure);
        Bits.Identical($"{combination}: donated frozen Trainer.Step against the hand-written loop", expected, donated);

        // The frozen leaves are the very tensors the run started with; the trainable ones moved.
        Assert.All(initial.Parameters.Where(Backbone), l => Assert.Same(l.Value, pure.Parameters[l.Key]));
        Bits.Identical($"{combination}: frozen leaves after 6 steps", initial.Parameters.Where(Backbone), donated.Parameters.Where(Backbone));
        Assert.NotEqual(initial.Parameters["4.weight"].ToArray(), pure.Parameters["4.weight"].ToArray());

        // Fit takes the same steps.
        var (fitted, _) = trainer.Fit(initial, data, new FitOptions { Epochs = 2, BatchSize = BatchSize });
        var looped = initial;
        for (var epoch = 0; epoch < 2; epoch++)
        {
            foreach (var batch in data.Batches(BatchSize, initial.EpochKey(epoch)))
            {
                looped = HandWritten(looped, batch, trainer);
            }
        }

        Bits.Identical($"{combination}: frozen Trainer.Fit against the hand-written loop", looped, fitted);
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void A_frozen_part_of_a_multi_part_state_gets_no_gradient_and_keeps_its_leaves(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var data = Data(backend, 7);
        var model = Model();
        var part = TrainPart.Create("net", model, Optim.Sgd(0.1, momentum: 0.9), Key.FromSeed(8), backend).Freeze("0", "1");
        Assert.Equal(part.TrainableParameters.Names, part.Parameters.Without(Backbone).Names);
        var state = new MultiPartState([part], 0, Key.FromSeed(9));
        var seen = new List<(string Name, bool Recorded)>();
        var supervised = Objectives.Supervised(model, Losses.SoftmaxCrossEntropy);
        var trainer = new MultiPartTrainer(new PartUpdate(
            Objectives.OnPart("net", (p, s, batch, key) =>
            {
                seen.AddRange(p.Select(l => (l.Key, l.Value.IsRecorded)));
                return supervised(p, s, batch, key);
            }),
            "net"));

        var current = state;
        foreach (var batch in data.Batches(BatchSize, Key.FromSeed(10)))
        {
            (current, _) = trainer.Step(current, batch);
        }

        Assert.NotEmpty(seen);
        Assert.All(seen, s => Assert.Equal(!Backbone(s.Name), s.Recorded));
        Bits.Identical($"{combination}: the frozen leaves", part.FrozenParameters, current["net"].FrozenParameters);
        Assert.Equal(part.Parameters.Names, current["net"].Parameters.Names);
        Assert.Equal(part.OptimizerState.Names, current["net"].OptimizerState.Names);

        // A checkpoint saves every leaf, frozen or not, and loads back into the frozen part.
        var path = Path.Combine(Path.GetTempPath(), $"freeze-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(path, current);
            var loaded = Checkpoint.Load(path, backend, current);
            Bits.Identical($"{combination}: every leaf saved", current["net"].Parameters, loaded["net"].Parameters);
            Assert.NotNull(loaded["net"].Frozen);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void On_Torch_the_frozen_native_tensors_never_require_grad_nor_hold_a_gradient()
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = Data(backend, 11);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2)) { Frozen = Backbone };
        var initial = trainer.Init(Key.FromSeed(12), backend);
        var natives = new List<(string Name, bool RequiresGrad)>();
        var model = trainer.Model;
        var probe = new MultiPartTrainer(new PartUpdate(
            Objectives.OnPart(Trainer.PartName, (p, s, batch, key) =>
            {
                natives.AddRange(p.Select(l => (l.Key, TorchBackend.ToTorch(l.Value).requires_grad)));
                return Objectives.Supervised(model, Losses.SoftmaxCrossEntropy)(p, s, batch, key);
            }),
            Trainer.PartName));
        var start = MultiPartState.FromTrainState(initial, trainer.Optimizer);
        start = start.With(start[Trainer.PartName] with { Frozen = Backbone });
        var (after, _) = probe.Step(start, data.Batches(BatchSize, Key.FromSeed(13)).First());

        Assert.All(natives, n => Assert.Equal(!Backbone(n.Name), n.RequiresGrad));
        foreach (var (name, leaf) in after[Trainer.PartName].FrozenParameters)
        {
            var native = TorchBackend.ToTorch(leaf);
            Assert.False(native.requires_grad, $"frozen '{name}' requires grad");
            Assert.True(native.grad is null, $"frozen '{name}' holds a gradient");
        }
    }

    [Fact]
    public void Frozen_Torch_steps_leave_the_live_count_unchanged()
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = Data(backend, 14);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2)) { Frozen = Backbone };
        var initial = trainer.Init(Key.FromSeed(15), backend);
        var options = new FitOptions { BatchSize = BatchSize };
        trainer.Fit(initial, data, options with { Epochs = 1 }).State.ReleaseUnshared(initial);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Fit(initial, data, options with { Epochs = 20 }).State.ReleaseUnshared(initial);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Freeze_rejects_filters_that_match_nothing_or_everything()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var part = TrainPart.Create("net", Model(), Optim.Sgd(0.1), Key.FromSeed(1), backend);
        Assert.Contains("matches none", Assert.Throws<ArgumentException>(() => part.Freeze("7")).Message, StringComparison.Ordinal);
        Assert.Contains("every parameter", Assert.Throws<ArgumentException>(() => part.Freeze(_ => true)).Message, StringComparison.Ordinal);
        Assert.Contains("0", Assert.Throws<ArgumentException>(() => part.Freeze("0.")).Message, StringComparison.Ordinal);
        Assert.True(TrainPart.Under("0")("0.weight"));
        Assert.False(TrainPart.Under("1")("10.weight"));
        var frozen = part.Freeze("0").Freeze("1");
        Assert.Equal(part.Parameters.Without(Backbone).Names, frozen.TrainableParameters.Names);
        Assert.Equal(part.Parameters.Names, frozen.Unfreeze().TrainableParameters.Names);
        var overlap = Assert.Throws<ArgumentException>(() => Grad.ValueAndGradTrainable(p => p["0.bias"].Sum(), part.Parameters, part.Parameters.Where(Backbone)));
        Assert.Contains("disjoint", overlap.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The transfer toy: pretrain Sequential(backbone, head) on one task, save the backbone, load it into
    /// Sequential(EvalMode(backbone), newHead) under prefix "0", freeze it and train the new head on another task. The
    /// loss falls, and the backbone's parameters and batch-norm statistics are bit-identical to the checkpoint.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Transfer_toy_trains_a_new_head_on_a_frozen_pretrained_backbone(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var backbone = new Sequential(new Dense(4, 8), new BatchNorm(8), new Tanh());
        var path = Path.Combine(Path.GetTempPath(), $"backbone-{Guid.NewGuid():N}.safetensors");
        try
        {
            // Pretraining on the first task: three classes.
            using (var pretext = Data(backend, 20))
            {
                var pretrainer = new Trainer(new Sequential(backbone, new Dense(8, 3)), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2));
                var (pretrained, _) = pretrainer.Fit(pretrainer.Init(Key.FromSeed(21), backend), pretext, new FitOptions { Epochs = 5, BatchSize = BatchSize });
                Checkpoint.Save(path, new TrainState(pretrained.Parameters.Child("0"), pretrained.LayerState.Child("0"), TensorTree.Empty, pretrained.Step, pretrained.Key));
            }

            // The bigger model: the backbone, in evaluation mode, then a new two-class head.
            var model = new Sequential(new EvalMode(backbone), new Dense(8, 2));
            var (parameters, report) = Checkpoint.LoadInto(path, model.Init(Key.FromSeed(22), backend), prefix: "0");
            Assert.Empty(report.Unexpected);
            Assert.Empty(report.ShapeMismatched);
            Assert.Equal(["0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias"], report.Matched);
            var (layerState, stateReport) = Checkpoint.LoadInto(path, model.InitState(backend), prefix: "0", part: CheckpointPart.LayerState);
            Assert.Empty(stateReport.Unexpected);
            Assert.Empty(stateReport.Missing);

            // Against the whole model, the loaded file lacks exactly the head's leaves.
            var whole = parameters.CompareStructure(Checkpoint.LoadParameters(path, backend).WithPrefix("0"));
            Assert.Equal(["1.weight", "1.bias"], whole.Missing.Select(m => m.Name));
            Assert.Empty(whole.Unexpected);

            var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Adam(5e-2)) { Frozen = TrainPart.Under("0") };
            var start = new TrainState(parameters, layerState, trainer.Optimizer.Init(parameters.Without(TrainPart.Under("0"))), 0, Key.FromSeed(23));
            using var task = Data(backend, 24, classes: 2);
            var (final, history) = trainer.Fit(start, task, new FitOptions { Epochs = 15, BatchSize = BatchSize });

            Assert.True(
                history.Epochs[^1].TrainLoss < 0.8 * history.Epochs[0].TrainLoss,
                $"{combination}: loss {history.Epochs[0].TrainLoss} → {history.Epochs[^1].TrainLoss}");
            var saved = Checkpoint.Load(path, backend);
            Bits.Identical($"{combination}: backbone parameters against the checkpoint", saved.Parameters, final.Parameters.Child("0"));
            Bits.Identical($"{combination}: backbone batch-norm statistics against the checkpoint", saved.LayerState, final.LayerState.Child("0"));
            Assert.NotEqual(parameters["1.weight"].ToArray(), final.Parameters["1.weight"].ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>One step written out, the frozen leaves closed over as constants: differentiate the trainable ones only, then the optimizer.</summary>
    private static TrainState HandWritten(TrainState state, Batch batch, Trainer trainer)
    {
        var (frozen, trainable) = state.Parameters.Partition(Backbone);
        var context = Context.Train(state.StepKey);
        var (_, layerState, grads) = Grad.ValueAndGradWithAux(
            p =>
            {
                var (y, next) = trainer.Model.Apply(p.Merge(frozen), state.LayerState, batch.Inputs, context);
                return (trainer.Loss(y, batch.Targets), next);
            },
            trainable);
        var (stepped, optimizerState) = trainer.Optimizer.Step(grads, state.OptimizerState, trainable);
        var parameters = TensorTree.Of(state.Parameters.Select(l => Backbone(l.Key) ? l : KeyValuePair.Create(l.Key, stepped[l.Key])));
        return state with { Parameters = parameters, LayerState = layerState, OptimizerState = optimizerState, Step = state.Step + 1 };
    }

    /// <summary>Dense, batch norm, tanh (the backbone: children 0 and 1 hold its leaves), dropout, then a Dense head (child 4).</summary>
    private static Sequential Model() => new(new Dense(4, 8), new BatchNorm(8), new Tanh(), new Dropout(0.25), new Dense(8, 3));

    /// <summary>A separable toy task: the label is which of the first <paramref name="classes"/> inputs is largest.</summary>
    private static Dataset Data(Backend backend, int seed, int classes = 3)
    {
        var x = Key.FromSeed(seed).Normal(Samples * 4);
        var labels = Enumerable.Range(0, Samples).Select(i => Enumerable.Range(0, classes).MaxBy(c => x[i * 4 + c])).ToArray();
        var t = labels.SelectMany(l => Enumerable.Range(0, classes).Select(c => c == l ? 1.0 : 0.0)).ToArray();
        return new Dataset(backend.FromArray(x, Samples, 4), backend.FromArray(t, Samples, classes), labels);
    }
}
