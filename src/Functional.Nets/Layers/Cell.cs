namespace Functional.Nets;

/// <summary>
/// One step of a recurrence: a value holding hyperparameters, whose <c>Step</c> maps an input x_t
/// and a carry to an output y_t and the next carry, purely. The carry (an RNN's h, an LSTM's h and c) is an
/// explicit argument and result, a <see cref="TensorTree"/> with named leaves; it is never hidden in the
/// cell and never mixed with its state (running statistics), which travels separately. A sequence is a
/// <c>Scan</c> of a cell along the time axis.
/// </summary>
public abstract class Cell
{
    /// <summary>A short description used in messages and summaries, e.g. <c>RnnCell(3→5)</c>.</summary>
    public abstract string Describe();

    /// <summary>The features of one step's input x_t [N, InputSize].</summary>
    public abstract int InputSize { get; }

    /// <summary>The features of one step's output y_t [N, OutputSize].</summary>
    public abstract int OutputSize { get; }

    /// <summary>The number of parameters <see cref="Init"/> creates.</summary>
    public virtual long ParameterCount => 0;

    /// <summary>Whether <c>Step</c> needs a key in training mode.</summary>
    public virtual bool IsStochastic => false;

    /// <summary>Whether the cell keeps state (running statistics) besides its carry.</summary>
    public virtual bool HasState => false;

    /// <summary>Creates the parameters on <paramref name="backend"/>, deterministically from <paramref name="key"/>.</summary>
    public abstract TensorTree Init(Key key, Backend backend);

    /// <summary>Creates the initial state on <paramref name="backend"/> (empty for cells without running statistics).</summary>
    public virtual TensorTree InitState(Backend backend) => TensorTree.Empty;

    /// <summary>The carry at the start of a sequence of <paramref name="batch"/> examples when none is given: zeros, as PyTorch's default h₀.</summary>
    public abstract TensorTree InitialCarry(int batch, Backend backend);

    /// <summary>
    /// One step: from x_t [N, <see cref="InputSize"/>] and the carry, the output y_t [N, <see cref="OutputSize"/>],
    /// the next carry and the new state. Nothing is mutated.
    /// </summary>
    public abstract CellStep Step(TensorTree parameters, TensorTree state, Tensor input, TensorTree carry, Context context);

    /// <summary>Whether <see cref="ProjectInputs"/> is offered (then <see cref="Scan"/> projects a sequence's inputs before its steps).</summary>
    public virtual bool ProjectsInputs => false;

    /// <summary>
    /// The part of every step that reads only its input, computed for a whole sequence in one product, or null when
    /// the cell has no such part (the default). <paramref name="inputs"/> holds the steps' inputs as rows
    /// [R, <see cref="InputSize"/>] (R = steps × batch, in any order); the result holds one row per input row,
    /// [R, P], and <see cref="Scan"/> then hands row block t to <see cref="StepProjected"/> in place of x_t.
    /// A cell that offers this promises that <c>StepProjected(p, s, ProjectInputs(p, x), carry, ctx)</c> computes
    /// what <c>Step(p, s, x, carry, ctx)</c> computes, with the same parameters and the same order of sums (so the
    /// two agree to rounding): it only moves the input's matrix product out of the loop, as libtorch's own
    /// <c>nn.LSTM</c> does, turning T small products into one large one, forward and backward.
    /// </summary>
    /// <exception cref="LayerShapeException">The rows are not [R, InputSize].</exception>
    public virtual Tensor? ProjectInputs(TensorTree parameters, Tensor inputs) => null;

    /// <summary>
    /// One step from a row block of <see cref="ProjectInputs"/>'s result [N, P] in place of x_t; the same output,
    /// carry and state as <see cref="Step(TensorTree, TensorTree, Tensor, TensorTree, Context)"/> on x_t.
    /// </summary>
    /// <exception cref="NotSupportedException">The cell does not project its inputs (<see cref="ProjectInputs"/> returns null).</exception>
    public virtual CellStep StepProjected(TensorTree parameters, TensorTree state, Tensor projected, TensorTree carry, Context context) =>
        throw new NotSupportedException($"{Describe()} does not project its inputs ahead of the steps; call Step");

    /// <summary>
    /// The whole sequence in one call of the backend's <see cref="IFusedRecurrence"/>, or null (the default, and
    /// whenever the backend lacks or declines it) for <see cref="Scan"/>'s step loop. <paramref name="inputs"/> is
    /// [N, T, <see cref="InputSize"/>] batch first with every step valid; the result must equal the loop's outputs
    /// [N, T, <see cref="OutputSize"/>] and final carry to rounding. Only stateless, deterministic cells are asked.
    /// </summary>
    internal virtual (Tensor Outputs, TensorTree Carry)? RunFused(TensorTree parameters, Tensor inputs, TensorTree carry, bool reverse) => null;

    /// <summary>One step of a stateless, deterministic cell: <c>cell.Step(p, x, carry)</c>.</summary>
    /// <exception cref="InvalidOperationException">The cell has state or randomness, whose mode and key must be given explicitly.</exception>
    public CellStep Step(TensorTree parameters, Tensor input, TensorTree carry)
    {
        if (HasState || IsStochastic)
        {
            throw new InvalidOperationException(
                $"{Describe()} has {(HasState ? "state" : "randomness")}; call Step(parameters, state, input, carry, context) with a Mode and a Key");
        }

        return Step(parameters, TensorTree.Empty, input, carry, Context.Eval);
    }

    /// <summary>Returns <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();

    /// <summary>Fetches a leaf (a parameter or part of the carry) or throws naming the cell and the leaves present.</summary>
    protected Tensor Leaf(TensorTree tree, string name, string what = "parameter") =>
        tree.TryGet(name, out var t)
            ? t
            : throw new ArgumentException($"{Describe()}: missing {what} '{name}'; got {tree.Describe()}");
}

/// <summary>What one <see cref="Cell.Step(TensorTree, TensorTree, Tensor, TensorTree, Context)"/> returns.</summary>
/// <param name="Output">y_t [N, OutputSize].</param>
/// <param name="Carry">The carry for the next step.</param>
/// <param name="State">The cell's new state (running statistics; empty for most cells).</param>
public sealed record CellStep(Tensor Output, TensorTree Carry, TensorTree State)
{
    /// <summary>y_t [N, OutputSize].</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Tensor Output { get; init => field = value ?? throw new ArgumentNullException(nameof(Output)); } = Output ?? throw new ArgumentNullException(nameof(Output));

    /// <summary>The carry for the next step.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree Carry { get; init => field = value ?? throw new ArgumentNullException(nameof(Carry)); } = Carry ?? throw new ArgumentNullException(nameof(Carry));

    /// <summary>The cell's new state (running statistics; empty for most cells).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree State { get; init => field = value ?? throw new ArgumentNullException(nameof(State)); } = State ?? throw new ArgumentNullException(nameof(State));
}
