namespace Functional.Nets.Examples.Transfer;

/// <summary>The three ways of training on the target task.</summary>
internal enum Way
{
    /// <summary>(a) The loaded backbone frozen (evaluation mode, no gradient computed for it); only the new head trains.</summary>
    Frozen,

    /// <summary>(b) The loaded backbone and the new head, trained end to end.</summary>
    FineTuned,

    /// <summary>(c) The same network from fresh weights.</summary>
    Scratch,
}

/// <summary>
/// The networks: f(x, α), the backbone (examples/Cnn's two stages of [conv3×3 → BN → ReLU] × 2 → max-pool 2, then
/// flatten → dense(h) → ReLU), and g(·, β), a head (dropout → dense(classes)); with <c>--cut conv</c> f ends after the
/// flatten and the dense layer belongs to the head (dense(h) → ReLU → dropout → dense(classes)). A model is
/// Sequential(RandomShift, f, g), so the backbone's leaves are those under <see cref="BackbonePrefix"/>.
/// </summary>
internal static class TransferModel
{
    /// <summary>The name of the backbone's child in every model: its leaves are <c>1.0.weight</c>, <c>1.1.running_mean</c>, ….</summary>
    public const string BackbonePrefix = "1";

    /// <summary>f: [N, 1, 28, 28] → [N, h], or [N, c·7·7] with <c>--cut conv</c> (convolutions feeding a batch norm carry no bias: β does its work).</summary>
    public static Sequential Backbone(Options options)
    {
        var layers = new List<Layer>();
        var channels = 1;
        foreach (var c in options.Channels)
        {
            for (var k = 0; k < 2; k++)
            {
                layers.Add(new Conv2d(channels, c, 3, padding: Padding.Half, bias: false));
                layers.Add(new BatchNorm(c));
                layers.Add(new ReLU());
                channels = c;
            }

            layers.Add(new MaxPool2d(2));
        }

        layers.Add(new Flatten());
        if (options.Cut == "dense")
        {
            layers.Add(new Dense(Flat(options), options.Hidden));
            layers.Add(new ReLU());
        }

        return new Sequential(layers);
    }

    /// <summary>The flattened size of the second stage's maps, c₂·7·7.</summary>
    public static int Flat(Options options) => checked(options.Channels[1] * 7 * 7);

    /// <summary>
    /// A head g on f's features for <paramref name="classes"/> classes: dropout (if any) → dense, preceded by
    /// dense(h) → ReLU with <c>--cut conv</c>.
    /// </summary>
    public static Layer Head(Options options, int classes, double dropout)
    {
        var layers = new List<Layer>();
        if (options.Cut == "conv")
        {
            layers.Add(new Dense(Flat(options), options.Hidden));
            layers.Add(new ReLU());
        }

        if (dropout > 0)
        {
            layers.Add(new Dropout(dropout));
        }

        layers.Add(new Dense(options.Hidden, classes));
        return layers.Count == 1 ? layers[0] : new Sequential(layers);
    }

    /// <summary>
    /// Sequential(RandomShift, f, g) with g a fresh head of <see cref="DigitTasks.Classes"/> classes; for
    /// <see cref="Way.Frozen"/> the backbone runs in evaluation mode (its batch norms on their loaded running statistics).
    /// </summary>
    public static Sequential Model(Options options, Way way)
    {
        var backbone = Backbone(options);
        return new Sequential(new RandomShift(options.Shift), way == Way.Frozen ? new EvalMode(backbone) : backbone, Head(options, DigitTasks.Classes, options.Dropout));
    }

    /// <summary>
    /// Softmax cross-entropy, Adam with its rate on a cosine from the peak to 0 over <paramref name="totalSteps"/>; for
    /// <see cref="Way.Frozen"/> the backbone's leaves are frozen, so they are constants of every step.
    /// </summary>
    public static Trainer Trainer(Sequential model, Options options, long totalSteps, Way way) =>
        new(model, Losses.SoftmaxCrossEntropy, Optim.Adam(Schedules.Cosine(options.LearningRate, Math.Max(totalSteps, 1))))
        {
            Frozen = way == Way.Frozen ? TrainPart.Under(BackbonePrefix) : null,
        };

    /// <summary>Saves the backbone of a trained base model (its parameters and batch-norm statistics, no optimizer state).</summary>
    public static void SaveBackbone(string path, TrainState trained) =>
        Checkpoint.Save(path, new TrainState(
            trained.Parameters.Child(BackbonePrefix), trained.LayerState.Child(BackbonePrefix), TensorTree.Empty, trained.Step, trained.Key));

    /// <summary>
    /// The starting state of a cell: the trainer's fresh state from <paramref name="key"/>, and for the two transfer ways
    /// the backbone's parameters and running statistics replaced by the checkpoint's (strictly: every backbone leaf
    /// must be in the file with its shape, and nothing else), with the optimizer state of the leaves that train.
    /// </summary>
    public static TrainState Start(Trainer trainer, Way way, string checkpoint, Key key, Backend backend)
    {
        var fresh = trainer.Init(key, backend);
        if (way == Way.Scratch)
        {
            return fresh;
        }

        var (parameters, _) = Checkpoint.LoadInto(checkpoint, fresh.Parameters, prefix: BackbonePrefix);
        var (layerState, _) = Checkpoint.LoadInto(checkpoint, fresh.LayerState, prefix: BackbonePrefix, part: CheckpointPart.LayerState);
        var trainable = trainer.Frozen is { } frozen ? parameters.Without(frozen) : parameters;
        var start = new TrainState(parameters, layerState, trainer.Optimizer.Init(trainable), 0, fresh.Key);
        fresh.ReleaseUnshared(start);
        return start;
    }
}
