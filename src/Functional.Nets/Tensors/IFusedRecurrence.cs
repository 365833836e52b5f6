namespace Functional.Nets;

/// <summary>
/// An optional capability of a <see cref="Backend"/>: a whole sequence of an LSTM or GRU cell in one call, so that a
/// backend with a fused recurrent kernel (libtorch's <c>lstm</c>/<c>gru</c>, oneDNN's RNN on CPU in float32) runs it
/// instead of one cell primitive per step. <see cref="Scan"/> asks for it when every sequence has all steps and the
/// cell is <see cref="LstmCell"/> or <see cref="GruCell"/> in PyTorch's form; otherwise, and inside
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
}
