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
    public static TensorTree ApplyUpdates(TensorTree parameters, TensorTree updates) => parameters.Zip(updates, (p, u) => p + u);

    /// <summary>One step: updates from <see cref="Update"/>, then <see cref="ApplyUpdates"/>.</summary>
    public (TensorTree Parameters, TensorTree State) Step(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        gradients.RequireSameStructure(parameters, $"{Describe()}: gradients vs parameters");
        var (updates, next) = Update(gradients, state, parameters);
        return (ApplyUpdates(parameters, updates), next);
    }

    /// <summary>Returns <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();
}
