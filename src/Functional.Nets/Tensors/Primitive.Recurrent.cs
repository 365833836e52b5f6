namespace Functional.Nets;

/// <summary>The fused recurrent cells (see <see cref="Tensor.LstmCell"/> and <see cref="Tensor.GruCell"/>).</summary>
public sealed partial record Primitive
{
    /// <summary>One step of PyTorch's LSTM cell, fused; its output is [h′ | c′] along the features.</summary>
    public static readonly Primitive LstmCell = new(
        "LstmCell",
        "[i|f|g|o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh; c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g); h′ = σ(o) ⊙ tanh(c′)",
        "the LSTM cell's Jacobian (RecurrentCells.LstmVjp)",
        [
            "x̄ = ā W_ih, with ā = [σ̄(i)·σ(i)(1−σ(i)) | …] (see LstmVjp)",
            "h̄ = ā W_hh",
            "c̄ = (c̄′ + h̄′ ⊙ σ(o) ⊙ (1 − tanh²c′)) ⊙ σ(f)",
            "W̄_ih = āᵀ x",
            "W̄_hh = āᵀ h",
            "b̄_ih = Σₙ ā",
            "b̄_hh = Σₙ ā",
        ]);

    /// <summary>One step of PyTorch's GRU cell (reset after W_hn), fused.</summary>
    public static readonly Primitive GruCell = new(
        "GruCell",
        "[r|z|n]: r = σ(xW_irᵀ + b_ir + hW_hrᵀ + b_hr), z = σ(…), n = tanh(xW_inᵀ + b_in + r ⊙ (hW_hnᵀ + b_hn)); h′ = n + z ⊙ (h − n)",
        "the GRU cell's Jacobian (RecurrentCells.GruVjp)",
        [
            "x̄ = ḡ_i W_ih, with ḡ_i = [ā_r | ā_z | ā_n] (see GruVjp)",
            "h̄ = ḡ_h W_hh + h̄′ ⊙ z, with ḡ_h = [ā_r | ā_z | ā_n ⊙ r]",
            "W̄_ih = ḡ_iᵀ x",
            "W̄_hh = ḡ_hᵀ h",
            "b̄_ih = Σₙ ḡ_i",
            "b̄_hh = Σₙ ḡ_h",
        ]);
}
