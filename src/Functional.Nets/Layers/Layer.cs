namespace Functional.Nets;

/// <summary>
/// A layer is a value holding hyperparameters only. <see cref="Init"/> makes an immutable parameter
/// record, <see cref="InitState"/> its state (running statistics), and <see cref="Apply(TensorTree, TensorTree, Tensor, Context)"/>
/// is a pure function of parameters, state, input and context.
/// </summary>
public abstract class Layer
{
    /// <summary>A short description used in messages and summaries, e.g. <c>Dense(784→128)</c>.</summary>
    public abstract string Describe();

    /// <summary>Checks that <paramref name="input"/> fits this layer and returns the output shape, or throws <see cref="LayerShapeException"/>.</summary>
    public abstract Shape OutputShape(Shape input);

    /// <summary>The number of parameters <see cref="Init"/> creates.</summary>
    public virtual long ParameterCount => 0;

    /// <summary>Whether <see cref="Apply(TensorTree, TensorTree, Tensor, Context)"/> needs a key in training mode.</summary>
    public virtual bool IsStochastic => false;

    /// <summary>Whether the layer keeps state between calls (running statistics).</summary>
    public virtual bool HasState => false;

    /// <summary>
    /// The layer's direct children with their names (empty for a leaf layer). An empty name marks a transparent wrapper
    /// (<see cref="EvalMode"/>): the child's leaves are named as the parent's, with no segment added.
    /// </summary>
    public virtual IReadOnlyList<(string Name, Layer Layer)> Children => [];

    /// <summary>
    /// Whether every child receives this layer's own input (parallel branches, a residual body and its
    /// shortcut) rather than the previous child's output (a chain, the default). Summaries walk shapes by it.
    /// </summary>
    public virtual bool ChildrenShareInput => false;

    /// <summary>Creates the parameters on <paramref name="backend"/>, deterministically from <paramref name="key"/>.</summary>
    public abstract TensorTree Init(Key key, Backend backend);

    /// <summary>Creates the initial state on <paramref name="backend"/> (empty for stateless layers).</summary>
    public virtual TensorTree InitState(Backend backend) => TensorTree.Empty;

    /// <summary>The pure forward pass: returns the output and the new state; nothing is mutated.</summary>
    public abstract (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context);

    /// <summary>
    /// The forward pass of a stateless, deterministic layer: <c>model.Apply(p, x)</c>.
    /// Throws if the layer has state or randomness, whose mode and key must then be given explicitly.
    /// </summary>
    public Tensor Apply(TensorTree parameters, Tensor input)
    {
        if (HasState || IsStochastic)
        {
            throw new InvalidOperationException(
                $"{Describe()} has {(HasState ? "state" : "randomness")}; call Apply(parameters, state, input, context) with a Mode and a Key");
        }

        return Apply(parameters, TensorTree.Empty, input, Context.Eval).Output;
    }

    /// <summary>
    /// Compares <paramref name="parameters"/> (external weights, e.g. from <see cref="TensorTree.FromArrays(Backend, IEnumerable{ValueTuple{string, double[], int[]}})"/>)
    /// with the names and shapes <see cref="Init"/> makes: the report lists leaves missing from them,
    /// unexpected in them and of another shape. The model is initialized once, on <paramref name="backend"/>
    /// or else on the backend of the first leaf, and released.
    /// </summary>
    /// <example><code>
    /// var report = model.CheckParameters(TensorTree.FromArrays(backend, weights));
    /// if (!report.IsExact) throw new InvalidOperationException(report.Describe());
    /// </code></example>
    /// <exception cref="ArgumentException">The tree is empty and no backend is given.</exception>
    public LoadReport CheckParameters(TensorTree parameters, Backend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var on = backend ?? (parameters.Count > 0 ? parameters[0].Value.Backend : null)
            ?? throw new ArgumentException($"CheckParameters: the tree is empty, so pass the backend to initialize {Describe()} on", nameof(backend));
        using var expected = Init(Key.FromSeed(0), on);
        return expected.CompareStructure(parameters);
    }

    /// <summary>Returns <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();

    /// <summary>Fetches a parameter leaf or throws naming the layer and the leaves that are present.</summary>
    protected Tensor Leaf(TensorTree parameters, string name) =>
        parameters.TryGet(name, out var t)
            ? t
            : throw new ArgumentException($"{Describe()}: missing parameter '{name}'; got {parameters.Describe()}");
}
