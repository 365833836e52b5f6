namespace Functional.Nets;

/// <summary>
/// Gradient clipping by global norm, as <c>torch.nn.utils.clip_grad_norm_(params, c)</c> with norm_type 2:
/// ‖g‖ = √(Σ over all leaves and entries of g²), s = min(1, c / (‖g‖ + 10⁻⁶)), u = s·g.
/// One norm over the whole tree (not per leaf), so the direction of the full gradient is kept.
/// Put it first in a chain (PyTorch clips <c>.grad</c> before <c>step()</c>). Stateless.
/// </summary>
/// <remarks>
/// PyTorch computes the norm of the per-leaf norms, we the root of the summed squares: the same number
/// up to rounding. The scale is computed on the backend (no copy to the host); it is a scalar tensor
/// broadcast over each leaf.
/// </remarks>
public sealed class ClipByGlobalNorm : Optimizer
{
    /// <summary>The 10⁻⁶ PyTorch adds to the norm before dividing.</summary>
    public const double NormEpsilon = 1e-6;

    /// <summary>Creates the transformation with bound <paramref name="maxNorm"/> ≥ 0.</summary>
    public ClipByGlobalNorm(double maxNorm)
    {
        if (!(maxNorm >= 0) || double.IsPositiveInfinity(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipByGlobalNorm: the bound must be finite and non-negative");
        }

        MaxNorm = maxNorm;
    }

    /// <summary>c.</summary>
    public double MaxNorm { get; }

    /// <summary>‖g‖ over all leaves, as a scalar tensor on the gradients' backend.</summary>
    public static Tensor GlobalNorm(TensorTree gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count > 1 && Capabilities.Of<IFlatBuffers>(gradients[0].Value.Backend) is { } backend)
        {
            // One reduction over the flat buffer rather than one per leaf (the sum's order differs by rounding only).
            using var flat = backend.Flatten(Leafwise.Leaves(gradients));
            return flat.Square().Sum().Sqrt();
        }

        Tensor? sum = null;
        foreach (var (_, g) in gradients)
        {
            var s = g.Square().Sum();
            sum = sum is null ? s : sum + s;
        }

        return (sum ?? throw new ArgumentException("ClipByGlobalNorm: the gradient tree has no leaves")).Sqrt();
    }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Empty;

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var norm = GlobalNorm(gradients);
        var bound = norm.Backend.FromArray([MaxNorm], Shape.Scalar);
        var scale = (bound / (norm + NormEpsilon)).Minimum(1);
        return (Leafwise.Apply(gradients, g => g * scale), TensorTree.Empty);
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ClipByGlobalNorm({MaxNorm:G})");
}
