namespace Functional.Nets;

/// <summary>The nonlinearity of an <see cref="RnnCell"/> (PyTorch's <c>nonlinearity='tanh'</c> or <c>'relu'</c>).</summary>
public enum RnnNonlinearity
{
    /// <summary>h' = tanh(...), PyTorch's default.</summary>
    Tanh,

    /// <summary>h' = max(..., 0).</summary>
    ReLU,
}

/// <summary>
/// The Elman recurrent cell, as PyTorch's <c>nn.RNNCell</c>:
/// <code>
/// h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
/// </code>
/// with x [N, inputs] and h [N, hidden]; the output is h' itself. Parameters, with PyTorch's names and
/// shapes: <c>weight_ih</c> [hidden, inputs], <c>weight_hh</c> [hidden, hidden], <c>bias_ih</c> [hidden],
/// <c>bias_hh</c> [hidden], all drawn from U(−1/√hidden, 1/√hidden) as PyTorch does. The carry is one leaf,
/// <c>h</c> [N, hidden] (zeros to begin with). Two biases are redundant (only their sum matters) but kept so
/// that PyTorch's state_dict loads as it is.
/// </summary>
public sealed class RnnCell : Cell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="inputs">Features of x_t (&gt; 0).</param>
    /// <param name="hidden">Features of h (&gt; 0).</param>
    /// <param name="bias">Whether to add b_ih and b_hh.</param>
    /// <param name="nonlinearity">tanh (default) or ReLU.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive.</exception>
    public RnnCell(int inputs, int hidden, bool bias = true, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh)
    {
        if (inputs <= 0 || hidden <= 0)
        {
            throw new ArgumentOutOfRangeException(
                inputs <= 0 ? nameof(inputs) : nameof(hidden),
                $"RnnCell({inputs}→{hidden}): widths must be positive, got inputs={inputs}, hidden={hidden}");
        }

        Inputs = inputs;
        Hidden = hidden;
        HasBias = bias;
        Nonlinearity = nonlinearity;
    }

    /// <summary>Features of x_t.</summary>
    public int Inputs { get; }

    /// <summary>Features of h.</summary>
    public int Hidden { get; }

    /// <summary>Whether the cell adds b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <summary>tanh or ReLU.</summary>
    public RnnNonlinearity Nonlinearity { get; }

    /// <inheritdoc />
    public override int InputSize => Inputs;

    /// <inheritdoc />
    public override int OutputSize => Hidden;

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(this, () => checked(((long)Hidden * ((long)Inputs + Hidden)) + (HasBias ? 2L * Hidden : 0)));

    /// <inheritdoc />
    public override string Describe() =>
        $"RnnCell({Inputs}→{Hidden}{(Nonlinearity == RnnNonlinearity.ReLU ? ", ReLU" : "")}{(HasBias ? "" : ", no bias")})";

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var keys = key.Split(4);
        var bound = 1 / Math.Sqrt(Hidden);
        Tensor Draw(int i, Shape shape) => backend.FromArray(keys[i].Uniform(checked((int)shape.Size), -bound, bound), shape);
        var weights = new List<(string, Tensor)>
        {
            ("weight_ih", Draw(0, new Shape(Hidden, Inputs))),
            ("weight_hh", Draw(1, new Shape(Hidden, Hidden))),
        };
        if (HasBias)
        {
            weights.Add(("bias_ih", Draw(2, new Shape(Hidden))));
            weights.Add(("bias_hh", Draw(3, new Shape(Hidden))));
        }

        return TensorTree.Of(weights.ToArray());
    }

    /// <inheritdoc />
    public override TensorTree InitialCarry(int batch, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return TensorTree.Of(("h", backend.Zeros(new Shape(batch, Hidden))));
    }

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">x_t is not [N, inputs] or h is not [N, hidden].</exception>
    public override CellStep Step(TensorTree parameters, TensorTree state, Tensor input, TensorTree carry, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(carry);
        if (input.Shape.Rank != 2 || input.Shape[1] != Inputs)
        {
            throw new LayerShapeException(Describe(), "", $"x_t [N, {Inputs}]", input.Shape);
        }

        var h = Leaf(carry, "h", "carry");
        if (h.Shape != new Shape(input.Shape[0], Hidden))
        {
            throw new LayerShapeException(Describe(), "", $"carry h [{input.Shape[0]}, {Hidden}] (N from x_t {input.Shape})", h.Shape);
        }

        var wIh = Checked(Leaf(parameters, "weight_ih"), "weight_ih", new Shape(Hidden, Inputs));
        var wHh = Checked(Leaf(parameters, "weight_hh"), "weight_hh", new Shape(Hidden, Hidden));
        var bIh = HasBias ? Checked(Leaf(parameters, "bias_ih"), "bias_ih", new Shape(Hidden)) : null;
        var bHh = HasBias ? Checked(Leaf(parameters, "bias_hh"), "bias_hh", new Shape(Hidden)) : null;

        // z = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh), summed in PyTorch's order.
        var z = input.Linear(wIh, bIh) + h.Linear(wHh, bHh);
        var next = Nonlinearity == RnnNonlinearity.Tanh ? z.Tanh() : z.Relu();
        return new CellStep(next, TensorTree.Of(("h", next)), state);
    }

    private Tensor Checked(Tensor t, string name, Shape expected) =>
        t.Shape == expected
            ? t
            : throw new ShapeMismatchException($"{Describe()}: parameter '{name}' has shape {t.Shape}, expected {expected}");

    /// <inheritdoc />
    internal override (Tensor Outputs, TensorTree Carry)? RunFused(TensorTree parameters, Tensor inputs, TensorTree carry, bool reverse)
    {
        if (Capabilities.Of<IFusedRecurrence>(inputs.Backend) is not { } fused)
        {
            return null;
        }

        var w = GatedCell.Weights(this, parameters, 1, Inputs, Hidden, HasBias);
        if (GatedCell.SequenceCarry(inputs, carry, w, Hidden, "h") is not [var h]
            || fused.RnnSequence(inputs, h, w.Ih, w.Hh, w.BiasIh, w.BiasHh, reverse, Nonlinearity == RnnNonlinearity.ReLU) is not { } run)
        {
            return null;
        }

        return (run.Outputs, TensorTree.Of(("h", run.H)));
    }
}
