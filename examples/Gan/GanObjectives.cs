namespace Functional.Nets.Examples.Gan;

/// <summary>The two generator criteria of the lecture.</summary>
internal enum GeneratorCriterion
{
    /// <summary>G maximises ln D(G(z)): loss −mean ln σ(l) = BCE(l, 1) (Goodfellow et al. 2014, §3).</summary>
    NonSaturating,

    /// <summary>G minimises ln(1 − D(G(z))), the minimax game's own term: loss mean ln(1 − σ(l)) = −BCE(l, 0).</summary>
    Saturating,
}

/// <summary>
/// The GAN's objectives over a two-part state ("generator", "discriminator"), and the step that alternates them:
/// k discriminator updates, then one generator update, each the gradient of its objective with respect to its own part
/// only (the other part is a constant) followed by that part's own optimizer.
/// </summary>
/// <remarks>
/// D maximises Σ ln D(xᵢ) + ln(1 − D(G(zᵢ))), that is minimises BCE(D(x), 1) + BCE(D(G(z)), 0) on logits. With k
/// updates per step, update i of D sees the i-th of k equal slices of the step's batch of real digits (so each sees
/// digits of its own) and fresh noise from its own key.
/// </remarks>
internal sealed class GanObjectives(GanPair pair, GeneratorCriterion criterion, int discriminatorSteps)
{
    /// <summary>The part names.</summary>
    public const string G = "generator";

    /// <summary>The part names.</summary>
    public const string D = "discriminator";

    /// <summary>The pair.</summary>
    public GanPair Pair { get; } = pair;

    /// <summary>The generator's criterion.</summary>
    public GeneratorCriterion Criterion { get; } = criterion;

    /// <summary>Discriminator updates per generator update.</summary>
    public int DiscriminatorSteps { get; } = discriminatorSteps >= 1
        ? discriminatorSteps
        : throw new ArgumentOutOfRangeException(nameof(discriminatorSteps), discriminatorSteps, $"GAN: k (discriminator updates per generator update) must be ≥ 1, got {discriminatorSteps}");

    /// <summary>The step: updates "discriminator" (or "discriminator-1" … "discriminator-k"), then "generator".</summary>
    public MultiPartTrainer Trainer()
    {
        var updates = new List<PartUpdate>();
        for (var i = 0; i < DiscriminatorSteps; i++)
        {
            var slice = i;
            updates.Add(new PartUpdate((p, s, b, k) => Discriminator(p, s, b, k, slice), D) { Label = DiscriminatorSteps == 1 ? D : $"{D}-{i + 1}" });
        }

        updates.Add(new PartUpdate(Generator, G));
        return new MultiPartTrainer([.. updates]);
    }

    /// <summary>
    /// BCE(D(x), 1) + BCE(D(G(z)), 0) on slice <paramref name="slice"/> of the batch; G runs in training mode (batch
    /// statistics) as in G's own update, but its statistics are not kept from here. Metrics: D's accuracy on both halves.
    /// </summary>
    public ObjectiveResult Discriminator(TensorTree parameters, TensorTree state, Batch batch, Key key, int slice)
    {
        var size = batch.Count / DiscriminatorSteps;
        if (size == 0)
        {
            throw new ArgumentException($"GAN: a batch of {batch.Count} cannot be shared by k = {DiscriminatorSteps} discriminator updates", nameof(batch));
        }

        var real = DiscriminatorSteps == 1 ? batch.Inputs : batch.Inputs.Slice(0, slice * size, size);
        var backend = real.Backend;
        var (fake, _) = Pair.Generate(parameters.Child(G), state.Child(G), Pair.NoiseBatch(backend, key, size), Context.TrainDeterministic);
        var realLogits = Pair.Logits(parameters.Child(D), real);
        var fakeLogits = Pair.Logits(parameters.Child(D), fake);
        var loss = Losses.BinaryCrossEntropyWithLogits(realLogits, Full(backend, size, 1)) + Losses.BinaryCrossEntropyWithLogits(fakeLogits, Full(backend, size, 0));
        var right = realLogits.ToArray().Count(v => v > 0) + fakeLogits.ToArray().Count(v => v < 0);
        return new ObjectiveResult(loss, TensorTree.Empty, [new Metric("accuracy", right / (2.0 * size))]);
    }

    /// <summary>
    /// The generator's criterion on a batch of noise as large as the step's slices (D a constant); G's new batch-norm
    /// statistics are kept. Metric: the mean D(G(z)).
    /// </summary>
    public ObjectiveResult Generator(TensorTree parameters, TensorTree state, Batch batch, Key key)
    {
        var size = batch.Count / DiscriminatorSteps;
        var backend = batch.Inputs.Backend;
        var (loss, next, dOfG) = GeneratorLoss(parameters, state, Pair.NoiseBatch(backend, key, Math.Max(size, 1)));
        return new ObjectiveResult(loss, TensorTree.Nest([(G, next)]), [new Metric("D(G(z))", dOfG)]);
    }

    /// <summary>The criterion's loss at noise <paramref name="z"/>, G's new state and the mean D(G(z)).</summary>
    public (Tensor Loss, TensorTree State, double MeanDOfG) GeneratorLoss(TensorTree parameters, TensorTree state, Tensor z)
    {
        var backend = z.Backend;
        var (fake, next) = Pair.Generate(parameters.Child(G), state.Child(G), z, Context.TrainDeterministic);
        var logits = Pair.Logits(parameters.Child(D), fake);
        var n = z.Shape[0];
        var loss = Criterion == GeneratorCriterion.NonSaturating
            ? Losses.BinaryCrossEntropyWithLogits(logits, Full(backend, n, 1))
            : -Losses.BinaryCrossEntropyWithLogits(logits, Full(backend, n, 0));
        var meanD = logits.ToArray().Average(l => 1 / (1 + Math.Exp(-l)));
        return (loss, next, meanD);
    }

    private static Tensor Full(Backend backend, int count, double value) => backend.FromArray(Enumerable.Repeat(value, count).ToArray(), count, 1);
}
