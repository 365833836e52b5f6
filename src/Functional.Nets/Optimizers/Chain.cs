namespace Functional.Nets;

/// <summary>
/// Transformations applied in sequence: each one's updates are the next one's gradients. The state
/// of transformation i is stored under the prefix <c>i.</c>.
/// </summary>
public sealed class Chain : Optimizer
{
    private readonly Optimizer[] parts;

    /// <summary>Creates the chain (at least one part).</summary>
    public Chain(params Optimizer[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("Chain: needs at least one transformation", nameof(parts));
        }

        this.parts = [.. parts];
    }

    /// <summary>The transformations, in order.</summary>
    public IReadOnlyList<Optimizer> Parts => parts;

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Nest(parts.Select((p, i) => (Name(i), p.Init(parameters))));

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var u = gradients;
        var states = new List<(string, TensorTree)>(parts.Length);
        for (var i = 0; i < parts.Length; i++)
        {
            var (next, s) = parts[i].Update(u, state.Child(Name(i)), parameters);
            u = next;
            states.Add((Name(i), s));
        }

        return (u, TensorTree.Nest(states));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Trailing links that only scale (the learning rate) are folded into <paramref name="scale"/>, and the last
    /// other link applies its direction with that factor (θ + c·(−α)·u instead of materializing −α·u and adding it).
    /// A <see cref="ScaleByAdam"/> directly before or after an <see cref="AddDecayedWeights"/> there (AdamW, Adam with
    /// <c>weight_decay</c>) applies both in one map.
    /// </remarks>
    internal override (TensorTree Parameters, TensorTree State) UpdateAndApply(
        TensorTree gradients, TensorTree state, TensorTree parameters, double scale, bool donated = false)
    {
        var states = new TensorTree[parts.Length];
        var last = parts.Length;
        while (last > 0 && parts[last - 1].TryScale(state.Child(Name(last - 1)), out var factor, out var next))
        {
            scale *= factor;
            states[--last] = next;
        }

        // Adam beside a weight decay, both links in one map: AdamW (Adam's direction, then the decoupled decay u + λθ,
        // then the rate) and Adam's L2 penalty (g + λ₀θ, then Adam's direction, then the rate).
        var decoupled = last >= 2 && parts[last - 2] is ScaleByAdam && parts[last - 1] is AddDecayedWeights;
        var coupled = last >= 2 && parts[last - 2] is AddDecayedWeights && parts[last - 1] is ScaleByAdam;
        var u = gradients;
        for (var i = 0; i < last - (decoupled || coupled ? 2 : 1); i++)
        {
            (u, states[i]) = parts[i].Update(u, state.Child(Name(i)), parameters);
        }

        TensorTree result;
        if (decoupled || coupled)
        {
            var (adamAt, decayAt) = decoupled ? (last - 2, last - 1) : (last - 1, last - 2);
            var adam = (ScaleByAdam)parts[adamAt];
            var decay = ((AddDecayedWeights)parts[decayAt]).WeightDecay;
            (result, states[adamAt]) = adam.UpdateAndApplyDecayed(
                u, state.Child(Name(adamAt)), parameters, scale, donated, coupled ? decay : null, decoupled ? decay : null);
            states[decayAt] = TensorTree.Empty; // AddDecayedWeights is stateless
        }
        else if (last == 0)
        {
            result = Leafwise.Zip(parameters, u, (p, g, reuse) => UpdateMaps.AddScaled(p, 1, g, scale, reuse), donated);
        }
        else
        {
            // Only the last link applies, so only it may reuse the donated buffers (earlier links read θ and their state).
            (result, states[last - 1]) = parts[last - 1].UpdateAndApply(u, state.Child(Name(last - 1)), parameters, scale, donated);
        }

        return (result, TensorTree.Nest(states.Select((s, i) => (Name(i), s))));
    }

    /// <inheritdoc />
    public override string Describe() => "Chain(" + string.Join(", ", parts.Select(p => p.Describe())) + ")";

    private static string Name(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
