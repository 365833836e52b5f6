namespace Functional.Nets;

/// <summary>
/// A chain of layers applied in order. Child i's parameters and state are the leaves named
/// <c>i.*</c> (PyTorch's <c>nn.Sequential</c> naming); its key is the context's key folded with i.
/// </summary>
public sealed class Sequential : Layer
{
    private readonly Layer[] layers;

    /// <summary>Creates the chain; it must hold at least one layer.</summary>
    public Sequential(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0)
        {
            throw new ArgumentException("Sequential: needs at least one layer", nameof(layers));
        }

        this.layers = [.. layers];
    }

    /// <summary>Creates the chain from any sequence of layers.</summary>
    public Sequential(IEnumerable<Layer> layers) : this((layers ?? throw new ArgumentNullException(nameof(layers))).ToArray())
    {
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, Layer Layer)> Children =>
        layers.Select((l, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), l)).ToArray();

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Sum(this, layers);

    /// <inheritdoc />
    public override bool IsStochastic => layers.Any(l => l.IsStochastic);

    /// <inheritdoc />
    public override bool HasState => layers.Any(l => l.HasState);

    /// <inheritdoc />
    public override string Describe() => $"Sequential({layers.Length} layers)";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        var shape = input;
        for (var i = 0; i < layers.Length; i++)
        {
            shape = AtPosition(i, () => layers[i].OutputShape(shape));
        }

        return shape;
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var keys = key.Split(layers.Length);
        return TensorTree.Nest(layers.Select((l, i) => (Name(i), l.Init(keys[i], backend))));
    }

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend) =>
        TensorTree.Nest(layers.Select((l, i) => (Name(i), l.InitState(backend))));

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var x = input;
        var states = new List<(string, TensorTree)>(layers.Length);
        for (var i = 0; i < layers.Length; i++)
        {
            var name = Name(i);
            var (y, s) = AtPosition(i, () => layers[i].Apply(parameters.Child(name), state.Child(name), x, context.ForChild(i)));
            x = y;
            states.Add((name, s));
        }

        return (x, TensorTree.Nest(states));
    }

    private static string Name(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
