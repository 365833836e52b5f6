namespace Functional.Nets;

/// <summary>
/// An optimizer as a pure pair of functions over parameter trees (optax's gradient transformation):
/// <see cref="Init"/> makes the optimizer state from the parameters, and <see cref="Update"/> maps
/// gradients, state and parameters to <em>updates</em> and the new state. Applying updates only adds:
/// θ′ = θ + u (see <see cref="ApplyUpdates"/>). Nothing is mutated, so a step can be replayed,
/// checkpointed or compared across backends.
/// </summary>
/// <remarks>
/// The state is itself a <see cref="TensorTree"/> (leaf names like <c>0.weight.exp_avg</c>), so
/// checkpoints save it like parameters. Optimizers compose with <see cref="Optim.Chain"/>:
/// Adam is "scale by Adam moments" followed by "scale by −learning rate".
/// </remarks>
public abstract class Optimizer
{
    /// <summary>The initial state for <paramref name="parameters"/>.</summary>
    public abstract TensorTree Init(TensorTree parameters);

    /// <summary>Transforms <paramref name="gradients"/> into updates, given the state and the current parameters.</summary>
    public abstract (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters);

    /// <summary>A description, e.g. <c>Adam(lr=0.001)</c>.</summary>
    public abstract string Describe();

    /// <summary>θ′ = θ + u, leaf by leaf.</summary>
    public static TensorTree ApplyUpdates(TensorTree parameters, TensorTree updates) => Leafwise.Zip(parameters, updates, (p, u) => p + u);

    /// <summary>
    /// One step: updates from <see cref="Update"/>, then <see cref="ApplyUpdates"/>. The result equals that composition
    /// up to rounding: a chain ending in scalings by the learning rate folds them into the last direction's
    /// arithmetic (<see cref="UpdateAndApply"/>), so Adam's step is one map from (g, m, v, θ) to (m′, v′, θ′) and the
    /// updates are never materialized.
    /// </summary>
    public (TensorTree Parameters, TensorTree State) Step(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        gradients.RequireSameStructure(parameters, $"{Describe()}: gradients vs parameters");
        return UpdateAndApply(gradients, state, parameters, 1);
    }

    /// <summary>
    /// θ′ = θ + c·u with (u, state′) = <see cref="Update"/>(g, state, θ), in one pass where the transformation can
    /// (ScaleByAdam writes θ + c·γ·m/(s·√v + ε) directly). The default updates, then adds c·u. When
    /// <paramref name="donated"/>, the buffers of <paramref name="state"/> and <paramref name="parameters"/> are dead
    /// after this call (see <see cref="Trainer.Step"/>) and the new values may be written into them; the values are the
    /// same either way.
    /// </summary>
    internal virtual (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false)
    {
        var (updates, next) = Update(gradients, state, parameters);
        return (Leafwise.Zip(parameters, updates, (p, u, reuse) => UpdateMaps.AddScaled(p, 1, u, scale, reuse), donated), next);
    }

    /// <summary>
    /// <see cref="Step"/> when the caller donates <paramref name="state"/> and <paramref name="parameters"/>: their buffers
    /// may be overwritten with the results, so they must not be used afterwards (releasing them is still right).
    /// </summary>
    internal (TensorTree Parameters, TensorTree State) StepDonating(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        gradients.RequireSameStructure(parameters, $"{Describe()}: gradients vs parameters");
        return UpdateAndApply(gradients, state, parameters, 1, donated: true);
    }

    /// <summary>
    /// Whether this transformation is u = f·g for a factor f known from its state alone (a learning-rate schedule), and
    /// if so f and its next state; <see cref="Chain"/> folds such trailing links into <see cref="UpdateAndApply"/>.
    /// </summary>
    internal virtual bool TryScale(TensorTree state, out double factor, out TensorTree next)
    {
        factor = 1;
        next = TensorTree.Empty;
        return false;
    }

    /// <summary>Returns <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();
}
