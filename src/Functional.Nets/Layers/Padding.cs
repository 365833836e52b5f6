namespace Functional.Nets;

/// <summary>How a padding is given: named as the lecture names the cases, or explicitly per side.</summary>
public enum PaddingKind
{
    /// <summary>No padding ("valid"): the output shrinks by d·(k − 1).</summary>
    None,

    /// <summary>Half ("same") padding, d·(k − 1)/2 on each side: with stride 1 the output keeps the input's size (odd kernels).</summary>
    Half,

    /// <summary>Full padding, d·(k − 1) on each side: every partial overlap of kernel and input gives an output (size n + d·(k − 1) at stride 1).</summary>
    Full,

    /// <summary>Explicit (before, after) zeros per spatial axis, possibly asymmetric.</summary>
    Explicit,
}

/// <summary>
/// The zero padding of a convolution layer: <see cref="None"/>, <see cref="Half"/>, <see cref="Full"/> (the lecture's
/// cases), or <see cref="Explicit"/> (before, after) per spatial axis. Resolved against the kernel and dilation by
/// <see cref="Resolve"/>.
/// </summary>
public sealed record Padding
{
    private Padding(PaddingKind kind, IReadOnlyList<(int Before, int After)> sides)
    {
        Kind = kind;
        Sides = sides;
    }

    /// <summary>No padding (valid convolution).</summary>
    public static Padding None { get; } = new(PaddingKind.None, []);

    /// <summary>Half (same) padding: d·(k − 1)/2 on each side, for odd kernels (d·(k − 1) even).</summary>
    public static Padding Half { get; } = new(PaddingKind.Half, []);

    /// <summary>Full padding: d·(k − 1) on each side.</summary>
    public static Padding Full { get; } = new(PaddingKind.Full, []);

    /// <summary>The kind.</summary>
    public PaddingKind Kind { get; }

    /// <summary>The (before, after) zeros per spatial axis of an <see cref="PaddingKind.Explicit"/> padding (empty otherwise).</summary>
    public IReadOnlyList<(int Before, int After)> Sides { get; }

    /// <summary>Explicit (before, after) zeros per spatial axis, e.g. <c>Padding.Explicit((1, 2), (0, 1))</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is negative.</exception>
    public static Padding Explicit(params (int Before, int After)[] sides)
    {
        ArgumentNullException.ThrowIfNull(sides);
        if (sides.Any(s => s.Before < 0 || s.After < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sides), $"padding: sides must be non-negative, got [{string.Join(", ", sides)}]");
        }

        return new Padding(PaddingKind.Explicit, sides.ToArray());
    }

    /// <summary>The same number of zeros before and after each spatial axis (PyTorch's <c>padding=(p_h, p_w)</c>).</summary>
    public static Padding Symmetric(params int[] perAxis)
    {
        ArgumentNullException.ThrowIfNull(perAxis);
        return Explicit(perAxis.Select(p => (p, p)).ToArray());
    }

    /// <summary>The (before, after) zeros per spatial axis for this kernel and dilation.</summary>
    /// <param name="kernel">The kernel size per spatial axis.</param>
    /// <param name="dilation">The dilation per spatial axis.</param>
    /// <param name="layer">The layer, named in errors.</param>
    /// <exception cref="ArgumentException">Half padding with an even dilated kernel, or an explicit padding for another number of axes.</exception>
    public (int Before, int After)[] Resolve(IReadOnlyList<int> kernel, IReadOnlyList<int> dilation, string layer)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(dilation);
        var span = kernel.Select((k, i) => checked(dilation[i] * (k - 1))).ToArray();
        switch (Kind)
        {
            case PaddingKind.None:
                return span.Select(_ => (0, 0)).ToArray();
            case PaddingKind.Full:
                return span.Select(s => (s, s)).ToArray();
            case PaddingKind.Half:
                if (span.Any(s => s % 2 != 0))
                {
                    throw new ArgumentException(
                        $"{layer}: half (same) padding needs an odd kernel (d·(k − 1) even on every axis), got kernel [{string.Join(", ", kernel)}] with dilation [{string.Join(", ", dilation)}]");
                }

                return span.Select(s => (s / 2, s / 2)).ToArray();
            default:
                if (Sides.Count != kernel.Count)
                {
                    throw new ArgumentException($"{layer}: explicit padding needs {kernel.Count} (before, after) pairs, got [{string.Join(", ", Sides)}]");
                }

                return [.. Sides];
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind == PaddingKind.Explicit ? $"[{string.Join(", ", Sides)}]" : Kind.ToString();

    /// <inheritdoc />
    public bool Equals(Padding? other) => other is not null && Kind == other.Kind && Sides.SequenceEqual(other.Sides);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Sides.Count);
}
