namespace Functional.Nets;

/// <summary>
/// A residual block (He et al. 2016): y = f(x) + x, or y = f(x) + s(x) with a projection s on the shortcut
/// where f changes the shape (torchvision's <c>BasicBlock</c> with its <c>downsample</c>). The body's
/// parameters and state are the leaves named <c>body.*</c>, the shortcut's <c>shortcut.*</c>; the body's key is
/// the context's key folded with 0, the shortcut's folded with 1.
/// </summary>
/// <remarks>
/// Without a shortcut, f(x) and x must have the same shape exactly: the sum does not broadcast, so a body
/// that maps [N, 3] to [N, 1] is an error naming the block rather than a silent [N, 3] result.
/// </remarks>
public sealed class Residual : Layer
{
    /// <summary>Creates the block y = body(x) + x, or body(x) + shortcut(x) when a shortcut is given.</summary>
    /// <param name="body">f, the residual branch.</param>
    /// <param name="shortcut">s, a projection on the shortcut (e.g. <c>Dense(in→out, bias: false)</c>); null for the identity.</param>
    public Residual(Layer body, Layer? shortcut = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        Body = body;
        Shortcut = shortcut;
    }

    /// <summary>f, the residual branch.</summary>
    public Layer Body { get; }

    /// <summary>s, the projection on the shortcut, or null for the identity.</summary>
    public Layer? Shortcut { get; }

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, Layer Layer)> Children =>
        Shortcut is null ? [("body", Body)] : [("body", Body), ("shortcut", Shortcut)];

    /// <inheritdoc />
    public override bool ChildrenShareInput => true;

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(this, () => checked(Body.ParameterCount + (Shortcut?.ParameterCount ?? 0)));

    /// <inheritdoc />
    public override bool IsStochastic => Body.IsStochastic || Shortcut?.IsStochastic == true;

    /// <inheritdoc />
    public override bool HasState => Body.HasState || Shortcut?.HasState == true;

    /// <inheritdoc />
    public override string Describe() =>
        Shortcut is null ? $"Residual({Body.Describe()})" : $"Residual({Body.Describe()}, shortcut {Shortcut.Describe()})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        var f = Within("body", () => Body.OutputShape(input));
        var s = Shortcut is null ? input : Within("shortcut", () => Shortcut.OutputShape(input));
        return f == s ? f : throw Mismatch(input, f, s);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var (kb, ks) = key.Split();
        return Shortcut is null
            ? TensorTree.Nest([("body", Body.Init(kb, backend))])
            : TensorTree.Nest([("body", Body.Init(kb, backend)), ("shortcut", Shortcut.Init(ks, backend))]);
    }

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend) =>
        Shortcut is null
            ? TensorTree.Nest([("body", Body.InitState(backend))])
            : TensorTree.Nest([("body", Body.InitState(backend)), ("shortcut", Shortcut.InitState(backend))]);

    /// <inheritdoc />
    /// <exception cref="LayerShapeException">f(x) and x (or s(x)) differ in shape.</exception>
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        var (f, bodyState) = Within("body", () => Body.Apply(parameters.Child("body"), state.Child("body"), input, context.ForChild(0)));
        if (Shortcut is null)
        {
            return f.Shape == input.Shape
                ? (f + input, TensorTree.Nest([("body", bodyState)]))
                : throw Mismatch(input.Shape, f.Shape, input.Shape);
        }

        var (s, shortcutState) = Within("shortcut", () => Shortcut.Apply(parameters.Child("shortcut"), state.Child("shortcut"), input, context.ForChild(1)));
        return f.Shape == s.Shape
            ? (f + s, TensorTree.Nest([("body", bodyState), ("shortcut", shortcutState)]))
            : throw Mismatch(input.Shape, f.Shape, s.Shape);
    }

    private LayerShapeException Mismatch(Shape input, Shape body, Shape shortcut) =>
        new(
            Describe(),
            "",
            Shortcut is null
                ? $"an input whose shape the body keeps (the body maps {input} to {body}, and f(x) + x needs equal shapes; give a projection shortcut, e.g. new Residual(body, new Dense(..., bias: false)))"
                : $"an input the body and shortcut map to one shape (body {body}, shortcut {shortcut})",
            input);

    private static T Within<T>(string child, Func<T> f)
    {
        try
        {
            return f();
        }
        catch (LayerShapeException e)
        {
            throw e.Within(child);
        }
    }
}
