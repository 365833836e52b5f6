namespace Functional.Nets;

/// <summary>
/// What a training step minimises, as one function (Lux's objective <c>(model, ps, st, data) -> (loss, st′, stats)</c>):
/// the loss at <paramref name="parameters"/> on <paramref name="batch"/>, the layers' new state, and named scalars to
/// report. A supervised loss, a reconstruction loss without targets and either side of an adversarial game are all
/// objectives, so <see cref="MultiPartTrainer"/> trains any of them without a trainer of its own.
/// </summary>
/// <remarks>
/// <para>
/// Under <see cref="MultiPartTrainer"/> the trees are nested by part name: <paramref name="parameters"/> holds every
/// part's parameters (<c>generator.0.weight</c>, <c>discriminator.0.weight</c>) and <paramref name="state"/> every
/// part's layer state, so an objective reads <c>parameters.Child("generator")</c>. Only the parts the update trains
/// are differentiated; the others are constants, so the discriminator's objective may run the generator and no
/// gradient reaches it. <see cref="Objectives.OnPart"/> lifts an objective written for one model onto one part.
/// </para>
/// <para>
/// The objective is called once per update, inside the backend's gradient recording: it must be pure (same inputs,
/// same result), and may read values (<see cref="Tensor.Item"/>) for its metrics.
/// </para>
/// </remarks>
/// <param name="parameters">The parameters (nested by part name under <see cref="MultiPartTrainer"/>).</param>
/// <param name="state">The layer state (nested the same way).</param>
/// <param name="batch">The batch; <see cref="Batch.Targets"/> throws where the dataset has inputs only.</param>
/// <param name="key">This update's randomness: pass it to <see cref="Context.Train"/> for dropout masks.</param>
public delegate ObjectiveResult Objective(TensorTree parameters, TensorTree state, Batch batch, Key key);

/// <summary>A named scalar an objective reports beside its loss (a discriminator's accuracy, a reconstruction error).</summary>
/// <param name="Name">The name, e.g. <c>accuracy</c>; <see cref="MultiPartTrainer"/> prefixes the update's label.</param>
/// <param name="Value">The value on this batch.</param>
public sealed record Metric(string Name, double Value)
{
    /// <summary>The name, e.g. <c>accuracy</c>; <see cref="MultiPartTrainer"/> prefixes the update's label.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>
    /// The name of the count of correctly classified samples: a metric of this name (unprefixed) is reported as
    /// <see cref="StepMetrics.Correct"/>, so accuracy shows in progress displays and in <see cref="History"/>.
    /// </summary>
    public const string Correct = "correct";
}

/// <summary>What an <see cref="Objective"/> returns.</summary>
public sealed record ObjectiveResult
{
    /// <summary>Creates the result.</summary>
    /// <param name="loss">The scalar to minimise (shape [] or one element).</param>
    /// <param name="state">The layers' new state (nested by part name, as the state argument was); empty leaves every part's state as it was.</param>
    /// <param name="metrics">Named scalars to report; none if null.</param>
    public ObjectiveResult(Tensor loss, TensorTree state, IReadOnlyList<Metric>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(state);
        Loss = loss;
        State = state;
        Metrics = metrics ?? [];
    }

    /// <summary>The scalar to minimise.</summary>
    public Tensor Loss { get; init; }

    /// <summary>The layers' new state.</summary>
    public TensorTree State { get; init; }

    /// <summary>Named scalars to report.</summary>
    public IReadOnlyList<Metric> Metrics { get; init; }
}

/// <summary>Ready-made objectives and combinators.</summary>
public static class Objectives
{
    /// <summary>
    /// The supervised objective of <see cref="Trainer"/>: loss(model(x), targets) + penalty(θ) in training mode with the
    /// step's key, the model's new state, and (when the batch has labels) the count of correct predictions as
    /// <see cref="Metric.Correct"/>. The trees are the model's own (not nested); lift it onto a part with
    /// <see cref="OnPart"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">When called on a batch without targets (a dataset of inputs only).</exception>
    public static Objective Supervised(Layer model, LossFunction loss, Func<TensorTree, Tensor>? penalty = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        return (parameters, state, batch, key) =>
        {
            var (y, next) = model.Apply(parameters, state, batch.Inputs, Context.Train(key));
            var l = loss(y, batch.Targets);
            if (penalty is not null)
            {
                l += penalty(parameters);
            }

            IReadOnlyList<Metric> metrics = batch.Labels is { } labels ? [new Metric(Metric.Correct, Functional.Nets.Metrics.CountCorrect(y, labels))] : [];
            return new ObjectiveResult(l, next, metrics);
        };
    }

    /// <summary>
    /// <paramref name="objective"/>, written for one model's own trees, as an objective over the part named
    /// <paramref name="part"/>: it sees <c>parameters.Child(part)</c> and <c>state.Child(part)</c>, and its new state
    /// is nested back under the part's name.
    /// </summary>
    public static Objective OnPart(string part, Objective objective)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(part);
        ArgumentNullException.ThrowIfNull(objective);
        return (parameters, state, batch, key) =>
        {
            var result = objective(parameters.Child(part), state.Child(part), batch, key);
            return result with { State = result.State.Count == 0 ? TensorTree.Empty : TensorTree.Nest([(part, result.State)]) };
        };
    }
}
