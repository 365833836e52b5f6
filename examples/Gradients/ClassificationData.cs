namespace Functional.Nets.Examples.Gradients;

/// <summary>A classification data set held as plain arrays, from which minibatches are cut on any backend.</summary>
/// <param name="Name">Where the data came from, for the printout.</param>
/// <param name="Inputs">Row-major [Count, Features].</param>
/// <param name="Labels">Class indices.</param>
/// <param name="Features">Input width.</param>
/// <param name="Classes">Number of classes.</param>
internal sealed record ClassificationData(string Name, double[] Inputs, int[] Labels, int Features, int Classes)
{
    public int Count => Labels.Length;

    /// <summary>
    /// <paramref name="classes"/> noisy binary prototypes of <paramref name="features"/> pixels: each class has a
    /// random pattern with about a quarter of the pixels on, and each sample flips every pixel with probability
    /// <paramref name="flip"/>. Learnable, but only through the first layer's weights.
    /// </summary>
    public static ClassificationData Prototypes(string name, int count, int features, int classes, double flip, Key key)
    {
        var prototypes = key.Fold(0).Uniform(classes * features).Select(u => u < 0.25 ? 1.0 : 0.0).ToArray();
        var labels = key.Fold(1).Uniform(count).Select(u => Math.Min(classes - 1, (int)(u * classes))).ToArray();
        var noise = key.Fold(2).Uniform(count * features);
        var x = new double[count * features];
        for (var n = 0; n < count; n++)
        {
            for (var j = 0; j < features; j++)
            {
                var on = prototypes[labels[n] * features + j];
                x[n * features + j] = noise[n * features + j] < flip ? 1 - on : on;
            }
        }

        return new ClassificationData(name, x, labels, features, classes);
    }

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>.</summary>
    public ClassificationData Slice(int start, int count) =>
        this with { Inputs = Inputs[(start * Features)..((start + count) * Features)], Labels = Labels[start..(start + count)] };

    /// <summary>The minibatch of <paramref name="size"/> rows for <paramref name="step"/>: a fresh permutation each epoch, from <paramref name="key"/>.</summary>
    public (Tensor X, int[] Labels) Batch(Backend backend, Key key, int step, int size)
    {
        var perEpoch = Count / size;
        var order = key.Fold((ulong)(step / perEpoch)).Permutation(Count);
        var rows = order.Skip(step % perEpoch * size).Take(size).ToArray();
        var x = new double[size * Features];
        for (var i = 0; i < size; i++)
        {
            Array.Copy(Inputs, rows[i] * Features, x, i * Features, Features);
        }

        return (backend.FromArray(x, size, Features), rows.Select(r => Labels[r]).ToArray());
    }

    /// <summary>The whole set as one tensor.</summary>
    public Tensor All(Backend backend) => backend.FromArray(Inputs, Count, Features);
}
