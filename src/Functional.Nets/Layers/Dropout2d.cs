using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Channel dropout of [N, C, *], as <c>nn.Dropout2d</c>: in training each (sample, channel) plane is kept whole with
/// probability 1 − p and zeroed otherwise, by a mask m ~ Bernoulli(1 − p) of shape [N, C, 1, …, 1] broadcast over the
/// spatial axes; kept planes are scaled by 1/(1 − p) (inverted dropout), so y = x ⊙ m/(1 − p) and E[y] = x. At
/// evaluation it is the identity. Neighbouring pixels of a feature map are strongly correlated, so dropping single
/// entries barely regularizes a convolutional layer; dropping whole maps does (Tompson et al. 2015).
/// </summary>
/// <remarks>
/// As <see cref="Dropout"/>, the mask is drawn in the core from the context's <see cref="Key"/> (plane i is kept when
/// the key's i-th uniform number is ≥ p), so every backend applies the same mask.
/// </remarks>
public sealed class Dropout2d : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of dropping a channel, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    public Dropout2d(double p = 0.5)
    {
        P = DropoutMask.CheckProbability(p, "Dropout2d");
    }

    /// <summary>The probability of dropping a channel.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override bool IsStochastic => true;

    /// <inheritdoc />
    public override string Describe() => string.Create(CultureInfo.InvariantCulture, $"Dropout2d(p={P:G})");

    /// <inheritdoc />
    /// <exception cref="ShapeMismatchException">The input has rank below 3 (no spatial axis).</exception>
    public override Shape OutputShape(Shape input) =>
        input.Rank >= 3 ? input : throw new ShapeMismatchException($"Dropout2d: expected an input [N, C, *] with at least one spatial axis (rank ≥ 3), got shape {input}");

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Training mode without a key.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        OutputShape(input.Shape);
        if (context.Mode == Mode.Eval)
        {
            return (input, state);
        }

        var planes = new Shape([input.Shape[0], input.Shape[1], .. Enumerable.Repeat(1, input.Shape.Rank - 2)]);
        var mask = DropoutMask.Create(DropoutMask.RequireKey(context, Describe()), P, DropoutKind.Inverted, planes, input.Backend);
        return (input * mask, state);
    }
}
