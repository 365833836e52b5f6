namespace Functional.Nets;

/// <summary>
/// A layer that always runs its inner layer in evaluation mode (<see cref="Context.Eval"/>), whatever mode the model
/// runs in: batch norm inside normalizes with its running statistics and returns its state unchanged, dropout keeps
/// every unit. The usual companion of a frozen backbone (<see cref="TrainPart.Frozen"/>, <see cref="Trainer.Frozen"/>):
/// PyTorch's <c>backbone.eval()</c> while the head trains, Lux's <c>FrozenLayer</c> with its state in test mode.
/// </summary>
/// <remarks>
/// <para>
/// Transparent in names: the inner layer's parameters and state are this layer's, unprefixed, so a checkpoint of the
/// inner layer loads into it as it is (<c>Sequential(new EvalMode(backbone), head)</c> has <c>0.0.weight</c> where
/// <c>Sequential(backbone, head)</c> has it).
/// </para>
/// <para>
/// It changes the mode only, not what is differentiated: gradients still flow through it to its input and to its
/// parameters (fine-tuning with fixed batch statistics). To skip the parameters' gradients, freeze them as well.
/// </para>
/// </remarks>
public sealed class EvalMode : Layer
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public EvalMode(Layer inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The layer run in evaluation mode.</summary>
    public Layer Inner { get; }

    /// <inheritdoc />
    /// <remarks>The inner layer, under the empty name: its leaves are this layer's own (see the class remarks).</remarks>
    public override IReadOnlyList<(string Name, Layer Layer)> Children => [("", Inner)];

    /// <inheritdoc />
    public override long ParameterCount => Inner.ParameterCount;

    /// <summary>False: evaluation mode draws nothing, so no key is needed.</summary>
    public override bool IsStochastic => false;

    /// <inheritdoc />
    public override bool HasState => Inner.HasState;

    /// <inheritdoc />
    public override string Describe() => $"EvalMode({Inner.Describe()})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => Inner.OutputShape(input);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend) => Inner.Init(key, backend);

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend) => Inner.InitState(backend);

    /// <summary>The inner layer's <c>Apply</c> with <see cref="Context.Eval"/>, whatever <paramref name="context"/> says.</summary>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context) =>
        Inner.Apply(parameters, state, input, Context.Eval);
}
