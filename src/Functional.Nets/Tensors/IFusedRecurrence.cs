namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: a whole sequence of an LSTM or GRU cell (or a whole stack of
/// LSTM, GRU or Elman RNN layers) in one call, so that a
/// backend with a fused recurrent kernel (libtorch's <c>lstm</c>/<c>gru</c>, oneDNN's RNN on CPU in float32) runs it
/// instead of one cell primitive per step. <see cref="Scan"/> (one layer) and <see cref="RecurrentLayer"/> (the whole stack, when no dropout is drawn) ask for it when every sequence has all steps and the
/// cell is <see cref="LstmCell"/>, <see cref="GruCell"/> in PyTorch's form or <see cref="RnnCell"/>; otherwise, and inside
/// <c>Capabilities.PlainOnly</c>, it runs its step loop, the one plain path, which defines the result: a backend
/// without this interface loses speed, never results. A test holds each implementation to that loop (outputs, final
/// carry and every gradient).
/// </summary>
/// <remarks>
/// Operands have been checked by the caller: <c>inputs</c> [N, T, F] batch first, <c>h</c> and <c>c</c> [N, H],
/// weights and biases as <see cref="Tensor.LstmCell"/> and <see cref="Tensor.GruCell"/> take them, all on the
/// implementing backend. The results must be differentiable in every operand, by the backend's own means (Torch:
/// autograd). Either method may decline by returning null.
/// </remarks>
public interface IFusedRecurrence
{
    /// <summary>
    /// The LSTM cell (gate order i, f, g, o) over all T steps, forward in time or, when <paramref name="reverse"/>,
    /// from t = T − 1 down to 0 (outputs stay at their own t): outputs [N, T, H], the final h and c [N, H]; or null.
    /// </summary>
    (Tensor Outputs, Tensor H, Tensor C)? LstmSequence(Tensor inputs, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse);

    /// <summary>
    /// PyTorch's GRU cell (gate order r, z, n, reset after W_hn) over all T steps, as <see cref="LstmSequence"/>:
    /// outputs [N, T, H] and the final h [N, H]; or null.
    /// </summary>
    (Tensor Outputs, Tensor H)? GruSequence(Tensor inputs, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse);

    /// <summary>
    /// The Elman cell (<see cref="RnnCell"/>: tanh, or ReLU when <paramref name="relu"/>) over all T steps, as
    /// <see cref="LstmSequence"/>: outputs [N, T, H] and the final h [N, H]; or null (the default).
    /// </summary>
    (Tensor Outputs, Tensor H)? RnnSequence(Tensor inputs, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse, bool relu) => null;

    /// <summary>
    /// A whole stack of <paramref name="layers"/> LSTM layers, each one or two directions, in one call (as
    /// <c>nn.LSTM(num_layers: L, bidirectional: …)</c> runs without dropout): <paramref name="inputs"/> [N, T, F] batch
    /// first, <paramref name="h0"/> and <paramref name="c0"/> [L·D, N, H], <paramref name="weights"/> in PyTorch's
    /// order (layer-major, direction-minor, each <c>weight_ih</c>, <c>weight_hh</c>[, <c>bias_ih</c>, <c>bias_hh</c>]).
    /// Returns the last layer's outputs [N, T, D·H] (both directions concatenated) and h_n, c_n [L·D, N, H]; or null
    /// (the default) for <see cref="RecurrentLayer"/>'s layer-by-layer composition, which defines the result.
    /// </summary>
    (Tensor Outputs, Tensor H, Tensor C)? LstmStack(Tensor inputs, Tensor h0, Tensor c0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional) => null;

    /// <summary>PyTorch's GRU (reset after W_hn) as a whole stack in one call, as <see cref="LstmStack"/>: outputs [N, T, D·H] and h_n [L·D, N, H]; or null.</summary>
    (Tensor Outputs, Tensor H)? GruStack(Tensor inputs, Tensor h0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional) => null;

    /// <summary>
    /// The Elman RNN (<see cref="RnnCell"/>: h' = tanh, or ReLU when <paramref name="relu"/>, of x W_ihᵀ + b_ih + h W_hhᵀ
    /// + b_hh) as a whole stack in one call, as <see cref="LstmStack"/> (<c>nn.RNN</c> without dropout): outputs
    /// [N, T, D·H] and h_n [L·D, N, H]; or null.
    /// </summary>
    (Tensor Outputs, Tensor H)? RnnStack(Tensor inputs, Tensor h0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional, bool relu) => null;
}
