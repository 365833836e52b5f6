namespace Functional.Nets;

/// <summary>
/// Gradient clipping by value: u = clamp(g, −c, c) entry by entry, as <c>torch.nn.utils.clip_grad_value_(params, c)</c>.
/// Put it first in a chain (PyTorch clips <c>.grad</c> before <c>step()</c>). Stateless.
/// </summary>
/// <remarks>
/// The clamp is built from the backend's primitives (see <see cref="AddL1Decay"/> for the sign it uses); it
/// returns exactly g or ±c except for entries within about 2·10⁻²⁹² (float64) of ±c, where it returns a
/// value between the two. Gradients must be finite.
/// </remarks>
public sealed class ClipByValue : Optimizer
{
    /// <summary>Creates the transformation with bound <paramref name="clipValue"/> ≥ 0.</summary>
    public ClipByValue(double clipValue)
    {
        if (!(clipValue >= 0) || double.IsPositiveInfinity(clipValue))
        {
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "ClipByValue: the bound must be finite and non-negative");
        }

        ClipValue = clipValue;
    }

    /// <summary>c.</summary>
    public double ClipValue { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) => TensorTree.Empty;

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters) =>
        (Leafwise.Apply(gradients, g => g.Clamp(-ClipValue, ClipValue)), TensorTree.Empty);

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ClipByValue({ClipValue:G})");
}
