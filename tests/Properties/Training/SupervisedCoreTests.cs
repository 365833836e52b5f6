using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// The supervised <see cref="Trainer"/>, now a one-part view of <see cref="MultiPartTrainer"/>, gives bit for bit the
/// parameters, layer state and optimizer state of a hand-written loop of <see cref="Grad.ValueAndGradWithAux"/> and
/// <see cref="Optimizer.Step"/>, for a model with batch norm (layer state) and dropout (the step's key), pure and
/// donated, step by step and through <see cref="Trainer.Fit"/>. On every backend combination.
/// </summary>
public sealed class SupervisedCoreTests
{
    private const int Samples = 40;
    private const int BatchSize = 16;

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Trainer_steps_equal_a_hand_written_loop(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var data = Data(backend);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2), L2OnFirstLayer());
        var initial = trainer.Init(Key.FromSeed(5), backend);
        var batches = data.Batches(BatchSize, Key.FromSeed(6)).ToList();

        var expected = initial;
        var pure = initial;
        var donated = initial;
        for (var step = 0; step < 6; step++)
        {
            var batch = batches[step % batches.Count];
            expected = HandWritten(expected, batch, trainer);
            (pure, var metrics) = trainer.Step(pure, batch);
            (donated, _) = trainer.Step(donated, batch, donate: step > 0);
            Assert.Equal(batch.Count, metrics.Count);
            Assert.NotNull(metrics.Correct);
        }

        Bits.Identical($"{combination}: Trainer.Step against the hand-written loop", expected, pure);
        Bits.Identical($"{combination}: donated Trainer.Step against the hand-written loop", expected, donated);
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Trainer_Fit_equals_a_hand_written_loop_over_the_same_batches(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var data = Data(backend);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.Sgd(0.05, momentum: 0.9));
        var initial = trainer.Init(Key.FromSeed(8), backend);
        var (fitted, history) = trainer.Fit(initial, data, new FitOptions { Epochs = 3, BatchSize = BatchSize });

        var expected = initial;
        for (var epoch = 0; epoch < 3; epoch++)
        {
            foreach (var batch in data.Batches(BatchSize, initial.EpochKey(epoch)))
            {
                expected = HandWritten(expected, batch, trainer);
            }
        }

        Bits.Identical($"{combination}: Trainer.Fit against the hand-written loop", expected, fitted);
        Assert.Equal(3, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.NotNull(e.TrainAccuracy));
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void A_one_part_multi_part_run_equals_the_trainer(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var data = Data(backend);
        var model = Model();
        var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2));
        var parts = MultiPartState.Create(Key.FromSeed(9), backend, ("classifier", model, trainer.Optimizer));
        var core = new MultiPartTrainer(new PartUpdate(Objectives.OnPart("classifier", Objectives.Supervised(model, Losses.SoftmaxCrossEntropy)), "classifier"));
        var options = new FitOptions { Epochs = 2, BatchSize = BatchSize };

        var (viaTrainer, _) = trainer.Fit(trainer.Init(Key.FromSeed(9), backend), data, options);
        var (viaParts, history) = core.Fit(parts, data, options);
        Bits.Identical($"{combination}: a one-part MultiPartTrainer.Fit against Trainer.Fit", viaTrainer, viaParts.ToTrainState());
        Assert.Equal(["classifier.loss", "classifier.correct"], history.Epochs[0].TrainScalars.Select(s => s.Name));
        Assert.Equal(history.Epochs[0].TrainLoss, history.Epochs[0].Scalar("classifier.loss")!.Value, 12);
    }

    /// <summary>One step written out: the loss and gradient with the layers' new state, then the optimizer.</summary>
    private static TrainState HandWritten(TrainState state, Batch batch, Trainer trainer)
    {
        var context = Context.Train(state.StepKey);
        var (_, layerState, grads) = Grad.ValueAndGradWithAux(
            p =>
            {
                var (y, next) = trainer.Model.Apply(p, state.LayerState, batch.Inputs, context);
                var loss = trainer.Loss(y, batch.Targets);
                return (trainer.Penalty is { } penalty ? loss + penalty(p) : loss, next);
            },
            state.Parameters);
        var (parameters, optimizerState) = trainer.Optimizer.Step(grads, state.OptimizerState, state.Parameters);
        return state with { Parameters = parameters, LayerState = layerState, OptimizerState = optimizerState, Step = state.Step + 1 };
    }

    private static Sequential Model() => new(new Dense(4, 8), new BatchNorm(8), new Tanh(), new Dropout(0.25), new Dense(8, 3));

    private static Func<TensorTree, Tensor> L2OnFirstLayer() => p => 1e-3 * (p["0.weight"] * p["0.weight"]).Sum();

    private static Dataset Data(Backend backend)
    {
        var labels = Enumerable.Range(0, Samples).Select(i => i % 3).ToArray();
        var x = backend.FromArray(Key.FromSeed(10).Normal(Samples * 4), Samples, 4);
        var t = backend.FromArray(labels.SelectMany(l => Enumerable.Range(0, 3).Select(c => c == l ? 1.0 : 0.0)).ToArray(), Samples, 3);
        return new Dataset(x, t, labels);
    }
}
