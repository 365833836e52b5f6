using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Layers applied side by side to the same input (named <c>Branches</c>, not <c>Parallel</c>, which every
/// project already imports from System.Threading.Tasks), their outputs merged by a <see cref="Join"/>: concatenated along an
/// axis (an Inception block), summed or multiplied elementwise (a gate). Branch i's parameters and state are
/// the leaves named <c>i.*</c>, as in <see cref="Sequential"/>; its key is the context's key folded with i.
/// <see cref="ApplyBranches"/> returns every branch's output unmerged, for a model with several outputs
/// (a discriminator's features and its logit).
/// </summary>
public sealed class Branches : Layer
{
    private readonly Layer[] branches;

    /// <summary>Creates the block; it must hold at least one branch.</summary>
    /// <param name="join">How the branches' outputs are merged.</param>
    /// <param name="branches">The branches, each applied to the block's input.</param>
    public Branches(Join join, params Layer[] branches)
    {
        ArgumentNullException.ThrowIfNull(join);
        ArgumentNullException.ThrowIfNull(branches);
        if (branches.Length == 0)
        {
            throw new ArgumentException("Branches: needs at least one branch", nameof(branches));
        }

        Join = join;
        this.branches = [.. branches];
    }

    /// <summary>Creates the block from any sequence of branches.</summary>
    public Branches(Join join, IEnumerable<Layer> branches) : this(join, (branches ?? throw new ArgumentNullException(nameof(branches))).ToArray())
    {
    }

    /// <summary>How the branches' outputs are merged.</summary>
    public Join Join { get; }

    /// <summary>The branches, in order.</summary>
    public IReadOnlyList<Layer> Layers => branches;

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, Layer Layer)> Children => branches.Select((l, i) => (Name(i), l)).ToArray();

    /// <inheritdoc />
    public override bool ChildrenShareInput => true;

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Sum(this, branches);

    /// <inheritdoc />
    public override bool IsStochastic => branches.Any(l => l.IsStochastic);

    /// <inheritdoc />
    public override bool HasState => branches.Any(l => l.HasState);

    /// <inheritdoc />
    public override string Describe() => $"Branches({Join.Describe()} of {branches.Length} branches)";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        var shapes = branches.Select((l, i) => AtPosition(i, () => l.OutputShape(input))).ToArray();
        return Join.Problem(shapes) is { } problem ? throw Mismatch(input, problem) : Join.OutputShape(shapes);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var keys = key.Split(branches.Length);
        return TensorTree.Nest(branches.Select((l, i) => (Name(i), l.Init(keys[i], backend))));
    }

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend) =>
        TensorTree.Nest(branches.Select((l, i) => (Name(i), l.InitState(backend))));

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">The branches' outputs cannot be joined.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var (outputs, newState) = ApplyBranches(parameters, state, input, context);
        return Join.Problem([.. outputs.Select(o => o.Shape)]) is { } problem
            ? throw Mismatch(input.Shape, problem)
            : (Join.Apply(outputs), newState);
    }

    /// <summary>Every branch's output, unmerged, with the new state of all branches.</summary>
    public BranchOutputs ApplyBranches(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        var outputs = new Tensor[branches.Length];
        var states = new List<(string, TensorTree)>(branches.Length);
        for (var i = 0; i < branches.Length; i++)
        {
            var name = Name(i);
            var (y, s) = AtPosition(i, () => branches[i].Apply(parameters.Child(name), state.Child(name), input, context.ForChild(i)));
            outputs[i] = y;
            states.Add((name, s));
        }

        return new BranchOutputs(outputs, TensorTree.Nest(states));
    }

    private LayerShapeException Mismatch(Shape input, string problem) =>
        new(Describe(), "", $"an input whose branch outputs the {Join.Describe()} can join ({problem})", input);

    private static string Name(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static T AtPosition<T>(int i, Func<T> f)
    {
        try
        {
            return f();
        }
        catch (LayerShapeException e)
        {
            throw e.Within(Name(i));
        }
    }
}

/// <summary>What <see cref="Branches.ApplyBranches"/> returns.</summary>
/// <param name="Outputs">Branch i's output at position i.</param>
/// <param name="State">The new state of every branch, under <c>i.*</c>.</param>
public sealed record BranchOutputs(IReadOnlyList<Tensor> Outputs, TensorTree State)
{
    /// <summary>Branch i's output at position i.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<Tensor> Outputs { get; init => field = value ?? throw new ArgumentNullException(nameof(Outputs)); } = Outputs ?? throw new ArgumentNullException(nameof(Outputs));

    /// <summary>The new state of every branch, under <c>i.*</c>.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree State { get; init => field = value ?? throw new ArgumentNullException(nameof(State)); } = State ?? throw new ArgumentNullException(nameof(State));
}
