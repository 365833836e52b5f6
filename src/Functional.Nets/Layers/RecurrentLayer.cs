using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// What <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> share: PyTorch's <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c>
/// over whole sequences, composed from a <see cref="Cell"/> per layer and direction, each run by a <see cref="Scan"/>.
/// <code>
/// layer 0:      x⁽⁰⁾ = x                                   [N, T, F]
/// layer l:      y⁽ˡ⁾_fwd = Scan(cell_l)(x⁽ˡ⁾, h0[l·D])          y⁽ˡ⁾_rev = Scan(cell_l_reverse, reversed)(x⁽ˡ⁾, h0[l·D + 1])
///               y⁽ˡ⁾ = [y⁽ˡ⁾_fwd | y⁽ˡ⁾_rev]                 [N, T, D·H] (concatenated along the features)
///               x⁽ˡ⁺¹⁾ = dropout(y⁽ˡ⁾)                       (train mode, p &gt; 0, never after the last layer)
/// output:       y⁽ᴸ⁻¹⁾;  h_n[l·D + d] = the final h of layer l, direction d;  c_n likewise (LSTM)
/// </code>
/// with D = 2 when bidirectional, else 1; the cell's own equations are in <see cref="RnnCell"/>, <see cref="LstmCell"/>
/// and <see cref="GruCell"/>. Layer l ≥ 1 reads D·H features.
/// </summary>
/// <remarks>
/// <para>Layout, as PyTorch: the input is [N, T, F] when <see cref="BatchFirst"/> (the default here, as <see cref="Scan"/>;
/// PyTorch's default is time-first) and [T, N, F] otherwise, the output likewise with D·H features; initial and final
/// states are always [L·D, N, H] (layer-major, direction-minor), whatever the input's layout.</para>
/// <para>Parameters are named as <c>nn.LSTM</c>'s state_dict: the cell's leaves with the suffix <c>_l{layer}</c>, and
/// <c>_reverse</c> for the backward direction: <c>weight_ih_l0</c> [G·H, F], <c>weight_hh_l0</c> [G·H, H], <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c> [G·H], <c>weight_ih_l0_reverse</c>, …, <c>weight_ih_l1</c> [G·H, D·H], with G = 1, 4, 3 gates for RNN,
/// LSTM, GRU; each drawn from U(−1/√H, 1/√H) as PyTorch does, from its own key.</para>
/// <para>Variable lengths: <see cref="Run(TensorTree, Tensor, Context, IReadOnlyList{int}?, Tensor?, Tensor?)"/> takes
/// one length per sequence; a padded step neither changes the carry nor receives gradient, its output is zero (as
/// <c>pack_padded_sequence</c> … <c>pad_packed_sequence</c> in PyTorch), and the backward direction starts at each
/// sequence's own last step. Dropout masks between layers are drawn from the context's key folded with the layer,
/// so both backends drop the same entries.</para>
/// </remarks>
public abstract class RecurrentLayer : Layer
{
    /// <summary>Checks and stores the hyperparameters the sequence layers share.</summary>
    /// <param name="name">The class name, for messages.</param>
    /// <param name="inputs">Features F of x_t (&gt; 0).</param>
    /// <param name="hidden">Features H of h (&gt; 0).</param>
    /// <param name="layers">Stacked layers L (&gt; 0).</param>
    /// <param name="bidirectional">Whether each layer also runs backward in time (D = 2).</param>
    /// <param name="batchFirst">[N, T, F] when true, [T, N, F] when false.</param>
    /// <param name="dropout">The drop probability in [0, 1) on every layer's output but the last (train mode only).</param>
    /// <param name="bias">Whether the cells add b_ih and b_hh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or the dropout probability is outside [0, 1).</exception>
    protected RecurrentLayer(string name, int inputs, int hidden, int layers, bool bidirectional, bool batchFirst, double dropout, bool bias)
    {
        if (inputs <= 0 || hidden <= 0 || layers <= 0)
        {
            throw new ArgumentOutOfRangeException(
                inputs <= 0 ? nameof(inputs) : hidden <= 0 ? nameof(hidden) : nameof(layers),
                $"{name}({inputs}→{hidden}): inputs, hidden and layers must be positive, got inputs={inputs}, hidden={hidden}, layers={layers}");
        }

        Inputs = inputs;
        Hidden = hidden;
        Layers = layers;
        Bidirectional = bidirectional;
        BatchFirst = batchFirst;
        Dropout = DropoutMask.CheckProbability(dropout, name);
        HasBias = bias;
    }

    /// <summary>Features F of x_t.</summary>
    public int Inputs { get; }

    /// <summary>Features H of each direction's h.</summary>
    public int Hidden { get; }

    /// <summary>Stacked layers L.</summary>
    public int Layers { get; }

    /// <summary>Whether every layer runs forward and backward in time, its outputs concatenated [.., 2H].</summary>
    public bool Bidirectional { get; }

    /// <summary>Whether sequences are [N, T, F] (true) or [T, N, F] (false).</summary>
    public bool BatchFirst { get; }

    /// <summary>The dropout probability between layers (train mode only; none after the last layer).</summary>
    public double Dropout { get; }

    /// <summary>Whether the cells add b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <summary>D: 2 when bidirectional, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Whether the carry has a cell state c besides h (the LSTM).</summary>
    public virtual bool HasCellState => false;

    /// <inheritdoc />
    public override long ParameterCount
    {
        get
        {
            long total = 0;
            for (var l = 0; l < Layers; l++)
            {
                total = checked(total + (Directions * CellFor(l).ParameterCount));
            }

            return total;
        }
    }

    /// <inheritdoc />
    public override bool IsStochastic => Dropout > 0 && Layers > 1;

    /// <inheritdoc />
    public override string Describe()
    {
        var options = new List<string>();
        if (Layers > 1)
        {
            options.Add($"{Layers} layers");
        }

        if (Bidirectional)
        {
            options.Add("bidirectional");
        }

        if (!BatchFirst)
        {
            options.Add("time first");
        }

        if (Dropout > 0)
        {
            options.Add(string.Create(CultureInfo.InvariantCulture, $"dropout {Dropout:G}"));
        }

        if (!HasBias)
        {
            options.Add("no bias");
        }

        options.AddRange(ExtraOptions());
        return $"{Name}({Inputs}→{Hidden}{string.Concat(options.Select(o => ", " + o))})";
    }

    /// <summary>The suffix of layer <paramref name="layer"/>, direction <paramref name="direction"/>: <c>_l1</c>, <c>_l1_reverse</c>.</summary>
    public static string Suffix(int layer, int direction) =>
        string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(direction == 1 ? "_reverse" : "")}");

    /// <summary>The cell of layer <paramref name="layer"/> (both directions share its shape): F inputs at layer 0, D·H above.</summary>
    public Cell CellFor(int layer) => MakeCell(layer == 0 ? Inputs : checked(Directions * Hidden), Hidden);

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">The input is not a sequence of <see cref="Inputs"/> features in this layout.</exception>
    public override Shape OutputShape(Shape input) =>
        input.Rank == 3 && input[0] >= 1 && input[1] >= 1 && input[2] == Inputs
            ? new Shape(input[0], input[1], checked(Directions * Hidden))
            : throw new LayerShapeException(Describe(), "", $"{Layout} with F = {Inputs}", input);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var parts = new List<KeyValuePair<string, Tensor>>();
        for (var l = 0; l < Layers; l++)
        {
            var cell = CellFor(l);
            for (var d = 0; d < Directions; d++)
            {
                var suffix = Suffix(l, d);
                parts.AddRange(cell.Init(key.Fold((ulong)(l * Directions + d)), backend).Select(p => KeyValuePair.Create(p.Key + suffix, p.Value)));
            }
        }

        return TensorTree.Of(parts);
    }

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context) =>
        (Run(parameters, input, context).Outputs, state);

    /// <summary>A deterministic run (evaluation mode): <c>lstm.Run(p, x, lengths, h0, c0)</c>, each optional.</summary>
    public RecurrentResult Run(TensorTree parameters, Tensor input, IReadOnlyList<int>? lengths = null, Tensor? h0 = null, Tensor? c0 = null) =>
        Run(parameters, input, Context.Eval, lengths, h0, c0);

    /// <summary>
    /// Runs every layer and direction over <paramref name="input"/> (in this layer's layout) and returns the outputs
    /// (zero at padded steps), the final states h_n (and c_n) [L·D, N, H] and nothing mutated.
    /// </summary>
    /// <param name="parameters">The tree <see cref="Init"/> makes (<c>weight_ih_l0</c>, …).</param>
    /// <param name="input">[N, T, F] or [T, N, F].</param>
    /// <param name="context">Train mode with a key for dropout between layers; evaluation otherwise.</param>
    /// <param name="lengths">One length in [1, T] per sequence; null for all T.</param>
    /// <param name="h0">The initial h [L·D, N, H]; null for zeros.</param>
    /// <param name="c0">The initial c [L·D, N, H] of an LSTM; null for zeros.</param>
    /// <exception cref="LayerShapeException">The input, <paramref name="h0"/> or <paramref name="c0"/> has the wrong shape, or the lengths the wrong count.</exception>
    /// <exception cref="SequenceLengthException">A length lies outside [1, T].</exception>
    /// <exception cref="ArgumentException"><paramref name="c0"/> is given to a layer without a cell state.</exception>
    /// <exception cref="InvalidOperationException">Train mode with dropout and no key.</exception>
    public RecurrentResult Run(TensorTree parameters, Tensor input, Context context, IReadOnlyList<int>? lengths = null, Tensor? h0 = null, Tensor? c0 = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);

        // Every check happens here, before any computation, so both backends report the same error.
        OutputShape(input.Shape);
        var x = BatchFirst ? input : input.SwapAxes(0, 1);
        int n = x.Shape[0], steps = x.Shape[1];
        SequenceLengthException.Check(Describe(), lengths, input.Shape, n, steps);
        var stateShape = new Shape(checked(Layers * Directions), n, Hidden);
        CheckState("h0", h0, stateShape);
        if (c0 is not null && !HasCellState)
        {
            throw new ArgumentException($"{Describe()}: has no cell state, so c0 must be null; got c0 {c0.Shape}", nameof(c0));
        }

        CheckState("c0", c0, stateShape);
        var dropoutKey = IsStochastic && context.Mode == Mode.Train ? DropoutMask.RequireKey(context, Describe()) : (Key?)null;

        // A backend that runs the whole stack in one call (IFusedRecurrence, as nn.LSTM does) takes it when no dropout
        // mask is drawn and no step is padded; the layer-by-layer loop below is the plain path that defines the result.
        if (dropoutKey is null && (lengths is null || lengths.All(l => l == steps))
            && StackGates > 0 && Capabilities.Of<IFusedRecurrence>(x.Backend) is { } fused
            && StackOperands(parameters, x, h0, c0, stateShape) is { } operands
            && RunStack(fused, x, operands.H0, operands.C0, operands.Weights) is { } whole)
        {
            return BatchFirst ? whole : whole with { Outputs = whole.Outputs.SwapAxes(0, 1) };
        }

        var finalH = new List<Tensor>();
        var finalC = new List<Tensor>();
        for (var l = 0; l < Layers; l++)
        {
            var cell = CellFor(l);
            var directions = new Tensor[Directions];
            for (var d = 0; d < Directions; d++)
            {
                var index = l * Directions + d;
                var carry = InitialCarry(cell, h0, c0, index, n, x.Backend);
                var run = new Scan(cell, reverse: d == 1).Run(CellParameters(parameters, l, d), TensorTree.Empty, x, carry, lengths, Context.Eval);
                directions[d] = run.Outputs;
                finalH.Add(run.Carry["h"]);
                if (HasCellState)
                {
                    finalC.Add(run.Carry["c"]);
                }
            }

            x = Directions == 1 ? directions[0] : Tensor.Concat(directions, 2);
            if (dropoutKey is { } key && l < Layers - 1)
            {
                // Inverted dropout on the layer's output y⁽ˡ⁾, as nn.LSTM's dropout (p on every layer but the last).
                x = x * DropoutMask.Create(key.Fold((ulong)l), Dropout, DropoutKind.Inverted, x.Shape, x.Backend);
            }
        }

        var outputs = BatchFirst ? x : x.SwapAxes(0, 1);
        return new RecurrentResult(outputs, Tensor.Stack(finalH, 0), HasCellState ? Tensor.Stack(finalC, 0) : null);
    }

    /// <summary>
    /// The whole stack in one call of <paramref name="fused"/> on <paramref name="inputs"/> [N, T, F] batch first, with
    /// every step valid and no dropout: the same outputs (batch first), h_n and c_n as the layer-by-layer loop to
    /// rounding; or null (the default, and whenever the backend declines) for that loop.
    /// </summary>
    internal virtual RecurrentResult? RunStack(IFusedRecurrence fused, Tensor inputs, Tensor h0, Tensor? c0, IReadOnlyList<Tensor> weights) => null;

    /// <summary>G, the gates stacked in each weight (4 LSTM, 3 GRU, 1 Elman RNN) of a layer that <see cref="RunStack"/> can run; 0 (the default) for one that never can.</summary>
    internal virtual int StackGates => 0;

    /// <summary>The class name in descriptions: <c>Rnn</c>, <c>Lstm</c>, <c>Gru</c>.</summary>
    protected abstract string Name { get; }

    /// <summary>The cell of one layer and direction with <paramref name="inputs"/> features.</summary>
    protected abstract Cell MakeCell(int inputs, int hidden);

    /// <summary>The subclass's own options for <see cref="Describe"/>.</summary>
    protected virtual IEnumerable<string> ExtraOptions() => [];

    private string Layout => BatchFirst ? "[N ≥ 1, T ≥ 1, F] (batch first)" : "[T ≥ 1, N ≥ 1, F] (time first)";

    private void CheckState(string name, Tensor? given, Shape expected)
    {
        if (given is not null && given.Shape != expected)
        {
            throw new LayerShapeException(Describe(), "", $"{name} {expected} (layers·directions, N, hidden)", given.Shape);
        }
    }

    /// <summary>The cell's unprefixed leaves (<c>weight_ih</c>, …) from <c>weight_ih_l{l}[_reverse]</c>, or an error naming what is missing.</summary>
    private TensorTree CellParameters(TensorTree parameters, int layer, int direction)
    {
        var suffix = Suffix(layer, direction);
        string[] names = HasBias ? ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] : ["weight_ih", "weight_hh"];
        return TensorTree.Of(names.Select(name => (name, Leaf(parameters, name + suffix))).ToArray());
    }

    /// <summary>
    /// The operands of <see cref="RunStack"/>: every layer's and direction's weights in PyTorch's order, checked as the
    /// loop checks them, and the initial states (zeros where not given); null when one lives on another backend than
    /// <paramref name="x"/>, so that the loop reports it exactly as it does on a backend without the capability.
    /// </summary>
    private (Tensor H0, Tensor? C0, IReadOnlyList<Tensor> Weights)? StackOperands(TensorTree parameters, Tensor x, Tensor? h0, Tensor? c0, Shape stateShape)
    {
        var gates = StackGates;
        var weights = new List<Tensor>();
        for (var l = 0; l < Layers; l++)
        {
            var cell = CellFor(l);
            for (var d = 0; d < Directions; d++)
            {
                var w = GatedCell.Weights(cell, CellParameters(parameters, l, d), gates, cell.InputSize, Hidden, HasBias);
                weights.AddRange(w.BiasIh is { } bi && w.BiasHh is { } bh ? [w.Ih, w.Hh, bi, bh] : [w.Ih, w.Hh]);
            }
        }

        Tensor Zeros() => x.Backend.Zeros(stateShape);
        var h = h0 ?? Zeros();
        var c = HasCellState ? c0 ?? Zeros() : null;
        Tensor?[] all = [.. weights, h, c];
        return all.All(t => t is null || ReferenceEquals(t.Backend, x.Backend)) ? (h, c, weights) : null;
    }


    private TensorTree InitialCarry(Cell cell, Tensor? h0, Tensor? c0, int index, int batch, Backend backend)
    {
        var zeros = cell.InitialCarry(batch, backend);
        return zeros.Map((name, zero) => (name == "h" ? h0 : c0) is { } given ? given.Slice(0, index, 1).Reshape(batch, Hidden) : zero);
    }
}

/// <summary>What <see cref="RecurrentLayer.Run(TensorTree, Tensor, Context, IReadOnlyList{int}?, Tensor?, Tensor?)"/> returns, in PyTorch's layout.</summary>
/// <param name="Outputs">The last layer's outputs [N, T, D·H] (batch first) or [T, N, D·H], both directions concatenated, zero at padded steps.</param>
/// <param name="Hidden">h_n [L·D, N, H]: the final h of every layer and direction (the forward one after its last valid step, the backward one after t = 0).</param>
/// <param name="Cell">c_n [L·D, N, H] for an LSTM; null otherwise.</param>
public sealed record RecurrentResult(Tensor Outputs, Tensor Hidden, Tensor? Cell)
{
    /// <summary>The last layer's outputs [N, T, D·H] (batch first) or [T, N, D·H], both directions concatenated, zero at padded steps.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Tensor Outputs { get; init => field = value ?? throw new ArgumentNullException(nameof(Outputs)); } = Outputs ?? throw new ArgumentNullException(nameof(Outputs));

    /// <summary>h_n [L·D, N, H]: the final h of every layer and direction (the forward one after its last valid step, the backward one after t = 0).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Tensor Hidden { get; init => field = value ?? throw new ArgumentNullException(nameof(Hidden)); } = Hidden ?? throw new ArgumentNullException(nameof(Hidden));
}
