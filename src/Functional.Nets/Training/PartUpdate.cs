namespace Functional.Nets;

/// <summary>
/// One gradient update within a <see cref="MultiPartTrainer"/> step: the gradient of <see cref="Objective"/> with
/// respect to the parameters of <see cref="Parts"/> (every other part is a constant), then each of those parts'
/// own optimizer step. A GAN's step is two updates on one batch, the discriminator's then the generator's.
/// </summary>
public sealed record PartUpdate
{
    /// <summary>Creates the update.</summary>
    /// <param name="objective">What the update minimises.</param>
    /// <param name="parts">The parts it trains (at least one, distinct).</param>
    /// <exception cref="ArgumentException">No parts, or a part named twice.</exception>
    public PartUpdate(Objective objective, params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("PartUpdate: name at least one part to train", nameof(parts));
        }

        if (parts.Distinct(StringComparer.Ordinal).Count() != parts.Length)
        {
            throw new ArgumentException($"PartUpdate: a part is named twice in [{string.Join(", ", parts)}]", nameof(parts));
        }

        Objective = objective;
        Parts = parts.ToArray();
        Label = string.Join("+", parts);
    }

    /// <summary>What the update minimises.</summary>
    public Objective Objective { get; }

    /// <summary>The parts it trains.</summary>
    public IReadOnlyList<string> Parts { get; }

    /// <summary>
    /// The prefix of this update's metrics (<c>discriminator.loss</c>, <c>discriminator.accuracy</c>) and its name in
    /// error messages; by default the part names joined by '+'.
    /// </summary>
    public string Label { get; init; }
}
