namespace Functional.Nets;

/// <summary>
/// The Elman RNN over whole sequences, as PyTorch's <c>nn.RNN</c>: L stacked layers of <see cref="RnnCell"/>
/// (h' = tanh or ReLU of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), optionally bidirectional, with dropout between layers, an
/// initial state h0 [L·D, N, H], the final state h_n, and variable lengths. Composition, layout and parameter names
/// (<c>weight_ih_l0</c>, …) are described on <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class Rnn : RecurrentLayer
{
    /// <summary>Creates the layer (the arguments of <c>nn.RNN</c>, except that batch first is the default here).</summary>
    /// <param name="inputs">Features F of x_t (&gt; 0).</param>
    /// <param name="hidden">Features H of h (&gt; 0).</param>
    /// <param name="layers">Stacked layers (&gt; 0).</param>
    /// <param name="bidirectional">Whether each layer also runs backward in time.</param>
    /// <param name="batchFirst">[N, T, F] when true (default), [T, N, F] when false.</param>
    /// <param name="dropout">Dropout probability in [0, 1) on every layer's output but the last, in train mode.</param>
    /// <param name="bias">Whether the cells add b_ih and b_hh.</param>
    /// <param name="nonlinearity">tanh (default) or ReLU.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the dropout probability is outside [0, 1) or the nonlinearity is unknown.</exception>
    public Rnn(int inputs, int hidden, int layers = 1, bool bidirectional = false, bool batchFirst = true, double dropout = 0, bool bias = true, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh)
        : base("Rnn", inputs, hidden, layers, bidirectional, batchFirst, dropout, bias)
    {
        Nonlinearity = Enum.IsDefined(nonlinearity)
            ? nonlinearity
            : throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, $"Rnn: unknown nonlinearity {nonlinearity}");
    }

    /// <summary>tanh or ReLU.</summary>
    public RnnNonlinearity Nonlinearity { get; }

    /// <inheritdoc />
    protected override string Name => "Rnn";

    /// <inheritdoc />
    protected override Cell MakeCell(int inputs, int hidden) => new RnnCell(inputs, hidden, HasBias, Nonlinearity);

    /// <inheritdoc />
    internal override int StackGates => 1;

    /// <inheritdoc />
    internal override RecurrentResult? RunStack(IFusedRecurrence fused, Tensor inputs, Tensor h0, Tensor? c0, IReadOnlyList<Tensor> weights) =>
        fused.RnnStack(inputs, h0, weights, HasBias, Layers, Bidirectional, Nonlinearity == RnnNonlinearity.ReLU) is { } run ? new RecurrentResult(run.Outputs, run.H, null) : null;

    /// <inheritdoc />
    protected override IEnumerable<string> ExtraOptions() => Nonlinearity == RnnNonlinearity.ReLU ? ["ReLU"] : [];
}
