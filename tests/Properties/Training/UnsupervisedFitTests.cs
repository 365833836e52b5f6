using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// An unsupervised objective (an autoencoder's reconstruction error, encoder and decoder as two parts trained by one
/// update) on a dataset of inputs only runs through <see cref="MultiPartTrainer.Fit"/> with callbacks: a recording
/// callback sees every step and epoch, the checkpoint callback saves every part, early stopping ends the run, the
/// history carries the named scalars.
/// </summary>
public sealed class UnsupervisedFitTests
{
    private const int Samples = 64;

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void An_autoencoder_trains_through_Fit_with_callbacks(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        using var data = Data(backend);
        Assert.False(data.HasTargets);
        var trainer = new MultiPartTrainer(new PartUpdate(Reconstruction, "encoder", "decoder") { Label = "autoencoder" });
        var start = Create(backend);
        var recorder = new Recorder();
        var saver = new CheckpointEvery(5, dir.File("ae-{epoch}.safetensors"));
        var options = new FitOptions { Epochs = 30, BatchSize = 16 };

        var (final, history) = trainer.Fit(start, data, options, s => Measure(s, data), recorder, saver, new EarlyStopping(patience: 30));

        Assert.Equal(30, history.Epochs.Count);
        Assert.Equal("completed", history.StopReason);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), recorder.Steps);
        Assert.Equal(30, recorder.Epochs);
        var first = history.Epochs[0];
        var last = history.Epochs[^1];
        Assert.True(last.TrainLoss < first.TrainLoss / 4, $"{combination}: reconstruction MSE {first.TrainLoss} → {last.TrainLoss}, expected a fall by 4×");
        Assert.NotNull(last.ValidationLoss);
        Assert.Null(last.TrainAccuracy);
        Assert.Equal(["autoencoder.loss", "autoencoder.rmse"], last.TrainScalars.Select(s => s.Name));
        Assert.Equal(last.TrainLoss, last.Scalar("autoencoder.loss")!.Value, 12);

        // The checkpoint callback saved both parts; the last save is the final state.
        AdversarialResumeTests.Identical($"{combination}: the epoch-30 checkpoint", final, Checkpoint.Load(saver.PathFor(30), backend, like: start));
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Early_stopping_ends_a_multi_part_run(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var data = Data(backend);
        var trainer = new MultiPartTrainer(new PartUpdate(Reconstruction, "encoder", "decoder"));

        // An improvement of 1e9 never happens: patience 2 stops after epoch 3 (epoch 1 sets the best).
        var (_, history) = trainer.Fit(Create(backend), data, new FitOptions { Epochs = 10, BatchSize = 32 }, callbacks: new EarlyStopping(patience: 2, minDelta: 1e9));
        Assert.Equal(3, history.Epochs.Count);
        Assert.Contains("EarlyStopping", history.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_one_part_state_checkpoints_as_a_TrainState()
    {
        var backend = Functional.Nets.Reference.ReferenceBackend.Instance;
        using var dir = new ScratchDirectory();
        using var data = Data(backend);
        var model = new Sequential(new Dense(4, 2), new Tanh(), new Dense(2, 4));
        Objective reconstruction = (p, s, batch, key) => new ObjectiveResult(Losses.MeanSquaredError(model.Apply(p, batch.Inputs), batch.Inputs), TensorTree.Empty);
        var trainer = new MultiPartTrainer(new PartUpdate(Objectives.OnPart("ae", reconstruction), "ae"));
        var start = MultiPartState.Create(Key.FromSeed(1), backend, ("ae", model, Optim.Adam(1e-2)));
        var (final, _) = trainer.Fit(start, data, new FitOptions { Epochs = 2, BatchSize = 16 });
        var path = dir.File("one.safetensors");
        Checkpoint.Save(path, final);

        Bits.Identical("a one-part state loaded as a TrainState", final.ToTrainState(), Checkpoint.Load(path, backend));
        AdversarialResumeTests.Identical("a one-part state loaded as itself", final, Checkpoint.Load(path, backend, like: start));
    }

    /// <summary>Mean squared reconstruction error of decoder(encoder(x)) against x, with its root as a metric.</summary>
    private static ObjectiveResult Reconstruction(TensorTree parameters, TensorTree state, Batch batch, Key key)
    {
        var code = Encoder().Apply(parameters.Child("encoder"), batch.Inputs);
        var loss = Losses.MeanSquaredError(Decoder().Apply(parameters.Child("decoder"), code), batch.Inputs);
        return new ObjectiveResult(loss, TensorTree.Empty, [new Metric("rmse", Math.Sqrt(loss.Item()))]);
    }

    private static StepMetrics Measure(MultiPartState state, Dataset data)
    {
        var code = Encoder().Apply(state["encoder"].Parameters, data.Inputs);
        return new StepMetrics(Losses.MeanSquaredError(Decoder().Apply(state["decoder"].Parameters, code), data.Inputs).Item(), null, data.Count);
    }

    private static Sequential Encoder() => new(new Dense(4, 2));

    private static Sequential Decoder() => new(new Dense(2, 4));

    private static MultiPartState Create(Backend backend) =>
        MultiPartState.Create(Key.FromSeed(12), backend, ("encoder", Encoder(), Optim.Adam(2e-2)), ("decoder", Decoder(), Optim.Adam(2e-2)));

    /// <summary>64 points of a 2-D plane in 4-D: x = z·A with z ~ N(0, I₂), inputs only.</summary>
    private static Dataset Data(Backend backend)
    {
        double[] a = [1, 0.5, -0.3, 0.8, -0.6, 1, 0.4, 0.2];
        var z = Key.FromSeed(13).Normal(Samples * 2);
        var x = new double[Samples * 4];
        for (var i = 0; i < Samples; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                x[i * 4 + j] = z[i * 2] * a[j] + z[i * 2 + 1] * a[4 + j];
            }
        }

        return new Dataset(backend.FromArray(x, Samples, 4));
    }

    /// <summary>Records the step counts and epochs the multi-part hooks see.</summary>
    private sealed class Recorder : TrainingCallback
    {
        public List<long> Steps { get; } = [];

        public int Epochs { get; private set; }

        public override void OnMultiPartStep(int epoch, int batch, MultiPartState state, StepMetrics metrics) => Steps.Add(state.Step);

        public override FitDecision OnMultiPartEpochEnd(EpochMetrics metrics, MultiPartState state)
        {
            Epochs++;
            return FitDecision.Continue;
        }
    }
}
