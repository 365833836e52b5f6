using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Batch normalization (Ioffe and Szegedy 2015) with PyTorch's names and conventions (<c>nn.BatchNorm1d</c>
/// and <c>nn.BatchNorm2d</c>): input [N, C], [N, C, L] or [N, C, H, W], normalized per channel (axis 1) over
/// every other axis.
/// </summary>
/// <remarks>
/// <para>
/// Parameters (when <see cref="Affine"/>): <c>weight</c> γ [C] (ones) and <c>bias</c> β [C] (zeros). State
/// (when <see cref="TrackRunningStats"/>): <c>running_mean</c> [C] (zeros), <c>running_var</c> [C] (ones) and
/// <c>num_batches_tracked</c> [] (0, stored in the backend's float type, exact up to 2^24 batches in float32
/// and 2^53 in float64; PyTorch keeps an int64).
/// </para>
/// <para>
/// Training (<see cref="Mode.Train"/>): with the batch mean μ and the biased batch variance σ² = Σ(x − μ)²/M
/// over the M entries of each channel, y = γ·(x − μ)/√(σ² + ε) + β (the fused primitive
/// <see cref="Tensor.BatchNormTrain"/>), and the returned state is
/// </para>
/// <code>
/// running_mean ← (1 − momentum)·running_mean + momentum·μ
/// running_var  ← (1 − momentum)·running_var  + momentum·σ²·M/(M − 1)     (unbiased, as PyTorch)
/// num_batches_tracked ← num_batches_tracked + 1
/// </code>
/// <para>
/// Momentum convention: PyTorch's — the weight of the new batch statistic (default 0.1). Keras's
/// <c>BatchNormalization(momentum=0.99)</c> is the weight of the old running value, so Keras's momentum is
/// 1 − PyTorch's: Keras 0.99 is <c>new BatchNorm(c, momentum: 0.01)</c>. The running variance uses the
/// unbiased batch variance, as PyTorch does, while the normalization itself uses the biased one.
/// PyTorch's <c>momentum=None</c> (a cumulative average) is not offered.
/// </para>
/// <para>
/// Evaluation (<see cref="Mode.Eval"/>): y = γ·(x − running_mean)/√(running_var + ε) + β, state unchanged;
/// with <see cref="TrackRunningStats"/> off there is no state and batch statistics are used in both modes,
/// as in PyTorch. Switching a whole model to evaluation is one argument: pass <see cref="Context.Eval"/>.
/// The layer in evaluation mode is an affine map per channel and folds into the Dense layer before it
/// (<see cref="BatchNormFolding"/>).
/// </para>
/// <para>
/// Using batch statistics needs more than one value per channel (M ≥ 2, else the unbiased variance divides
/// by zero); otherwise <see cref="Apply"/> throws, with PyTorch's message.
/// </para>
/// </remarks>
public sealed class BatchNorm : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="features">Channels C (&gt; 0): the size of the input's axis 1.</param>
    /// <param name="momentum">Weight of the batch statistic in the running averages, in [0, 1] (PyTorch's convention).</param>
    /// <param name="epsilon">ε &gt; 0 added to the variance.</param>
    /// <param name="affine">Whether to learn γ and β.</param>
    /// <param name="trackRunningStats">Whether to keep running statistics (state) and use them at evaluation.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public BatchNorm(int features, double momentum = 0.1, double epsilon = 1e-5, bool affine = true, bool trackRunningStats = true)
    {
        if (features <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, $"BatchNorm: features must be positive, got {features}");
        }

        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"BatchNorm({features}): momentum must lie in [0, 1] (PyTorch's convention: the weight of the new batch statistic), got {momentum}");
        }

        if (!(epsilon > 0 && double.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"BatchNorm({features}): ε must be positive and finite, got {epsilon}");
        }

        Features = features;
        Momentum = momentum;
        Epsilon = epsilon;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
    }

    /// <summary>Channels C.</summary>
    public int Features { get; }

    /// <summary>Weight of the new batch statistic in the running averages (PyTorch's convention; Keras's is 1 − this).</summary>
    public double Momentum { get; }

    /// <summary>ε, added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether γ and β are learned parameters.</summary>
    public bool Affine { get; }

    /// <summary>Whether running statistics are kept as state and used at evaluation.</summary>
    public bool TrackRunningStats { get; }

    /// <inheritdoc />
    public override long ParameterCount => Affine ? 2L * Features : 0;

    /// <inheritdoc />
    public override bool HasState => TrackRunningStats;

    /// <inheritdoc />
    public override string Describe()
    {
        var options = new List<string>();
        if (Momentum != 0.1)
        {
            options.Add(string.Create(CultureInfo.InvariantCulture, $"momentum={Momentum:G}"));
        }

        if (Epsilon != 1e-5)
        {
            options.Add(string.Create(CultureInfo.InvariantCulture, $"ε={Epsilon:G}"));
        }

        if (!Affine)
        {
            options.Add("no affine");
        }

        if (!TrackRunningStats)
        {
            options.Add("no running stats");
        }

        return $"BatchNorm({string.Join(", ", options.Prepend(Features.ToString(CultureInfo.InvariantCulture)))})";
    }

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) =>
        input.Rank >= 2 && input[1] == Features
            ? input
            : throw new LayerShapeException(Describe(), "", $"[N, {Features}, *]", input);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return Affine
            ? TensorTree.Of(("weight", Filled(backend, 1, new Shape(Features))), ("bias", Filled(backend, 0, new Shape(Features))))
            : TensorTree.Empty;
    }

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return TrackRunningStats
            ? TensorTree.Of(
                ("running_mean", Filled(backend, 0, new Shape(Features))),
                ("running_var", Filled(backend, 1, new Shape(Features))),
                ("num_batches_tracked", Filled(backend, 0, Shape.Scalar)))
            : TensorTree.Empty;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Batch statistics are needed and a channel has a single value; or a leaf is missing.</exception>
    /// <exception cref="ShapeMismatchException">A parameter or state leaf has the wrong shape.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        OutputShape(input.Shape);
        var channel = new Shape(Features);
        var backend = input.Backend;
        var gamma = Affine ? Checked(Leaf(parameters, "weight"), "parameter", "weight", channel) : Filled(backend, 1, channel);
        var beta = Affine ? Checked(Leaf(parameters, "bias"), "parameter", "bias", channel) : Filled(backend, 0, channel);

        if (context.Mode == Mode.Eval && TrackRunningStats)
        {
            // y = (x − E)·γ/√(D + ε) + β, with E and D viewed as [C, 1, ...] to broadcast over [N, C, *].
            var view = Enumerable.Range(1, input.Shape.Rank - 1).Select(d => d == 1 ? Features : 1).ToArray();
            var runningMean = Checked(StateLeaf(state, "running_mean"), "state", "running_mean", channel);
            var runningVar = Checked(StateLeaf(state, "running_var"), "state", "running_var", channel);
            var scale = gamma / (runningVar + Epsilon).Sqrt();
            return ((input - runningMean.Reshape(view)) * scale.Reshape(view) + beta.Reshape(view), state);
        }

        var m = input.Size / Features;
        if (m <= 1)
        {
            throw new ArgumentException(
                $"{Describe()}: Expected more than 1 value per channel when training, got input size {input.Shape} " +
                "(batch statistics need at least two values per channel; use a larger batch, or Context.Eval to use the running statistics)",
                nameof(input));
        }

        var (y, mean, variance) = input.BatchNormTrain(gamma, beta, Epsilon);
        if (context.Mode == Mode.Eval || !TrackRunningStats)
        {
            // No running statistics to update (evaluation without them uses the batch's, as PyTorch).
            return (y, state);
        }

        var runningMeanOld = Checked(StateLeaf(state, "running_mean"), "state", "running_mean", channel);
        var runningVarOld = Checked(StateLeaf(state, "running_var"), "state", "running_var", channel);
        var count = Checked(StateLeaf(state, "num_batches_tracked"), "state", "num_batches_tracked", Shape.Scalar);

        // PyTorch: running ← momentum·batch + (1 − momentum)·running, with the unbiased variance σ²·M/(M − 1).
        var unbiased = variance * ((double)m / (m - 1));
        var newState = TensorTree.Of(
            ("running_mean", mean * Momentum + runningMeanOld * (1 - Momentum)),
            ("running_var", unbiased * Momentum + runningVarOld * (1 - Momentum)),
            ("num_batches_tracked", count + 1));
        return (y, newState);
    }

    private static Tensor Filled(Backend backend, double value, Shape shape)
    {
        var values = new double[shape.Size];
        Array.Fill(values, value);
        return backend.FromArray(values, shape);
    }

    private Tensor StateLeaf(TensorTree state, string name) =>
        state.TryGet(name, out var t)
            ? t
            : throw new ArgumentException($"{Describe()}: missing state '{name}'; got {state.Describe()} (create it with InitState)");

    private Tensor Checked(Tensor t, string what, string name, Shape expected) =>
        t.Shape == expected
            ? t
            : throw new ShapeMismatchException($"{Describe()}: {what} '{name}' has shape {t.Shape}, expected {expected}");
}
