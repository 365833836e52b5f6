namespace Functional.Nets;

/// <summary>
/// The long short-term memory cell, as PyTorch's <c>nn.LSTMCell</c>:
/// <code>
/// [i | f | g | o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh      (four chunks of H along the features)
/// c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
/// h' = σ(o) ⊙ tanh(c')
/// </code>
/// with x [N, inputs], h and c [N, hidden]; the output is h'. Parameters, with PyTorch's names, shapes and gate
/// order (input, forget, cell candidate, output): <c>weight_ih</c> [4·hidden, inputs], <c>weight_hh</c>
/// [4·hidden, hidden], <c>bias_ih</c> [4·hidden], <c>bias_hh</c> [4·hidden], all drawn from
/// U(−1/√hidden, 1/√hidden) as PyTorch does. The carry has two leaves, <c>h</c> and <c>c</c> [N, hidden] (zeros to
/// begin with), so that <c>Scan(LstmCell)</c>'s final carry is <c>nn.LSTM</c>'s (h_n, c_n).
/// </summary>
/// <remarks>
/// The lecture writes the same cell with one weight per gate acting on [h, x] (fₜ = σ(W_f·[hₜ₋₁, xₜ] + b_f), ...):
/// W_f is rows H..2H of [weight_hh | weight_ih], and b_f the same rows of bias_ih + bias_hh. Its variant with
/// peepholes is <see cref="PeepholeLstmCell"/>.
/// </remarks>
public sealed class LstmCell : Cell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="inputs">Features of x_t (&gt; 0).</param>
    /// <param name="hidden">Features of h and c (&gt; 0).</param>
    /// <param name="bias">Whether to add b_ih and b_hh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive.</exception>
    public LstmCell(int inputs, int hidden, bool bias = true)
    {
        GatedCell.CheckWidths("LstmCell", inputs, hidden);
        Inputs = inputs;
        Hidden = hidden;
        HasBias = bias;
    }

    /// <summary>Features of x_t.</summary>
    public int Inputs { get; }

    /// <summary>Features of h and c.</summary>
    public int Hidden { get; }

    /// <summary>Whether the cell adds b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <inheritdoc />
    public override int InputSize => Inputs;

    /// <inheritdoc />
    public override int OutputSize => Hidden;

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(this, () => checked((4L * Hidden * ((long)Inputs + Hidden)) + (HasBias ? 8L * Hidden : 0)));

    /// <inheritdoc />
    public override string Describe() => $"LstmCell({Inputs}→{Hidden}{(HasBias ? "" : ", no bias")})";

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => GatedCell.Init(key, backend, 4, Inputs, Hidden, HasBias);

    /// <inheritdoc />
    public override TensorTree InitialCarry(int batch, Backend backend) => GatedCell.Zeros(batch, Hidden, backend, "h", "c");

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">x_t is not [N, inputs], or h or c is not [N, hidden].</exception>
    public override CellStep Step(TensorTree parameters, TensorTree state, Tensor input, TensorTree carry, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(carry);
        var (h, c) = GatedCell.CheckLstm(this, input, carry, Inputs, Hidden);
        var w = GatedCell.Weights(this, parameters, 4, Inputs, Hidden, HasBias);

        // One fused primitive (Tensor.LstmCell): the Reference backend records it as one node with a hand-derived VJP.
        var (output, next) = Tensor.LstmCell(input, h, c, w.Ih, w.Hh, w.BiasIh, w.BiasHh);
        return new CellStep(output, TensorTree.Of(("h", output), ("c", next)), state);
    }

    /// <inheritdoc />
    public override bool ProjectsInputs => true;

    /// <inheritdoc />
    /// <remarks>x W_ihᵀ + b_ih [R, 4·hidden] for all rows in one product (PyTorch's first sum of the gates).</remarks>
    public override Tensor? ProjectInputs(TensorTree parameters, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Shape.Rank != 2 || inputs.Shape[1] != Inputs)
        {
            throw new LayerShapeException(Describe(), "", $"input rows [R, {Inputs}]", inputs.Shape);
        }

        var w = GatedCell.Weights(this, parameters, 4, Inputs, Hidden, HasBias);
        return inputs.Linear(w.Ih, w.BiasIh);
    }

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">The projection is not [N, 4·hidden], or h or c is not [N, hidden].</exception>
    public override CellStep StepProjected(TensorTree parameters, TensorTree state, Tensor projected, TensorTree carry, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(projected);
        ArgumentNullException.ThrowIfNull(carry);
        var (h, c) = GatedCell.CheckLstm(this, projected, carry, checked(4 * Hidden), Hidden);
        var weightHh = GatedCell.Parameter(this, parameters, "weight_hh", new Shape(4 * Hidden, Hidden));
        var biasHh = HasBias ? GatedCell.Parameter(this, parameters, "bias_hh", new Shape(4 * Hidden)) : null;
        var (output, next) = Tensor.LstmCellProjected(projected, h, c, weightHh, biasHh);
        return new CellStep(output, TensorTree.Of(("h", output), ("c", next)), state);
    }

    /// <inheritdoc />
    internal override (Tensor Outputs, TensorTree Carry)? RunFused(TensorTree parameters, Tensor inputs, TensorTree carry, bool reverse)
    {
        if (Capabilities.Of<IFusedRecurrence>(inputs.Backend) is not { } fused)
        {
            return null;
        }

        var w = GatedCell.Weights(this, parameters, 4, Inputs, Hidden, HasBias);
        if (GatedCell.SequenceCarry(inputs, carry, w, Hidden, "h", "c") is not [var h, var c]
            || fused.LstmSequence(inputs, h, c, w.Ih, w.Hh, w.BiasIh, w.BiasHh, reverse) is not { } run)
        {
            return null;
        }

        return (run.Outputs, TensorTree.Of(("h", run.H), ("c", run.C)));
    }
}
