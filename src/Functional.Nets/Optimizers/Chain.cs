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
    public override string Describe() => "Chain(" + string.Join(", ", parts.Select(p => p.Describe())) + ")";

    private static string Name(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
