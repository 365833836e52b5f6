namespace Functional.Nets;

/// <summary>The fused recurrent cells, with a composed default that any backend may replace by one derivative.</summary>
public abstract partial class Backend
{
    /// <summary>
    /// One step of PyTorch's LSTM cell (gate order i, f, g, o): from x [N, F], h and c [N, H], W_ih [4H, F],
    /// W_hh [4H, H] and, both or neither, b_ih and b_hh [4H],
    /// <c>[i|f|g|o] = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh)</c>, <c>c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g)</c>,
    /// <c>h′ = σ(o) ⊙ tanh(c′)</c>. The core has checked shapes and backends. The default composes the core's
    /// operations (so it is differentiated like any composition); the Reference backend records one node with a
    /// hand-derived VJP.
    /// </summary>
    public virtual (Tensor H, Tensor C) LstmCell(Tensor x, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(c);
        var gates = (x.Linear(weightIh, biasIh) + h.Linear(weightHh, biasHh)).Chunk(4, 1);
        var next = gates[1].Sigmoid() * c + gates[0].Sigmoid() * gates[2].Tanh();
        return (gates[3].Sigmoid() * next.Tanh(), next);
    }

    /// <summary>
    /// One step of PyTorch's LSTM cell from its input part already computed, <paramref name="projected"/> = x W_ihᵀ + b_ih
    /// [N, 4H]: <c>[i|f|g|o] = projected + (h W_hhᵀ + b_hh)</c>, then as <see cref="LstmCell"/>. The core has checked
    /// shapes and backends. The default composes the core's operations, differentiated like any composition.
    /// </summary>
    public virtual (Tensor H, Tensor C) LstmCellProjected(Tensor projected, Tensor h, Tensor c, Tensor weightHh, Tensor? biasHh)
    {
        ArgumentNullException.ThrowIfNull(projected);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(c);
        var gates = (projected + h.Linear(weightHh, biasHh)).Chunk(4, 1);
        var next = gates[1].Sigmoid() * c + gates[0].Sigmoid() * gates[2].Tanh();
        return (gates[3].Sigmoid() * next.Tanh(), next);
    }

    /// <summary>
    /// One step of PyTorch's GRU cell (gate order r, z, n; the reset gate multiplies h W_hnᵀ + b_hn): from x [N, F],
    /// h [N, H], W_ih [3H, F], W_hh [3H, H] and, both or neither, b_ih and b_hh [3H],
    /// <c>r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)</c>, <c>z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)</c>,
    /// <c>n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))</c>, <c>h′ = n + z ⊙ (h − n)</c>. The core has checked
    /// shapes and backends. The default composes the core's operations; the Reference backend records one node
    /// with a hand-derived VJP.
    /// </summary>
    public virtual Tensor GruCell(Tensor x, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(h);
        var fromInput = x.Linear(weightIh, biasIh).Chunk(3, 1);
        var fromHidden = h.Linear(weightHh, biasHh).Chunk(3, 1);
        var r = (fromInput[0] + fromHidden[0]).Sigmoid();
        var z = (fromInput[1] + fromHidden[1]).Sigmoid();
        var n = (fromInput[2] + r * fromHidden[2]).Tanh();
        return n + z * (h - n);
    }
}
