namespace Functional.Nets;

/// <summary>
/// Parameter freezing: runs <see cref="Inner"/> on the trainable leaves only. The inner optimizer sees only
/// those leaves' gradients and parameters and keeps state only for them (a frozen leaf has no
/// <c>exp_avg</c>, no momentum); every frozen leaf gets the update u = 0·θ, which is zero for finite θ, so
/// θ + u = θ and a frozen leaf never changes. Its gradient is ignored (it may even be NaN).
/// This is what transfer learning needs: freeze a pretrained backbone, train a new head.
/// </summary>
/// <remarks>
/// The state is the inner optimizer's state over the trainable leaves, with the same names it would have
/// if the frozen leaves did not exist. Which leaves are trainable is decided by name, so a checkpoint of
/// the state stays valid as long as the predicate does.
/// The frozen leaves' gradients are still computed and then ignored; to skip computing them, freeze in the trainer
/// instead (<see cref="Trainer.Frozen"/>, <see cref="TrainPart.Freeze(Func{string, bool})"/>), which differentiates
/// the trainable leaves only (about a third of the step time with two of three MLP layers frozen, README.md).
/// </remarks>
public sealed class Masked : Optimizer
{
    /// <summary>Creates the restriction of <paramref name="inner"/> to the leaves for which <paramref name="trainable"/> holds.</summary>
    public Masked(Optimizer inner, Func<string, bool> trainable, string description = "predicate")
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(trainable);
        Inner = inner;
        Trainable = trainable;
        Description = description;
    }

    /// <summary>The optimizer applied to the trainable leaves.</summary>
    public Optimizer Inner { get; }

    /// <summary>Whether the leaf with this name is trained.</summary>
    public Func<string, bool> Trainable { get; }

    private string Description { get; }

    /// <summary>
    /// Whether <paramref name="leaf"/> lies under the path <paramref name="prefix"/>: equal to it, or starting
    /// with it followed by a dot ("0" covers "0.weight" and "0.1.bias" but not "10.weight").
    /// </summary>
    public static bool IsUnder(string leaf, string prefix)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(prefix);
        return leaf.StartsWith(prefix, StringComparison.Ordinal)
            && (leaf.Length == prefix.Length || leaf[prefix.Length] == '.');
    }

    /// <summary>The trainable leaves of <paramref name="tree"/>; throws if there are none.</summary>
    public TensorTree Select(TensorTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var selected = tree.Where(l => Trainable(l.Key)).ToList();
        if (selected.Count == 0)
        {
            throw new ArgumentException($"Masked({Description}): no leaf is trainable; leaves: {tree.Describe()}");
        }

        return TensorTree.Of(selected);
    }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => Inner.Init(Select(parameters));

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var (inner, next) = Inner.Update(Select(gradients), state, Select(parameters));
        var updates = gradients.Select(l =>
            KeyValuePair.Create(l.Key, inner.TryGet(l.Key, out var u) ? u : parameters[l.Key] * 0.0));
        return (TensorTree.Of(updates), next);
    }

    /// <inheritdoc />
    /// <remarks>The trainable leaves step exactly as <see cref="Inner"/> steps them alone; each frozen leaf becomes θ + c·(0·θ) = θ.</remarks>
    internal override (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false)
    {
        var (inner, next) = Inner.UpdateAndApply(Select(gradients), state, Select(parameters), scale, donated);
        var result = gradients.Select(l =>
        {
            if (inner.TryGet(l.Key, out var stepped))
            {
                return KeyValuePair.Create(l.Key, stepped);
            }

            var p = parameters[l.Key];
            return KeyValuePair.Create(l.Key, UpdateMaps.AddScaled(p, 1, p * 0.0, scale));
        });
        return (TensorTree.Of(result), next);
    }

    /// <inheritdoc />
    public override string Describe() => $"Masked({Inner.Describe()}, trainable: {Description})";
}
