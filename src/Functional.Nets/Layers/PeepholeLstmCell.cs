namespace Functional.Nets;

/// <summary>Which gates of a <see cref="PeepholeLstmCell"/> see the cell state.</summary>
[Flags]
public enum LstmPeepholes
{
    /// <summary>No peepholes: the cell is <see cref="LstmCell"/>.</summary>
    None = 0,

    /// <summary>The input gate sees c (weight <c>weight_ci</c>).</summary>
    Input = 1,

    /// <summary>The forget gate sees c (weight <c>weight_cf</c>).</summary>
    Forget = 2,

    /// <summary>The output gate sees c' (weight <c>weight_co</c>).</summary>
    Output = 4,

    /// <summary>All three, as the lecture (Gers and Schmidhuber 2000).</summary>
    All = Input | Forget | Output,
}

/// <summary>
/// The LSTM with peepholes in the lecture's form (Gers and Schmidhuber 2000): the gates also see the cell state,
/// the input and forget gates the old one, the output gate the new one, each through a diagonal (per unit) weight:
/// <code>
/// PyTorch's LstmCell                         with peepholes
/// [i | f | g | o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (the same)
/// iₜ = σ(i)                                  iₜ = σ(i + w_ci ⊙ c)
/// fₜ = σ(f)                                  fₜ = σ(f + w_cf ⊙ c)
/// c' = fₜ ⊙ c + iₜ ⊙ tanh(g)                 c' = fₜ ⊙ c + iₜ ⊙ tanh(g)
/// oₜ = σ(o)                                  oₜ = σ(o + w_co ⊙ c')
/// h' = oₜ ⊙ tanh(c')                         h' = oₜ ⊙ tanh(c')
/// </code>
/// Each peephole is switchable (<see cref="LstmPeepholes"/>); a gate without one is PyTorch's. Parameters:
/// <see cref="LstmCell"/>'s (<c>weight_ih</c> [4H, F], <c>weight_hh</c> [4H, H], <c>bias_ih</c>, <c>bias_hh</c> [4H],
/// gate order i, f, g, o) and, for the peepholes present, <c>weight_ci</c>, <c>weight_cf</c>, <c>weight_co</c> [H]
/// (the names of TensorFlow's peephole LSTM), all U(−1/√H, 1/√H). The carry is <c>h</c> and <c>c</c> [N, H].
/// </summary>
public sealed class PeepholeLstmCell : Cell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="inputs">Features of x_t (&gt; 0).</param>
    /// <param name="hidden">Features of h and c (&gt; 0).</param>
    /// <param name="peepholes">Which gates see the cell state (all by default).</param>
    /// <param name="bias">Whether to add b_ih and b_hh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive, or <paramref name="peepholes"/> has unknown bits.</exception>
    public PeepholeLstmCell(int inputs, int hidden, LstmPeepholes peepholes = LstmPeepholes.All, bool bias = true)
    {
        GatedCell.CheckWidths("PeepholeLstmCell", inputs, hidden);
        if ((peepholes & ~LstmPeepholes.All) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(peepholes), $"PeepholeLstmCell({inputs}→{hidden}): unknown peepholes {(int)peepholes}");
        }

        Inputs = inputs;
        Hidden = hidden;
        Peepholes = peepholes;
        HasBias = bias;
    }

    /// <summary>Features of x_t.</summary>
    public int Inputs { get; }

    /// <summary>Features of h and c.</summary>
    public int Hidden { get; }

    /// <summary>The gates that see the cell state.</summary>
    public LstmPeepholes Peepholes { get; }

    /// <summary>Whether the cell adds b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <inheritdoc />
    public override int InputSize => Inputs;

    /// <inheritdoc />
    public override int OutputSize => Hidden;

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(
        this, () => checked((4L * Hidden * ((long)Inputs + Hidden)) + (HasBias ? 8L * Hidden : 0) + ((long)PeepholeNames.Count * Hidden)));

    /// <summary>The peephole parameters present, in the order i, f, o.</summary>
    public IReadOnlyList<string> PeepholeNames =>
    [
        .. Peepholes.HasFlag(LstmPeepholes.Input) ? ["weight_ci"] : Array.Empty<string>(),
        .. Peepholes.HasFlag(LstmPeepholes.Forget) ? ["weight_cf"] : Array.Empty<string>(),
        .. Peepholes.HasFlag(LstmPeepholes.Output) ? ["weight_co"] : Array.Empty<string>(),
    ];

    /// <inheritdoc />
    public override string Describe() => $"PeepholeLstmCell({Inputs}→{Hidden}, peepholes {Peepholes}{(HasBias ? "" : ", no bias")})";

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => GatedCell.Init(key, backend, 4, Inputs, Hidden, HasBias, [.. PeepholeNames]);

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
        var gates = (input.Linear(w.Ih, w.BiasIh) + h.Linear(w.Hh, w.BiasHh)).Chunk(4, 1);

        // A peephole adds w ⊙ c (broadcast over the batch) to its gate's pre-activation.
        Tensor Peep(Tensor gate, LstmPeepholes which, string name, Tensor cell) =>
            Peepholes.HasFlag(which) ? gate + GatedCell.Parameter(this, parameters, name, new Shape(Hidden)) * cell : gate;

        var i = Peep(gates[0], LstmPeepholes.Input, "weight_ci", c).Sigmoid();
        var f = Peep(gates[1], LstmPeepholes.Forget, "weight_cf", c).Sigmoid();
        var next = f * c + i * gates[2].Tanh();
        var o = Peep(gates[3], LstmPeepholes.Output, "weight_co", next).Sigmoid();
        var output = o * next.Tanh();
        return new CellStep(output, TensorTree.Of(("h", output), ("c", next)), state);
    }
}
