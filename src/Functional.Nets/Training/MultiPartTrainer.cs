namespace Functional.Nets;

/// <summary>
/// Training on any objective: a step applies each <see cref="PartUpdate"/> in order to one batch (the gradient of its
/// <see cref="Objective"/> with respect to the parts it trains, then their optimizers), so supervised, unsupervised and
/// adversarial training share one step, one <see cref="Fit"/> loop, one set of callbacks and one checkpoint format.
/// <see cref="Trainer"/> is this with one part and <see cref="Objectives.Supervised"/>.
/// </summary>
/// <remarks>
/// <para>
/// Updates run in sequence: the second sees the parts as the first left them (Equinox's GAN example updates the
/// discriminator, then the generator against the updated discriminator). The step count rises by one per step, not
/// per update. Update i of n is given the key <c>StepKey</c> when n = 1 and <c>StepKey.Split(n)[i]</c> otherwise.
/// </para>
/// <para>
/// Memory: a step runs inside the backend's <see cref="TensorScope"/>; only the new state survives it (gradients,
/// intermediates and the states between updates are released when it ends).
/// </para>
/// </remarks>
public sealed partial class MultiPartTrainer
{
    /// <summary>Creates a trainer whose step applies <paramref name="updates"/> in order.</summary>
    /// <exception cref="ArgumentException">No updates, or two updates of one label.</exception>
    public MultiPartTrainer(params PartUpdate[] updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Length == 0)
        {
            throw new ArgumentException("MultiPartTrainer: give at least one update", nameof(updates));
        }

        var duplicate = updates.GroupBy(u => u.Label, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"MultiPartTrainer: two updates are labelled '{duplicate.Key}'; give one a distinct Label", nameof(updates));
        }

        Updates = updates.ToArray();
    }

    /// <summary>The updates of one step, in order.</summary>
    public IReadOnlyList<PartUpdate> Updates { get; }

    /// <summary>
    /// One pure training step on <paramref name="batch"/>: every update in order, then the step count plus one.
    /// </summary>
    /// <param name="state">The current state; not modified, still valid afterwards (unless donated).</param>
    /// <param name="batch">The batch.</param>
    /// <param name="requireFiniteLoss">If true, a NaN or infinite loss throws <see cref="NonFiniteException"/> naming the step and the update.</param>
    /// <param name="donate">
    /// If true, <paramref name="state"/> is given up, as in <see cref="Trainer.Step"/>: optimizers may write the new
    /// parameters and optimizer states into its buffers. It must not be used afterwards except to release it with
    /// <see cref="MultiPartState.ReleaseUnshared"/>.
    /// </param>
    /// <returns>
    /// The new state and the metrics: <see cref="StepMetrics.Loss"/> is the sum of the updates' losses; every update's
    /// loss is also in <see cref="StepMetrics.Scalars"/> as <c>label.loss</c>, with its objective's metrics as
    /// <c>label.name</c>.
    /// </returns>
    /// <exception cref="KeyNotFoundException">An update names a part the state does not have; the message lists the parts.</exception>
    /// <exception cref="ShapeMismatchException">An objective returned a loss that is not a scalar; the message names the update and the shape.</exception>
    /// <exception cref="ArgumentException">An objective returned layer state for a part the state does not have.</exception>
    /// <param name="requireFiniteUpdates">
    /// If true, a NaN or infinite gradient entry, or a new parameter that is not finite, throws <see cref="NonFiniteException"/>
    /// naming the step, the update and the first such leaf and element (a finite loss can still have an infinite gradient,
    /// which would leave a weight at −∞ with no word). One reduction per leaf and one scalar read when all is finite.
    /// </param>
    public (MultiPartState State, StepMetrics Metrics) Step(MultiPartState state, Batch batch, bool requireFiniteLoss = false, bool donate = false, bool requireFiniteUpdates = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(batch);
        RequireParts(state);
        var backend = state.Backend;
        using var scope = backend.Scope();
        var keys = Updates.Count == 1 ? [state.StepKey] : state.StepKey.Split(Updates.Count);
        var current = state;
        double total = 0;
        int? correct = null;
        var scalars = new List<Metric>();
        for (var i = 0; i < Updates.Count; i++)
        {
            var update = Updates[i];
            var (next, loss, metrics) = Apply(update, current, batch, keys[i], requireFiniteLoss, donate, requireFiniteUpdates);
            current = next;
            total += loss;
            scalars.Add(new Metric(update.Label + ".loss", loss));
            foreach (var m in metrics)
            {
                if (m.Name == Metric.Correct)
                {
                    correct = (int)m.Value;
                }

                scalars.Add(m with { Name = update.Label + "." + m.Name });
            }
        }

        // The final trees survive the step; whatever the updates made and replaced is released with the scope.
        foreach (var part in current.Parts)
        {
            scope.Keep(part.Parameters);
            scope.Keep(part.LayerState);
            scope.Keep(part.OptimizerState);
        }

        // A stepped state is no longer where its fit record was taken: Fit attaches a new one, a hand-written loop none.
        return (current with { Step = state.Step + 1, Progress = null }, new StepMetrics(total, correct, batch.Count) { Scalars = scalars });
    }

    /// <summary>Throws <see cref="KeyNotFoundException"/> if an update names a part <paramref name="state"/> lacks.</summary>
    internal void RequireParts(MultiPartState state)
    {
        foreach (var update in Updates)
        {
            foreach (var name in update.Parts)
            {
                if (!state.Contains(name))
                {
                    throw new KeyNotFoundException(
                        $"MultiPartTrainer: update '{update.Label}' trains the part '{name}', but the state's parts are {string.Join(", ", state.Names.Select(n => $"'{n}'"))}");
                }
            }
        }
    }

    /// <summary>One update: the objective's value and gradient with respect to the trained parts, then their optimizer steps.</summary>
    private static (MultiPartState State, double Loss, IReadOnlyList<Metric> Metrics) Apply(
        PartUpdate update, MultiPartState state, Batch batch, Key key, bool requireFiniteLoss, bool donate, bool requireFiniteUpdates)
    {
        var trained = new HashSet<string>(update.Parts, StringComparer.Ordinal);

        // Only the trainable leaves of the trained parts are differentiated; their frozen leaves join the constants.
        var point = TensorTree.Nest(update.Parts.Select(n => (n, state[n].TrainableParameters)));
        var frozen = TensorTree.Nest(update.Parts.Select(n => (n, state[n].FrozenParameters)));
        var layerState = state.LayerState;
        IReadOnlyList<Metric> metrics = [];
        var (loss, newState, grads) = Grad.ValueAndGradTrainableWithAux(
            p =>
            {
                // The trained parts come from p (recorded trainable leaves merged with constant frozen ones); the other
                // parts enter as constants, so no gradient reaches them.
                var all = TensorTree.Nest(state.Parts.Select(part => (part.Name, trained.Contains(part.Name) ? p.Child(part.Name) : part.Parameters)));
                var result = update.Objective(all, layerState, batch, key)
                    ?? throw new InvalidOperationException($"MultiPartTrainer: the objective of update '{update.Label}' returned null");
                if (result.Loss.Size != 1)
                {
                    throw new ShapeMismatchException(
                        $"MultiPartTrainer: the objective of update '{update.Label}' returned a loss of shape {result.Loss.Shape}; a loss must be a scalar (reduce it with Mean() or Sum())");
                }

                metrics = result.Metrics;
                return (result.Loss, result.State);
            },
            point,
            frozen);

        var value = loss.Item();
        if (requireFiniteLoss && !double.IsFinite(value))
        {
            throw new NonFiniteException(
                $"the loss at step {state.Step} is {value} (update '{update.Label}', {string.Join(", ", update.Parts.Select(n => $"{n}: {state[n].Optimizer.Describe()}"))}, batch of {batch.Count})");
        }

        if (requireFiniteUpdates && FiniteLeaves.FirstNonFinite(grads) is { } badGradient)
        {
            throw new NonFiniteException(
                $"the gradient at step {state.Step} (update '{update.Label}', loss {value}): {FiniteLeaves.Describe(grads, badGradient)}; the parameters were left as they were");
        }

        var unknown = newState.Names.FirstOrDefault(n => !state.Contains(n.Split('.')[0]) || !n.Contains('.', StringComparison.Ordinal));
        if (unknown is not null)
        {
            throw new ArgumentException(
                $"MultiPartTrainer: the objective of update '{update.Label}' returned the state leaf '{unknown}', which belongs to no part; state leaves are nested by part name ({string.Join(", ", state.Names)}), e.g. with Objectives.OnPart");
        }

        var parts = new List<TrainPart>(state.Parts.Count);
        foreach (var part in state.Parts)
        {
            var next = part;
            if (trained.Contains(part.Name))
            {
                var g = grads.Child(part.Name);
                var trainable = part.TrainableParameters;
                var (parameters, optimizerState) = donate
                    ? part.Optimizer.StepDonating(g, part.OptimizerState, trainable)
                    : part.Optimizer.Step(g, part.OptimizerState, trainable);
                if (requireFiniteUpdates && FiniteLeaves.FirstNonFinite(parameters) is { } badParameter)
                {
                    throw new NonFiniteException(
                        $"the parameters after step {state.Step} (update '{update.Label}', part '{part.Name}', {part.Optimizer.Describe()}): {FiniteLeaves.Describe(parameters, badParameter)}, though the gradient was finite");
                }

                next = next with { Parameters = part.WithTrainable(parameters), OptimizerState = optimizerState };
            }

            var returned = newState.Child(part.Name);
            if (returned.Count > 0)
            {
                next = next with { LayerState = returned };
            }

            parts.Add(next);
        }

        return (state with { Parts = parts }, value, metrics);
    }
}
