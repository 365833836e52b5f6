namespace Functional.Nets.Examples.SelfSupervised;

/// <summary>
/// The linear probe: an encoder's features of the 9 grid patches of every digit, standardized by the statistics of
/// the training digits' features (no labels needed), then one dense layer (a softmax regression) fitted on m
/// labelled digits per class and measured on the test digits. The encoder is fixed: its features are computed once.
/// </summary>
internal static class Probe
{
    private const int FeatureBatch = 500;

    /// <summary>
    /// The joined features [N, 9·d] of <paramref name="grid"/> ([N, 9, P, P]) under the encoder with
    /// <paramref name="parameters"/> and <paramref name="state"/>, in evaluation mode, a batch at a time.
    /// </summary>
    public static Tensor Features(Layer encoder, TensorTree parameters, TensorTree state, Tensor grid)
    {
        var features = new PatchSet(encoder, null, Patches.Cells, Patches.Size);
        var backend = grid.Backend;
        var n = grid.Shape[0];
        var width = Patches.Cells * features.Features;
        var host = new double[checked(n * width)];
        for (var start = 0; start < n; start += FeatureBatch)
        {
            using var scope = backend.Scope();
            var count = Math.Min(FeatureBatch, n - start);
            var (y, _) = features.Apply(TensorTree.Nest([("encoder", parameters)]), TensorTree.Nest([("encoder", state)]), grid.Slice(0, start, count), Context.Eval);
            Array.Copy(y.ToArray(), 0, host, (long)start * width, (long)count * width);
        }

        return backend.FromArray(host, n, width);
    }

    /// <summary>
    /// The probe's test accuracy: standardized <paramref name="trainFeatures"/> of the <paramref name="labelled"/>
    /// digits (indices into the training digits, labels <paramref name="labels"/>), a softmax regression trained for
    /// <paramref name="steps"/> steps of Adam (rate on a cosine from <paramref name="rate"/> to 0, batches of up to 256), then
    /// measured on <paramref name="testFeatures"/>.
    /// </summary>
    public static double Accuracy(
        Standardizer standardizer, Tensor trainFeatures, IReadOnlyList<int> labels, IReadOnlyList<int> labelled,
        Tensor testFeatures, IReadOnlyList<int> testLabels, int steps, double rate, Key key)
    {
        var backend = trainFeatures.Backend;
        var classes = Mnist.Classes;
        using var all = new Dataset(standardizer.Transform(trainFeatures), OneHot.Encode(labels, classes, backend), labels);
        using var train = all.Subset(labelled);
        using var test = new Dataset(standardizer.Transform(testFeatures), OneHot.Encode(testLabels, classes, backend), testLabels);
        var batch = Math.Min(256, train.Count);
        var batchesPerEpoch = (train.Count + batch - 1) / batch;
        var fit = new FitOptions { Epochs = (steps + batchesPerEpoch - 1) / batchesPerEpoch, BatchSize = batch, EvaluationBatchSize = 1000 };
        var trainer = new Trainer(
            new Dense(trainFeatures.Shape[1], classes),
            Losses.SoftmaxCrossEntropy,
            Optim.Adam(Schedules.Cosine(rate, (long)fit.Epochs * batchesPerEpoch)));
        var start = trainer.Init(key, backend);
        var (final, _) = trainer.Fit(start, train, fit);
        var accuracy = trainer.Evaluate(final, test, 1000).Accuracy ?? double.NaN;
        final.ReleaseUnshared(start);
        start.ReleaseUnshared(new TrainState(TensorTree.Empty, TensorTree.Empty, TensorTree.Empty, 0, start.Key));
        return accuracy;
    }

    /// <summary>
    /// <paramref name="perClass"/> indices of each class of <paramref name="labels"/> drawn without replacement by
    /// <paramref name="key"/> (0: all of them), in increasing order.
    /// </summary>
    public static int[] Sample(IReadOnlyList<int> labels, int perClass, Key key)
    {
        if (perClass == 0)
        {
            return Enumerable.Range(0, labels.Count).ToArray();
        }

        var taken = new int[Mnist.Classes];
        var chosen = new List<int>();
        foreach (var i in key.Permutation(labels.Count))
        {
            if (taken[labels[i]] < perClass)
            {
                taken[labels[i]]++;
                chosen.Add(i);
            }
        }

        chosen.Sort();
        return [.. chosen];
    }
}
