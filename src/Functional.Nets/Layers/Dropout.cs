using System.Globalization;

namespace Functional.Nets;

/// <summary>How dropout keeps the expected activation the same in training and evaluation.</summary>
public enum DropoutKind
{
    /// <summary>
    /// Scale the kept units by 1/(1 − p) in training, do nothing at evaluation (PyTorch's <c>nn.Dropout</c>).
    /// E[x⊙m/(1 − p)] = x, so the evaluation network is the trained one unchanged.
    /// </summary>
    Inverted,

    /// <summary>
    /// Zero the dropped units in training without rescaling, multiply by 1 − p at evaluation (Srivastava et
    /// al. 2014, as the lectures first present it): E[x⊙m] = (1 − p)·x, the evaluation activation.
    /// </summary>
    Classic,
}

/// <summary>
/// Dropout: in training each entry is kept with probability 1 − p and zeroed otherwise, independently,
/// by a mask m ~ Bernoulli(1 − p) of the input's shape; at evaluation it is deterministic.
/// <list type="table">
/// <listheader><term>kind</term><description>training / evaluation</description></listheader>
/// <item><term><see cref="DropoutKind.Inverted"/> (default)</term><description>x⊙m/(1 − p) / x</description></item>
/// <item><term><see cref="DropoutKind.Classic"/></term><description>x⊙m / x·(1 − p)</description></item>
/// </list>
/// </summary>
/// <remarks>
/// The mask is drawn in the core from the context's <see cref="Key"/> (entry i is kept when the key's i-th
/// uniform number is ≥ p) and handed to the backend with <see cref="Backend.FromArray(ReadOnlySpan{double}, Shape)"/>,
/// never from a backend's generator, so every backend applies the same mask and the same key always gives
/// the same mask. Inside a <see cref="Sequential"/> each child gets the key folded with its position, so two
/// dropout layers in one model draw independent masks. A new mask per step comes from a new key per step
/// (e.g. <see cref="TrainState.StepKey"/>).
/// </remarks>
public sealed class Dropout : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of dropping an entry, in [0, 1).</param>
    /// <param name="kind">Where the 1/(1 − p) correction goes (default: inverted, as PyTorch).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1) or <paramref name="kind"/> is unknown.</exception>
    public Dropout(double p = 0.5, DropoutKind kind = DropoutKind.Inverted)
    {
        P = DropoutMask.CheckProbability(p, "Dropout");
        Kind = DropoutMask.CheckKind(kind, "Dropout");
    }

    /// <summary>The probability of dropping an entry.</summary>
    public double P { get; }

    /// <summary>Inverted or classic scaling.</summary>
    public DropoutKind Kind { get; }

    /// <inheritdoc />
    public override bool IsStochastic => true;

    /// <inheritdoc />
    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"Dropout(p={P:G}{(Kind == DropoutKind.Classic ? ", classic" : "")})");

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => input;

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => TensorTree.Empty;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Training mode without a key.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (context.Mode == Mode.Eval)
        {
            return (Kind == DropoutKind.Inverted ? input : input * (1 - P), state);
        }

        var mask = DropoutMask.Create(DropoutMask.RequireKey(context, Describe()), P, Kind, input.Shape, input.Backend);
        return (input * mask, state);
    }
}

/// <summary>The Bernoulli masks of <see cref="Dropout"/> and <see cref="DropConnect"/>, drawn in the core.</summary>
internal static class DropoutMask
{
    /// <summary>
    /// The mask for <paramref name="shape"/> on <paramref name="backend"/>: entry i is kept when the key's i-th
    /// uniform number uᵢ ∈ [0, 1) satisfies uᵢ ≥ p, which happens with probability 1 − p. A kept entry holds
    /// 1/(1 − p) for <see cref="DropoutKind.Inverted"/> (the scale folded into the mask: one multiply) and 1
    /// for <see cref="DropoutKind.Classic"/>; a dropped entry holds 0.
    /// </summary>
    public static Tensor Create(Key key, double p, DropoutKind kind, Shape shape, Backend backend)
    {
        var keep = kind == DropoutKind.Inverted ? 1 / (1 - p) : 1.0;

        // Straight into a fresh host tensor where the backend has one (Torch on the CPU): no array of doubles, no
        // conversion and no copy; measured on the MNIST MLP's masks, the host drawing and upload had grown to ~10% of
        // a step once the rest of the step got faster.
        if (Capabilities.Of<IHostMemory>(backend) is { } host && host.AllocateUninitialized(shape) is { } fresh)
        {
            if (backend.DType == DType.Float32 && host.TryGetSpan<float>(fresh, out var single))
            {
                key.BernoulliMask(single, p, (float)keep);
                return fresh;
            }

            if (backend.DType == DType.Float64 && host.TryGetSpan<double>(fresh, out var wide))
            {
                key.BernoulliMask(wide, p, keep);
                return fresh;
            }

            fresh.Dispose();
        }

        var u = new double[checked((int)shape.Size)];
        key.BernoulliMask<double>(u, p, keep);
        return backend.FromArray(u, shape);
    }

    public static Key RequireKey(Context context, string layer) =>
        context.Key ?? throw new InvalidOperationException(
            $"{layer}: training mode needs a random key for the dropout mask, but the context has none; " +
            "pass Context.Train(key) (a new key per step, e.g. TrainState.StepKey), or Context.Eval to evaluate");

    public static double CheckProbability(double p, string layer) =>
        p >= 0 && p < 1
            ? p
            : throw new ArgumentOutOfRangeException(nameof(p), p, $"{layer}: the drop probability p must lie in [0, 1), got {p}");

    public static DropoutKind CheckKind(DropoutKind kind, string layer) =>
        Enum.IsDefined(kind)
            ? kind
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{layer}: unknown dropout kind {kind}");
}
