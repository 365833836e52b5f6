namespace Functional.Nets;

/// <summary>
/// The LSTM over whole sequences, as PyTorch's <c>nn.LSTM</c>: L stacked layers of <see cref="LstmCell"/> (gates i, f, g,
/// o; c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g), h' = σ(o) ⊙ tanh(c')), optionally bidirectional, with dropout between layers,
/// initial states h0 and c0 [L·D, N, H], final states h_n and c_n, and variable lengths. Composition, layout and
/// parameter names (<c>weight_ih_l0</c>, <c>weight_hh_l0_reverse</c>, …) are described on <see cref="RecurrentLayer"/>.
/// </summary>
/// <example><code>
/// var lstm = new Lstm(inputs: 8, hidden: 16, layers: 2, bidirectional: true);
/// var p = lstm.Init(Key.FromSeed(1), backend);
/// var r = lstm.Run(p, x, lengths: [5, 3]);   // r.Outputs [2, T, 32], r.Hidden and r.Cell [4, 2, 16]
/// </code></example>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Creates the layer (the arguments of <c>nn.LSTM</c>, except that batch first is the default here).</summary>
    /// <param name="inputs">Features F of x_t (&gt; 0).</param>
    /// <param name="hidden">Features H of h and c (&gt; 0).</param>
    /// <param name="layers">Stacked layers (&gt; 0).</param>
    /// <param name="bidirectional">Whether each layer also runs backward in time.</param>
    /// <param name="batchFirst">[N, T, F] when true (default), [T, N, F] when false.</param>
    /// <param name="dropout">Dropout probability in [0, 1) on every layer's output but the last, in train mode.</param>
    /// <param name="bias">Whether the cells add b_ih and b_hh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or the dropout probability is outside [0, 1).</exception>
    public Lstm(int inputs, int hidden, int layers = 1, bool bidirectional = false, bool batchFirst = true, double dropout = 0, bool bias = true)
        : base("Lstm", inputs, hidden, layers, bidirectional, batchFirst, dropout, bias)
    {
    }

    /// <inheritdoc />
    public override bool HasCellState => true;

    /// <inheritdoc />
    protected override string Name => "Lstm";

    /// <inheritdoc />
    protected override Cell MakeCell(int inputs, int hidden) => new LstmCell(inputs, hidden, HasBias);

    /// <inheritdoc />
    internal override int StackGates => 4;

    /// <inheritdoc />
    internal override RecurrentResult? RunStack(IFusedRecurrence fused, Tensor inputs, Tensor h0, Tensor? c0, IReadOnlyList<Tensor> weights) =>
        fused.LstmStack(inputs, h0, c0!, weights, HasBias, Layers, Bidirectional) is { } run ? new RecurrentResult(run.Outputs, run.H, run.C) : null;
}
