namespace Functional.Nets;

/// <summary>
/// The gated recurrent unit, in PyTorch's form (<c>nn.GRUCell</c>) or the lecture's:
/// <code>
/// PyTorch (reset after W_hn)                            lecture (reset before W_hn, no biases)
/// r  = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)               r  = σ(x W_irᵀ + h W_hrᵀ)
/// z  = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)               z  = σ(x W_izᵀ + h W_hzᵀ)
/// n  = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))      n  = tanh(x W_inᵀ + (r ⊙ h) W_hnᵀ)
/// h' = (1 − z) ⊙ n + z ⊙ h                              h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// with x [N, inputs], h [N, hidden]; the output is h'. The lecture's form (Cho et al. 2014) resets h before it
/// meets W_hn; PyTorch (as cuDNN) resets the product h W_hnᵀ + b_hn, which lets one product h W_hhᵀ serve all
/// three gates. Both interpolate the same way (z near 1 keeps h). Parameters, with PyTorch's names, shapes and gate
/// order r, z, n: <c>weight_ih</c> [3·hidden, inputs] (rows W_ir, W_iz, W_in), <c>weight_hh</c> [3·hidden, hidden],
/// and with bias <c>bias_ih</c>, <c>bias_hh</c> [3·hidden], all U(−1/√hidden, 1/√hidden) as PyTorch draws them.
/// The carry is one leaf, <c>h</c> [N, hidden], zeros to begin with.
/// </summary>
public sealed class GruCell : Cell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="inputs">Features of x_t (&gt; 0).</param>
    /// <param name="hidden">Features of h (&gt; 0).</param>
    /// <param name="bias">Whether to add b_ih and b_hh.</param>
    /// <param name="resetBeforeWeight">The lecture's n = tanh(x W_inᵀ + (r ⊙ h) W_hnᵀ (+ biases)) instead of PyTorch's r ⊙ (h W_hnᵀ + b_hn).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive.</exception>
    public GruCell(int inputs, int hidden, bool bias = true, bool resetBeforeWeight = false)
    {
        GatedCell.CheckWidths("GruCell", inputs, hidden);
        Inputs = inputs;
        Hidden = hidden;
        HasBias = bias;
        ResetBeforeWeight = resetBeforeWeight;
    }

    /// <summary>The lecture's GRU: the reset gate applied to h before W_hn, and no biases.</summary>
    public static GruCell Lecture(int inputs, int hidden) => new(inputs, hidden, bias: false, resetBeforeWeight: true);

    /// <summary>Features of x_t.</summary>
    public int Inputs { get; }

    /// <summary>Features of h.</summary>
    public int Hidden { get; }

    /// <summary>Whether the cell adds b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <summary>Whether r multiplies h before W_hn (the lecture) rather than h W_hnᵀ + b_hn after it (PyTorch).</summary>
    public bool ResetBeforeWeight { get; }

    /// <inheritdoc />
    public override int InputSize => Inputs;

    /// <inheritdoc />
    public override int OutputSize => Hidden;

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(this, () => checked((3L * Hidden * ((long)Inputs + Hidden)) + (HasBias ? 6L * Hidden : 0)));

    /// <inheritdoc />
    public override string Describe() =>
        $"GruCell({Inputs}→{Hidden}{(ResetBeforeWeight ? ", reset before W_hn" : "")}{(HasBias ? "" : ", no bias")})";

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => GatedCell.Init(key, backend, 3, Inputs, Hidden, HasBias);

    /// <inheritdoc />
    public override TensorTree InitialCarry(int batch, Backend backend) => GatedCell.Zeros(batch, Hidden, backend, "h");

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">x_t is not [N, inputs] or h is not [N, hidden].</exception>
    public override CellStep Step(TensorTree parameters, TensorTree state, Tensor input, TensorTree carry, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(carry);
        var h = GatedCell.CarryLeaf(this, input, carry, "h", Inputs, Hidden);
        var w = GatedCell.Weights(this, parameters, 3, Inputs, Hidden, HasBias);
        if (!ResetBeforeWeight)
        {
            // PyTorch's form is one fused primitive (Tensor.GruCell): one node with a hand-derived VJP on Reference.
            var fused = Tensor.GruCell(input, h, w.Ih, w.Hh, w.BiasIh, w.BiasHh);
            return new CellStep(fused, TensorTree.Of(("h", fused)), state);
        }

        // The lecture's form, composed: r and z from rows 0..2H of W_hh; the candidate's rows 2H..3H act on r ⊙ h.
        var fromInput = input.Linear(w.Ih, w.BiasIh).Chunk(3, 1);
        var rz = h.Linear(w.Hh.Slice(0, 0, 2 * Hidden), w.BiasHh?.Slice(0, 0, 2 * Hidden)).Chunk(2, 1);
        var r = (fromInput[0] + rz[0]).Sigmoid();
        var z = (fromInput[1] + rz[1]).Sigmoid();
        var hn = (r * h).Linear(w.Hh.Slice(0, 2 * Hidden, Hidden), w.BiasHh?.Slice(0, 2 * Hidden, Hidden));
        var n = (fromInput[2] + hn).Tanh();

        // (1 − z) ⊙ n + z ⊙ h, arranged as libtorch's gru_cell does: n + z ⊙ (h − n).
        var next = n + z * (h - n);
        return new CellStep(next, TensorTree.Of(("h", next)), state);
    }

    /// <inheritdoc />
    /// <remarks>PyTorch's form only: libtorch's <c>gru</c> has no lecture form.</remarks>
    internal override (Tensor Outputs, TensorTree Carry)? RunFused(TensorTree parameters, Tensor inputs, TensorTree carry, bool reverse)
    {
        if (ResetBeforeWeight || Capabilities.Of<IFusedRecurrence>(inputs.Backend) is not { } fused)
        {
            return null;
        }

        var w = GatedCell.Weights(this, parameters, 3, Inputs, Hidden, HasBias);
        if (GatedCell.SequenceCarry(inputs, carry, w, Hidden, "h") is not [var h]
            || fused.GruSequence(inputs, h, w.Ih, w.Hh, w.BiasIh, w.BiasHh, reverse) is not { } run)
        {
            return null;
        }

        return (run.Outputs, TensorTree.Of(("h", run.H)));
    }
}
