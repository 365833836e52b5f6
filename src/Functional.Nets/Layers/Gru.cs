namespace Functional.Nets;

/// <summary>
/// The GRU over whole sequences, as PyTorch's <c>nn.GRU</c>: L stacked layers of <see cref="GruCell"/> (gates r, z, n;
/// h' = (1 − z) ⊙ n + z ⊙ h), optionally bidirectional, with dropout between layers, an initial state h0
/// [L·D, N, H], the final state h_n, and variable lengths; optionally in the lecture's form (the reset gate applied to h
/// before W_hn, see <see cref="GruCell"/>). Composition, layout and parameter names (<c>weight_ih_l0</c>, …) are
/// described on <see cref="RecurrentLayer"/>.
/// </summary>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Creates the layer (the arguments of <c>nn.GRU</c>, except that batch first is the default here).</summary>
    /// <param name="inputs">Features F of x_t (&gt; 0).</param>
    /// <param name="hidden">Features H of h (&gt; 0).</param>
    /// <param name="layers">Stacked layers (&gt; 0).</param>
    /// <param name="bidirectional">Whether each layer also runs backward in time.</param>
    /// <param name="batchFirst">[N, T, F] when true (default), [T, N, F] when false.</param>
    /// <param name="dropout">Dropout probability in [0, 1) on every layer's output but the last, in train mode.</param>
    /// <param name="bias">Whether the cells add b_ih and b_hh.</param>
    /// <param name="resetBeforeWeight">The lecture's candidate n = tanh(x W_inᵀ + (r ⊙ h) W_hnᵀ) instead of PyTorch's.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or the dropout probability is outside [0, 1).</exception>
    public Gru(int inputs, int hidden, int layers = 1, bool bidirectional = false, bool batchFirst = true, double dropout = 0, bool bias = true, bool resetBeforeWeight = false)
        : base("Gru", inputs, hidden, layers, bidirectional, batchFirst, dropout, bias)
    {
        ResetBeforeWeight = resetBeforeWeight;
    }

    /// <summary>Whether the cells apply r to h before W_hn (the lecture) rather than to h W_hnᵀ + b_hn (PyTorch).</summary>
    public bool ResetBeforeWeight { get; }

    /// <inheritdoc />
    protected override string Name => "Gru";

    /// <inheritdoc />
    protected override Cell MakeCell(int inputs, int hidden) => new GruCell(inputs, hidden, HasBias, ResetBeforeWeight);

    /// <inheritdoc />
    /// <remarks>0 in the lecture's form, which no fused kernel computes.</remarks>
    internal override int StackGates => ResetBeforeWeight ? 0 : 3;

    /// <inheritdoc />
    internal override RecurrentResult? RunStack(IFusedRecurrence fused, Tensor inputs, Tensor h0, Tensor? c0, IReadOnlyList<Tensor> weights) =>
        fused.GruStack(inputs, h0, weights, HasBias, Layers, Bidirectional) is { } run ? new RecurrentResult(run.Outputs, run.H, null) : null;

    /// <inheritdoc />
    protected override IEnumerable<string> ExtraOptions() => ResetBeforeWeight ? ["reset before W_hn"] : [];
}
