namespace Functional.Nets;

/// <summary>
/// A <see cref="Cell"/> run along the time axis of a batch-first sequence: input [N, T, F] (batch, time,
/// features, as PyTorch's <c>batch_first=True</c>), outputs [N, T, H] with H the cell's output size, and the
/// final carry. Forward, the cell reads x₀, x₁, ..., x_{T−1}; reversed, x_{T−1}, ..., x₀. Either way the output
/// at time t is the cell's output on reading x_t, stored at t (PyTorch's backward direction of a bidirectional
/// RNN), and the final carry is the one after the last step read.
/// </summary>
/// <remarks>
/// <para>
/// A cell that offers <see cref="Cell.ProjectInputs"/> (as <see cref="LstmCell"/> does) has the input's part of every
/// step computed once for the whole sequence before the loop, and each step then reads its block of that projection
/// through <see cref="Cell.StepProjected"/>: the same parameters and results, fewer and larger products.
/// </para>
/// <para>
/// The parameters are the cell's own, unprefixed (one set, applied at every step): <c>Scan(RnnCell)</c> has
/// exactly the state_dict of PyTorch's <c>nn.RNNCell</c>; PyTorch's one-layer <c>nn.RNN</c> names the same tensors
/// <c>weight_ih_l0</c>, ... The cell's state (running statistics, if any) is threaded through the steps and
/// returned; it is separate from the carry. Step t's key is the context's key folded with t. As a
/// <see cref="Layer"/> the scan starts from the cell's zero carry and returns the outputs; <see cref="Run(TensorTree, TensorTree, Tensor, TensorTree?, Context)"/> takes
/// a given initial carry and returns the final one too.
/// </para>
/// </remarks>
public sealed class Scan : Layer
{
    /// <summary>Creates the scan of <paramref name="cell"/>, forward in time unless <paramref name="reverse"/>.</summary>
    public Scan(Cell cell, bool reverse = false)
    {
        ArgumentNullException.ThrowIfNull(cell);
        Cell = cell;
        Reverse = reverse;
    }

    /// <summary>The step.</summary>
    public Cell Cell { get; }

    /// <summary>Whether time runs from the last step to the first.</summary>
    public bool Reverse { get; }

    /// <inheritdoc />
    public override long ParameterCount => Cell.ParameterCount;

    /// <inheritdoc />
    public override bool IsStochastic => Cell.IsStochastic;

    /// <inheritdoc />
    public override bool HasState => Cell.HasState;

    /// <inheritdoc />
    public override string Describe() => $"Scan({Cell.Describe()}{(Reverse ? ", reversed" : "")})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) =>
        input.Rank == 3 && input[1] >= 1 && input[2] == Cell.InputSize
            ? new Shape(input[0], input[1], Cell.OutputSize)
            : throw new LayerShapeException(Describe(), "", $"[N, T ≥ 1, {Cell.InputSize}] (batch first)", input);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => Cell.Init(key, backend);

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend) => Cell.InitState(backend);

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var result = Run(parameters, state, input, null, context);
        return (result.Outputs, result.State);
    }

    /// <summary>
    /// Runs the cell along time from <paramref name="initialCarry"/> (the cell's zero carry when null) and returns
    /// the outputs [N, T, H], the final carry and the cell's new state. Nothing is mutated.
    /// </summary>
    /// <exception cref="LayerShapeException">The input is not [N, T ≥ 1, F] with F the cell's input size, or the carry does not fit.</exception>
    public ScanResult Run(TensorTree parameters, TensorTree state, Tensor input, TensorTree? initialCarry, Context context) =>
        Run(parameters, state, input, initialCarry, null, context);

    /// <summary>
    /// Runs the cell along time over sequences of the given <paramref name="lengths"/> (null: all of length T):
    /// sequence i reads steps 0 … lengths[i] − 1, and a padded step t ≥ lengths[i] neither changes its carry nor
    /// receives gradient (carry_{t+1} = where(t &lt; len, cell(x_t, carry_t), carry_t)) and outputs zeros, as PyTorch's
    /// packed sequences give after <c>pad_packed_sequence</c>. Reversed, sequence i starts at its own last step
    /// lengths[i] − 1 (the padded steps after it keep the initial carry), so the final carry is the one after
    /// reading x_0. Steps that are padding for every sequence skip the cell.
    /// </summary>
    /// <exception cref="LayerShapeException">The input or carry does not fit, or there is not one length per sequence.</exception>
    /// <exception cref="SequenceLengthException">A length lies outside [1, T].</exception>
    public ScanResult Run(TensorTree parameters, TensorTree state, Tensor input, TensorTree? initialCarry, IReadOnlyList<int>? lengths, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        OutputShape(input.Shape);
        int n = input.Shape[0], steps = input.Shape[1], features = input.Shape[2];
        SequenceLengthException.Check(Describe(), lengths, input.Shape, n, steps);
        var carry = initialCarry ?? Cell.InitialCarry(n, input.Backend);

        // A backend with a fused kernel for the whole sequence (IFusedRecurrence) runs it when no step is padded; the
        // loop below is the plain path that defines the result.
        if (!Cell.HasState && !Cell.IsStochastic && (lengths is null || lengths.All(l => l == steps))
            && Cell.RunFused(parameters, input, carry, Reverse) is { } fused)
        {
            return new ScanResult(fused.Outputs, fused.Carry, state);
        }

        // Time-major rows [T·N, F] (row t·N + b is example b at step t), so that step t's rows are one contiguous
        // block; a cell that projects its inputs does so here for all steps in one product (see Cell.ProjectInputs).
        // The blocks come from one Chunk (one node whose gradient joins theirs), not T slices.
        var rows = input.Permute(1, 0, 2).Reshape(checked(steps * n), features);
        var projected = Cell.ProjectsInputs ? Cell.ProjectInputs(parameters, rows)?.Chunk(steps, 0) : null;
        var xs = projected is null ? rows.Chunk(steps, 0) : null;
        var outputs = new Tensor[steps];
        for (var i = 0; i < steps; i++)
        {
            var t = Reverse ? steps - 1 - i : i;
            var valid = lengths is null ? n : lengths.Count(l => t < l);
            if (valid == 0)
            {
                // Padding in every sequence: the carry stays, the output is zero (and nothing here gets gradient).
                outputs[t] = input.Backend.Zeros(new Shape(n, Cell.OutputSize));
                continue;
            }

            CellStep step;
            try
            {
                step = projected is null
                    ? Cell.Step(parameters, state, xs![t], carry, context.ForChild(t))
                    : Cell.StepProjected(parameters, state, projected[t], carry, context.ForChild(t));
            }
            catch (LayerShapeException e)
            {
                throw new LayerShapeException(Describe(), "", $"a carry and input that {Cell.Describe()} accepts at step {t} ({e.Message})", input.Shape, e);
            }

            if (valid == n)
            {
                outputs[t] = step.Output;
                carry = step.Carry;
            }
            else
            {
                // m_t [N, 1] = [t < len_i]: where(m, new, old) keeps the old carry exactly and sends no gradient into
                // the step's result for the padded rows; the output is zeroed by the same mask.
                var m = input.Backend.FromArray(lengths!.Select(l => t < l ? 1.0 : 0.0).ToArray(), new Shape(n, 1));
                var previous = carry;
                outputs[t] = step.Output * m;
                carry = step.Carry.Map((name, next) => Tensor.Where(m, next, previous[name]));
            }

            state = step.State;
        }

        return new ScanResult(Tensor.Stack(outputs, 1), carry, state);
    }

    /// <summary>Runs a stateless, deterministic cell: <c>scan.Run(p, x, h0)</c> (null for zeros).</summary>
    /// <exception cref="InvalidOperationException">The cell has state or randomness; use the overload with a state and context.</exception>
    public ScanResult Run(TensorTree parameters, Tensor input, TensorTree? initialCarry = null)
    {
        if (HasState || IsStochastic)
        {
            throw new InvalidOperationException(
                $"{Describe()} has {(HasState ? "state" : "randomness")}; call Run(parameters, state, input, carry, context) with a Mode and a Key");
        }

        return Run(parameters, TensorTree.Empty, input, initialCarry, Context.Eval);
    }
}

/// <summary>What <see cref="Scan.Run(TensorTree, TensorTree, Tensor, TensorTree?, Context)"/> returns.</summary>
/// <param name="Outputs">The cell's outputs [N, T, H], output t at index t in both directions.</param>
/// <param name="Carry">The carry after the last step read (t = T − 1 forward, t = 0 reversed).</param>
/// <param name="State">The cell's state after the last step.</param>
public sealed record ScanResult(Tensor Outputs, TensorTree Carry, TensorTree State)
{
    /// <summary>The cell's outputs [N, T, H], output t at index t in both directions.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Tensor Outputs { get; init => field = value ?? throw new ArgumentNullException(nameof(Outputs)); } = Outputs ?? throw new ArgumentNullException(nameof(Outputs));

    /// <summary>The carry after the last step read (t = T − 1 forward, t = 0 reversed).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree Carry { get; init => field = value ?? throw new ArgumentNullException(nameof(Carry)); } = Carry ?? throw new ArgumentNullException(nameof(Carry));

    /// <summary>The cell's state after the last step.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree State { get; init => field = value ?? throw new ArgumentNullException(nameof(State)); } = State ?? throw new ArgumentNullException(nameof(State));
}
