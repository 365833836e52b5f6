using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// DropConnect (Wan et al. 2013): a <see cref="Dense"/> layer whose weights, rather than its activations,
/// are dropped in training. y = x (W⊙M)ᵀ + b with M ~ Bernoulli(1 − p) of W's shape [out, in]; parameters
/// <c>weight</c> and <c>bias</c> exactly as <see cref="Dense"/> (so a trained DropConnect's parameters load
/// into a Dense).
/// <list type="table">
/// <listheader><term>kind</term><description>training weight / evaluation weight</description></listheader>
/// <item><term><see cref="DropoutKind.Inverted"/> (default)</term><description>W⊙M/(1 − p) / W</description></item>
/// <item><term><see cref="DropoutKind.Classic"/></term><description>W⊙M / W·(1 − p)</description></item>
/// </list>
/// </summary>
/// <remarks>
/// <para>
/// Conventions, chosen to match <see cref="Dropout"/>'s kinds: in both, the evaluation weight is the
/// training weight's expectation E[W⊙M/(1 − p)] = W or E[W⊙M] = (1 − p)·W, so the pre-activation keeps its
/// mean (the "mean network" approximation; Wan et al.'s inference instead samples a Gaussian moment-matched
/// to the pre-activation, which this layer does not do).
/// </para>
/// <para>
/// The bias is not dropped. One mask is drawn per call and shared by every row of the batch (Wan et al.
/// draw one per example; sharing keeps the layer one matrix product). The mask comes from the context's
/// <see cref="Key"/> as in <see cref="Dropout"/>, so both backends see the same mask.
/// </para>
/// </remarks>
public sealed class DropConnect : Layer
{
    private readonly Dense dense;

    /// <summary>Creates the layer; initializers default to PyTorch's <c>nn.Linear</c>, as <see cref="Dense"/>.</summary>
    /// <param name="inputs">Input features (&gt; 0).</param>
    /// <param name="outputs">Output features (&gt; 0).</param>
    /// <param name="p">The probability of dropping a weight, in [0, 1).</param>
    /// <param name="kind">Where the 1/(1 − p) correction goes (default: inverted).</param>
    /// <param name="bias">Whether to add a bias (never dropped).</param>
    /// <param name="weightInit">Initializer for W.</param>
    /// <param name="biasInit">Initializer for b.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive, or <paramref name="p"/> is outside [0, 1).</exception>
    public DropConnect(int inputs, int outputs, double p = 0.5, DropoutKind kind = DropoutKind.Inverted, bool bias = true, Initializer? weightInit = null, Initializer? biasInit = null)
    {
        if (inputs <= 0 || outputs <= 0)
        {
            // Checked here rather than by the Dense inside, so that the message names the layer the user made.
            throw new ArgumentOutOfRangeException(
                inputs <= 0 ? nameof(inputs) : nameof(outputs),
                inputs <= 0 ? inputs : outputs,
                $"DropConnect({inputs}→{outputs}): widths must be positive, got inputs={inputs}, outputs={outputs}");
        }

        P = DropoutMask.CheckProbability(p, "DropConnect");
        Kind = DropoutMask.CheckKind(kind, "DropConnect");
        dense = new Dense(inputs, outputs, bias, weightInit, biasInit);
    }

    /// <summary>Input features.</summary>
    public int Inputs => dense.Inputs;

    /// <summary>Output features.</summary>
    public int Outputs => dense.Outputs;

    /// <summary>Whether the layer adds a bias.</summary>
    public bool HasBias => dense.HasBias;

    /// <summary>The weight initializer.</summary>
    public Initializer WeightInit => dense.WeightInit;

    /// <summary>The bias initializer.</summary>
    public Initializer BiasInit => dense.BiasInit;

    /// <summary>The probability of dropping a weight.</summary>
    public double P { get; }

    /// <summary>Inverted or classic scaling.</summary>
    public DropoutKind Kind { get; }

    /// <inheritdoc />
    public override bool IsStochastic => true;

    /// <inheritdoc />
    public override long ParameterCount => dense.ParameterCount;

    /// <inheritdoc />
    public override string Describe() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"DropConnect({Inputs}→{Outputs}, p={P:G}{(Kind == DropoutKind.Classic ? ", classic" : "")}{(HasBias ? "" : ", no bias")})");

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        if (input.Rank < 2 || input[-1] != Inputs)
        {
            throw new LayerShapeException(Describe(), "", $"[*, {Inputs}]", input);
        }

        return dense.OutputShape(input);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => dense.Init(key, backend);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Training mode without a key.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        OutputShape(input.Shape);
        var w = Leaf(parameters, "weight");
        var expected = new Shape(Outputs, Inputs);
        if (w.Shape != expected)
        {
            throw new ShapeMismatchException($"{Describe()}: parameter 'weight' has shape {w.Shape}, expected {expected}");
        }

        if (HasBias && Leaf(parameters, "bias").Shape != new Shape(Outputs))
        {
            throw new ShapeMismatchException($"{Describe()}: parameter 'bias' has shape {parameters["bias"].Shape}, expected [{Outputs}]");
        }

        Tensor effective;
        if (context.Mode == Mode.Eval)
        {
            effective = Kind == DropoutKind.Inverted ? w : w * (1 - P);
        }
        else
        {
            var key = DropoutMask.RequireKey(context, Describe());
            effective = w * DropoutMask.Create(key, P, Kind, expected, w.Backend);
        }

        var (y, _) = dense.Apply(parameters.With(TensorTree.Of(("weight", effective))), TensorTree.Empty, input, Context.Eval);
        return (y, state);
    }
}
