namespace Functional.Nets;

/// <summary>Classification metrics computed from a model's scores and the true class indices.</summary>
public static class Metrics
{
    /// <summary>
    /// The predicted class of each row of <paramref name="scores"/> [N, C] (logits or probabilities):
    /// argmaxⱼ scoresᵢⱼ, the first maximum on ties (as <c>torch.argmax</c>); −1 for a row that is all NaN.
    /// </summary>
    /// <exception cref="ShapeMismatchException"><paramref name="scores"/> is not [N, C] with C ≥ 1.</exception>
    public static int[] Predictions(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Shape.Rank != 2 || scores.Shape[1] == 0)
        {
            throw new ShapeMismatchException($"Metrics.Predictions: expected scores [N, C] with C ≥ 1, got {scores.Shape}");
        }

        int n = scores.Shape[0], c = scores.Shape[1];
        var s = scores.ToArray();
        var predicted = new int[n];
        for (var i = 0; i < n; i++)
        {
            var best = -1;
            for (var j = 0; j < c; j++)
            {
                // NaN compares false both ways, so it is never chosen over a number.
                if (!double.IsNaN(s[i * c + j]) && (best < 0 || s[i * c + j] > s[i * c + best]))
                {
                    best = j;
                }
            }

            predicted[i] = best;
        }

        return predicted;
    }

    /// <summary>How many rows of <paramref name="scores"/> [N, C] have their argmax at the row's label.</summary>
    /// <exception cref="ShapeMismatchException"><paramref name="scores"/> is not [N, C], or N differs from the number of labels.</exception>
    public static int CountCorrect(Tensor scores, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var predicted = Predictions(scores);
        if (predicted.Length != labels.Count)
        {
            throw new ShapeMismatchException($"Metrics: scores {scores.Shape} have {predicted.Length} rows but {labels.Count} labels were given");
        }

        var correct = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }

        return correct;
    }

    /// <summary>The fraction of rows of <paramref name="scores"/> [N, C] whose argmax is the row's label, in [0, 1].</summary>
    /// <exception cref="ShapeMismatchException"><paramref name="scores"/> is not [N, C], or N differs from the number of labels.</exception>
    /// <exception cref="ArgumentException">N = 0: the accuracy of no samples is undefined.</exception>
    public static double Accuracy(Tensor scores, IReadOnlyList<int> labels)
    {
        var correct = CountCorrect(scores, labels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("Metrics.Accuracy: no samples, so the accuracy is undefined", nameof(labels));
        }

        return (double)correct / labels.Count;
    }
}
