using System.Diagnostics;
using Functional.Nets.Reporting;

namespace Functional.Nets.Examples.TextClassification;

/// <summary>One trained model's held-out figures.</summary>
internal sealed record Outcome(string Name, double Accuracy, double SpamF1, int Errors, int Count, double Seconds, long Parameters, long Trained);

/// <summary>Trains one classifier with the library's <see cref="Trainer"/> (softmax cross-entropy, Adam) and scores it on the held-out split.</summary>
internal static class Experiment
{
    public static Outcome Run(string name, Layer model, bool freezeEmbedding, Dataset train, Dataset test, int epochs, int batchSize, double learningRate, int plainEverySteps, Key key, string curves)
    {
        var trainer = new Trainer(model, Losses.CrossEntropy, Optim.Chain(Optim.ClipByGlobalNorm(5.0), Optim.Adam(learningRate)))
        {
            // A frozen table is moved out of what is differentiated (its gradient is never computed), not merely left un-updated.
            Frozen = freezeEmbedding ? TrainPart.Under("embedding") : null,
        };
        var clock = Stopwatch.StartNew();
        var initial = trainer.Init(key, train.Backend);
        var trained = initial.Parameters.Where(n => !freezeEmbedding || !TrainPart.Under("embedding")(n)).ParameterCount;
        TrainState state;
        History history;
        using (var display = new ProgressDisplay(name, plainEverySteps))
        {
            (state, history) = trainer.Fit(initial, train, new FitOptions { Epochs = epochs, BatchSize = batchSize }, null, display);
        }

        Curves.WritePng(history, curves, name);

        var (accuracy, f1, errors) = Score(model, state, test, batchSize);
        var seconds = clock.Elapsed.TotalSeconds;
        if (!ReferenceEquals(state, initial))
        {
            initial.ReleaseUnshared(state);
        }

        state.Parameters.Dispose();
        state.OptimizerState.Dispose();
        return new Outcome(name, accuracy, f1, errors, test.Count, seconds, model.ParameterCount, trained);
    }

    /// <summary>Accuracy and the spam class's F1 = 2·TP / (2·TP + FP + FN) over <paramref name="test"/> in evaluation mode, and the number of errors.</summary>
    public static (double Accuracy, double SpamF1, int Errors) Score(Layer model, TrainState state, Dataset test, int batchSize)
    {
        int tp = 0, fp = 0, fn = 0, correct = 0;
        for (var start = 0; start < test.Count; start += batchSize)
        {
            using var scope = test.Backend.Scope();
            var part = test.Slice(start, Math.Min(batchSize, test.Count - start));
            var (scores, _) = model.Apply(state.Parameters, state.LayerState, part.Inputs, Context.Eval);
            var predicted = Metrics.Predictions(scores);
            var labels = part.Labels!;
            for (var i = 0; i < predicted.Length; i++)
            {
                bool spam = labels[i] == 1, saidSpam = predicted[i] == 1;
                correct += spam == saidSpam ? 1 : 0;
                tp += spam && saidSpam ? 1 : 0;
                fp += !spam && saidSpam ? 1 : 0;
                fn += spam && !saidSpam ? 1 : 0;
            }
        }

        return ((double)correct / test.Count, 2.0 * tp / Math.Max(1, 2 * tp + fp + fn), test.Count - correct);
    }
}
