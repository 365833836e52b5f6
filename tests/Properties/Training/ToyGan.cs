namespace Functional.Nets.Tests.Training;

/// <summary>
/// A two-part adversarial toy for the training tests: a generator 2 → 8 → 1 mapping Gaussian noise to 1-D samples and
/// a discriminator 1 → 8 → 1 scoring them (logits), trained by alternating updates on samples of N(2, 0.5²). The
/// discriminator minimises BCE(D(x), 1) + BCE(D(G(z)), 0) with the generator constant; the generator minimises the
/// non-saturating BCE(D(G(z)), 1) with the discriminator constant.
/// </summary>
public static class ToyGan
{
    /// <summary>Noise dimensions.</summary>
    public const int Noise = 2;

    /// <summary>The generator.</summary>
    public static Sequential Generator() => new(new Dense(Noise, 8), new Tanh(), new Dense(8, 1));

    /// <summary>The discriminator.</summary>
    public static Sequential Discriminator() => new(new Dense(1, 8), new Tanh(), new Dense(8, 1));

    /// <summary>A fresh state of both parts (Adam 1e-2 each), the generator first.</summary>
    public static MultiPartState Create(Backend backend, int seed) =>
        MultiPartState.Create(Key.FromSeed(seed), backend, ("generator", Generator(), Optim.Adam(1e-2)), ("discriminator", Discriminator(), Optim.Adam(1e-2)));

    /// <summary>The step: the discriminator's update, then the generator's.</summary>
    public static MultiPartTrainer Trainer() =>
        new(new PartUpdate(DiscriminatorObjective, "discriminator"), new PartUpdate(GeneratorObjective, "generator"));

    /// <summary><paramref name="count"/> samples of N(2, 0.5²), inputs only.</summary>
    public static Dataset Data(Backend backend, int count) =>
        new(backend.FromArray(Key.FromSeed(77).Normal(count).Select(v => 2 + 0.5 * v).ToArray(), count, 1));

    /// <summary>BCE(D(x), 1) + BCE(D(G(z)), 0), and the discriminator's accuracy on both halves.</summary>
    public static ObjectiveResult DiscriminatorObjective(TensorTree parameters, TensorTree state, Batch batch, Key key)
    {
        var d = Discriminator();
        var real = d.Apply(parameters.Child("discriminator"), batch.Inputs);
        var fake = d.Apply(parameters.Child("discriminator"), Fake(parameters, batch.Count, key, batch.Inputs.Backend));
        var loss = Losses.BinaryCrossEntropyWithLogits(real, Constant(batch.Inputs.Backend, batch.Count, 1))
            + Losses.BinaryCrossEntropyWithLogits(fake, Constant(batch.Inputs.Backend, batch.Count, 0));
        var right = real.ToArray().Count(v => v > 0) + fake.ToArray().Count(v => v < 0);
        return new ObjectiveResult(loss, TensorTree.Empty, [new Metric("accuracy", right / (2.0 * batch.Count))]);
    }

    /// <summary>BCE(D(G(z)), 1): the generator's non-saturating loss.</summary>
    public static ObjectiveResult GeneratorObjective(TensorTree parameters, TensorTree state, Batch batch, Key key)
    {
        var fake = Discriminator().Apply(parameters.Child("discriminator"), Fake(parameters, batch.Count, key, batch.Inputs.Backend));
        return new ObjectiveResult(Losses.BinaryCrossEntropyWithLogits(fake, Constant(batch.Inputs.Backend, batch.Count, 1)), TensorTree.Empty);
    }

    /// <summary>G(z) for <paramref name="count"/> noise vectors drawn from <paramref name="key"/>.</summary>
    public static Tensor Fake(TensorTree parameters, int count, Key key, Backend backend) =>
        Generator().Apply(parameters.Child("generator"), backend.FromArray(key.Normal(count * Noise), count, Noise));

    /// <summary>
    /// A batch of <paramref name="size"/> samples drawn from the step's key (rows of <paramref name="x"/> at the first
    /// entries of a permutation), so a loop of steps needs no epoch bookkeeping to be resumed mid-run.
    /// </summary>
    public static Batch BatchAt(MultiPartState state, Tensor x, int size)
    {
        var rows = state.StepKey.Fold(99).Permutation(x.Shape[0])[..size];
        return new Batch(x.Gather(rows), rows);
    }

    /// <summary><paramref name="steps"/> steps from <paramref name="state"/> on batches from <see cref="BatchAt"/>, donating the states it made.</summary>
    public static MultiPartState Run(MultiPartTrainer trainer, MultiPartState state, Tensor x, int steps, int size = 16)
    {
        var initial = state;
        for (var i = 0; i < steps; i++)
        {
            using var batch = BatchAt(state, x, size);
            var (next, _) = trainer.Step(state, batch, requireFiniteLoss: true, donate: !ReferenceEquals(state, initial));
            if (!ReferenceEquals(state, initial))
            {
                state.ReleaseUnshared(next);
            }

            state = next;
        }

        return state;
    }

    private static Tensor Constant(Backend backend, int rows, double value) => backend.FromArray(Enumerable.Repeat(value, rows).ToArray(), rows, 1);
}
