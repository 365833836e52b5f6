using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Reporting;

/// <summary>A few epochs of a small classifier on the Reference backend: a real History and real callbacks, in milliseconds.</summary>
internal static class TinyRun
{
    public const int Samples = 40;
    public const int BatchSize = 8;

    /// <summary>Fits a 3-8-2 network on two noisy blobs for <paramref name="epochs"/> epochs with <paramref name="callbacks"/>.</summary>
    public static (TrainState State, History History) Fit(int epochs, bool validation, params TrainingCallback[] callbacks)
    {
        var backend = ReferenceBackend.Instance;
        var key = Key.FromSeed(11);
        var noise = key.Fold(0).Normal(Samples * 3);
        var labels = Enumerable.Range(0, Samples).Select(i => i % 2).ToArray();
        var x = new double[Samples * 3];
        for (var i = 0; i < Samples; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                x[i * 3 + j] = noise[i * 3 + j] + (labels[i] == 0 ? -1.5 : 1.5);
            }
        }

        var data = new Dataset(backend.FromArray(x, Samples, 3), OneHot.Encode(labels, 2, backend), labels);
        var model = new Sequential(new Dense(3, 8), new Tanh(), new Dense(8, 2));
        var trainer = new Trainer(model, Losses.SoftmaxCrossEntropy, Optim.Adam(0.05));
        var options = new FitOptions { Epochs = epochs, BatchSize = BatchSize };
        return trainer.Fit(trainer.Init(key.Fold(1), backend), data, options, validation ? data.Slice(0, 16) : null, callbacks);
    }
}
