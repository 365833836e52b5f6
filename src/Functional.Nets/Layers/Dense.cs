namespace Functional.Nets;

/// <summary>
/// A fully connected (affine) layer, y = x Wᵀ + b, with W of shape [out, in] and b of shape [out],
/// as PyTorch's <c>nn.Linear</c>. Input [*, in] (any leading dimensions) gives output [*, out].
/// </summary>
public sealed class Dense : Layer
{
    /// <summary>Creates the layer; by default W and b are drawn from U(−1/√in, 1/√in) as PyTorch's <c>nn.Linear</c> does.</summary>
    /// <param name="inputs">Input features (&gt; 0).</param>
    /// <param name="outputs">Output features (&gt; 0).</param>
    /// <param name="bias">Whether to add a bias.</param>
    /// <param name="weightInit">Initializer for W (default: PyTorch's).</param>
    /// <param name="biasInit">Initializer for b (default: PyTorch's).</param>
    public Dense(int inputs, int outputs, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
    {
        if (inputs <= 0 || outputs <= 0)
        {
            throw new ArgumentOutOfRangeException(
                inputs <= 0 ? nameof(inputs) : nameof(outputs),
                $"Dense({inputs}→{outputs}): widths must be positive, got inputs={inputs}, outputs={outputs}");
        }

        Inputs = inputs;
        Outputs = outputs;
        HasBias = bias;
        WeightInit = weightInit ?? Initializer.TorchDefault;
        BiasInit = biasInit ?? Initializer.TorchDefault;
    }

    /// <summary>Input features.</summary>
    public int Inputs { get; }

    /// <summary>Output features.</summary>
    public int Outputs { get; }

    /// <summary>Whether the layer adds a bias.</summary>
    public bool HasBias { get; }

    /// <summary>The weight initializer.</summary>
    public Initializer WeightInit { get; }

    /// <summary>The bias initializer.</summary>
    public Initializer BiasInit { get; }

    /// <inheritdoc />
    public override long ParameterCount => (long)Inputs * Outputs + (HasBias ? Outputs : 0);

    /// <inheritdoc />
    public override string Describe() => HasBias ? $"Dense({Inputs}→{Outputs})" : $"Dense({Inputs}→{Outputs}, no bias)";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        if (input.Rank < 2 || input[-1] != Inputs)
        {
            throw new LayerShapeException(Describe(), "", $"[*, {Inputs}]", input);
        }

        var dims = input.ToArray();
        dims[^1] = Outputs;
        return new Shape(dims);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var (kw, kb) = key.Split();
        Tensor w;
        try
        {
            w = WeightInit.Create(kw, new Shape(Outputs, Inputs), Inputs, Outputs, backend);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // Dense(46341, 46341) asks for 2,147,488,281 weights: say which layer, not only which shape.
            throw new ArgumentOutOfRangeException(null, $"{Describe()}: weight: {e.Message.Split(" (Parameter", 2)[0]}");
        }

        return HasBias
            ? TensorTree.Of(("weight", w), ("bias", BiasInit.Create(kb, new Shape(Outputs), Inputs, Outputs, backend)))
            : TensorTree.Of(("weight", w));
    }

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var outShape = OutputShape(input.Shape);
        var w = RequireShape(Leaf(parameters, "weight"), "weight", new Shape(Outputs, Inputs));
        var x = input.Shape.Rank == 2 ? input : input.Reshape(-1, Inputs);
        var y = x.Linear(w, HasBias ? RequireShape(Leaf(parameters, "bias"), "bias", new Shape(Outputs)) : null);

        return (input.Shape.Rank == 2 ? y : y.Reshape(outShape.ToArray()), state);
    }

    private Tensor RequireShape(Tensor t, string name, Shape expected) =>
        t.Shape == expected
            ? t
            : throw new ShapeMismatchException($"{Describe()}: parameter '{name}' has shape {t.Shape}, expected {expected}");
}
