using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// The transfer path of examples/Transfer on a small CNN, on every backend combination: a convolutional backbone
/// (conv → batch norm → ReLU → max-pool → dense) trained with one head and saved through <see cref="Checkpoint"/>,
/// loaded under prefix "0" of Sequential(EvalMode(backbone), newHead) with <see cref="Checkpoint.LoadInto"/>, frozen
/// with <see cref="Trainer.Frozen"/>. No gradient is computed for the backbone's leaves (they are never recorded,
/// the gradient tree has the head's names only), and after training the backbone's parameters and batch-norm
/// statistics are bit-identical to the file while the head moved. <see cref="FreezingTests"/> proves the same laws on
/// a dense backbone and for hand-written steps.
/// </summary>
public sealed class CnnTransferTests
{
    private const int Samples = 24;
    private const int BatchSize = 8;

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void A_loaded_frozen_cnn_backbone_gets_no_gradient_and_keeps_its_checkpoint_bits(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var backbone = new Sequential(
            new Conv2d(1, 3, 3, padding: Padding.Half, bias: false), new BatchNorm(3), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Dense(3 * 3 * 3, 5), new ReLU());
        var path = Path.Combine(Path.GetTempPath(), $"cnn-backbone-{Guid.NewGuid():N}.safetensors");
        try
        {
            // The base task: three classes, two epochs, so that the saved statistics are not the initial ones.
            using (var baseTask = Images(backend, 30, classes: 3))
            {
                var pretrainer = new Trainer(new Sequential(backbone, new Dense(5, 3)), Losses.SoftmaxCrossEntropy, Optim.Adam(1e-2));
                var (pretrained, _) = pretrainer.Fit(pretrainer.Init(Key.FromSeed(31), backend), baseTask, new FitOptions { Epochs = 2, BatchSize = BatchSize });
                Checkpoint.Save(path, new TrainState(pretrained.Parameters.Child("0"), pretrained.LayerState.Child("0"), TensorTree.Empty, pretrained.Step, pretrained.Key));
            }

            var model = new Sequential(new EvalMode(backbone), new Dense(5, 4));
            var fresh = model.Init(Key.FromSeed(32), backend);
            var (parameters, report) = Checkpoint.LoadInto(path, fresh, prefix: "0");
            Assert.Equal(["0.0.weight", "0.1.weight", "0.1.bias", "0.5.weight", "0.5.bias"], report.Matched);
            var (layerState, stateReport) = Checkpoint.LoadInto(path, model.InitState(backend), prefix: "0", part: CheckpointPart.LayerState);
            Assert.Empty(stateReport.Missing);
            Assert.Empty(stateReport.Unexpected);

            var frozen = TrainPart.Under("0");
            var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Adam(5e-2)) { Frozen = frozen };
            var start = new TrainState(parameters, layerState, trainer.Optimizer.Init(parameters.Without(frozen)), 0, Key.FromSeed(33));
            Assert.Equal(["1.weight", "1.bias"], start.Parameters.Without(frozen).Names);
            using var task = Images(backend, 34, classes: 4);

            // One step through the objective the trainer runs, watching what the backend records.
            var recorded = new Dictionary<string, bool>();
            var (value, _, grads) = Grad.ValueAndGradTrainableWithAux(
                p =>
                {
                    foreach (var (name, leaf) in p)
                    {
                        recorded[name] = leaf.IsRecorded;
                    }

                    var (y, next) = model.Apply(p, start.LayerState, task.Inputs, Context.Train(Key.FromSeed(35)));
                    return (Losses.SoftmaxCrossEntropy(y, task.Targets), next);
                },
                start.Parameters.Without(frozen),
                start.Parameters.Where(frozen));
            Assert.True(double.IsFinite(value.Item()));
            Assert.Equal(start.Parameters.Names.Order(), recorded.Keys.Order());
            Assert.All(recorded, r => Assert.Equal(!frozen(r.Key), r.Value));
            Assert.Equal(["1.weight", "1.bias"], grads.Names);

            var (final, history) = trainer.Fit(start, task, new FitOptions { Epochs = 12, BatchSize = BatchSize });
            Assert.True(
                history.Epochs[^1].TrainLoss < 0.9 * history.Epochs[0].TrainLoss,
                $"{combination}: the new head's loss {history.Epochs[0].TrainLoss} → {history.Epochs[^1].TrainLoss}");
            var saved = Checkpoint.Load(path, backend);
            Bits.Identical($"{combination}: backbone parameters against the checkpoint", saved.Parameters, final.Parameters.Child("0"));
            Bits.Identical($"{combination}: backbone batch-norm statistics against the checkpoint (EvalMode)", saved.LayerState, final.LayerState.Child("0"));
            Assert.Equal(start.OptimizerState.Names, final.OptimizerState.Names);
            Assert.NotEqual(start.Parameters["1.weight"].ToArray(), final.Parameters["1.weight"].ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>6×6 one-channel images whose label is the brightest of the first <paramref name="classes"/> quadrant-like regions (a learnable toy).</summary>
    private static Dataset Images(Backend backend, int seed, int classes)
    {
        var x = Key.FromSeed(seed).Normal(Samples * 36);
        var labels = Enumerable.Range(0, Samples)
            .Select(i => Enumerable.Range(0, classes).MaxBy(c => Enumerable.Range(0, 9).Sum(k => x[(i * 36) + (c * 9) + k])))
            .ToArray();
        return new Dataset(backend.FromArray(x, Samples, 1, 6, 6), OneHot.Encode(labels, classes, backend), labels);
    }
}
