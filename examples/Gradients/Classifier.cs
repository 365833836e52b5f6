using Functional.Nets.Diagnostics;

namespace Functional.Nets.Examples.Gradients;

/// <summary>What a training run recorded.</summary>
/// <param name="Losses">The minibatch loss at every step.</param>
/// <param name="Parameters">The final parameters.</param>
internal sealed record TrainingRun(double[] Losses, TensorTree Parameters);

/// <summary>Minibatch training of a classifier with softmax cross-entropy, recording what the experiments plot.</summary>
internal static class Classifier
{
    /// <summary>
    /// Trains <paramref name="model"/> from <paramref name="parameters"/> for <paramref name="steps"/> steps of
    /// <paramref name="optimizer"/>, recording the loss each step and, if <paramref name="history"/> is given,
    /// the per-layer mean |∂L/∂W| of each step's gradient.
    /// </summary>
    public static TrainingRun Train(
        Layer model, TensorTree parameters, ClassificationData data, Optimizer optimizer, int steps, int batch, Key key, GradientHistory? history = null)
    {
        var backend = parameters.Values.First().Backend;
        var state = optimizer.Init(parameters);
        var losses = new double[steps];
        for (var step = 0; step < steps; step++)
        {
            // The scope releases this step's tensors (native memory on Torch) except the new parameters and state.
            using var scope = backend.Scope();
            var (x, labels) = data.Batch(backend, key, step, batch);
            var (loss, grads) = Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, x), labels), parameters);
            losses[step] = loss.Item();
            history?.Record(step, grads);
            var (next, nextState) = optimizer.Step(grads, state, parameters);
            var (old, oldState) = (parameters, state);
            (parameters, state) = (scope.Keep(next), scope.Keep(nextState));
            old.Dispose();
            oldState.Dispose();
        }

        state.Dispose();
        return new TrainingRun(losses, parameters);
    }

    /// <summary>The fraction of <paramref name="data"/> classified correctly (argmax of the outputs).</summary>
    public static double Accuracy(Layer model, TensorTree parameters, ClassificationData data)
    {
        var backend = parameters.Values.First().Backend;
        using var scope = backend.Scope();
        var scores = model.Apply(parameters, data.All(backend)).ToArray();
        var correct = 0;
        for (var n = 0; n < data.Count; n++)
        {
            var row = scores.AsSpan(n * data.Classes, data.Classes);
            var best = 0;
            for (var c = 1; c < row.Length; c++)
            {
                best = row[c] > row[best] ? c : best;
            }

            correct += best == data.Labels[n] ? 1 : 0;
        }

        return (double)correct / data.Count;
    }
}
