namespace Functional.Nets;

/// <summary>Batch normalization's fused primitive, checked before dispatch.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// Normalizes this tensor of shape [N, C, *] per channel (axis 1) with its own batch statistics and
    /// applies the affine map: y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c, where μ_c and the biased variance
    /// σ²_c = Σ(x − μ_c)²/M are taken over the M = N·(trailing dimensions) entries of channel c.
    /// Returns y and, as constants (not differentiated), μ and σ² of shape [C].
    /// </summary>
    /// <param name="gamma">γ, shape [C].</param>
    /// <param name="beta">β, shape [C].</param>
    /// <param name="epsilon">ε &gt; 0, added to the variance.</param>
    /// <exception cref="ShapeMismatchException">The rank is below 2, a channel has no entries, or γ or β is not [C].</exception>
    /// <exception cref="BackendMismatchException">γ or β lives on another backend.</exception>
    /// <exception cref="ArgumentOutOfRangeException">ε is not positive and finite.</exception>
    public (Tensor Output, Tensor Mean, Tensor Variance) BatchNormTrain(Tensor gamma, Tensor beta, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        if (Shape.Rank < 2)
        {
            throw new ShapeMismatchException($"batch_norm: expected an input [N, C, *] of rank ≥ 2, got shape {Shape}");
        }

        var channels = Shape[1];
        if (channels == 0 || Size == 0)
        {
            throw new ShapeMismatchException($"batch_norm: every channel needs at least one entry, got shape {Shape}");
        }

        RequireSameBackend("batch_norm", this, gamma);
        RequireSameBackend("batch_norm", this, beta);
        if (gamma.Shape != new Shape(channels) || beta.Shape != new Shape(channels))
        {
            throw new ShapeMismatchException(
                $"batch_norm: γ and β must have shape [{channels}] for input {Shape}, got {gamma.Shape} and {beta.Shape}");
        }

        if (!(epsilon > 0 && double.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"batch_norm: ε must be positive and finite, got {epsilon}");
        }

        return Backend.BatchNormTrain(this, gamma, beta, epsilon);
    }
}
