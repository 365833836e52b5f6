using System.Collections.Immutable;

namespace Functional.Nets;

/// <summary>
/// A user-defined primitive: a forward pass and its hand-written vector-Jacobian product (VJP) on float64
/// arrays, which the Reference backend records on its tape like any built-in primitive, plus optional ways
/// for other backends to run it, which they differentiate themselves (so a cross-backend check compares
/// the hand-written VJP with an independent derivative).
/// </summary>
/// <remarks>
/// <para>
/// The parts of an op:
/// </para>
/// <list type="bullet">
/// <item><see cref="OutputShape"/>: the shape rule, checked once, in the core, before any backend runs.</item>
/// <item><see cref="Forward"/> and <see cref="Vjp"/>: row-major float64 arrays in and out. For y = F(x₁, …, xₖ)
/// and an incoming gradient ȳ = ∂L/∂y, the VJP returns x̄ⱼ = (∂F/∂xⱼ)ᵀ ȳ for every input, the chain rule's one
/// step. The Reference backend runs these.</item>
/// <item><see cref="Compose"/> (optional): the same function written with core tensor operations. A backend
/// with no implementation of its own runs this, and differentiates it as it differentiates any composition
/// (the Torch backend by libtorch autograd).</item>
/// <item>Backend implementations (optional), attached with <see cref="With{TImplementation}"/>: e.g.
/// <c>op.WithTorch(x =&gt; x * torch.sigmoid(x))</c> from Functional.Nets.Torch, a forward written in
/// libtorch operations that libtorch autograd differentiates. The core never sees the backend library.</item>
/// </list>
/// <para>
/// Check an op with one call, <see cref="GradCheck.Op(CustomOp, Shape, Key, GradCheckOptions?, IReadOnlyList{Backend}?)"/>.
/// Ops are immutable values; <see cref="With{TImplementation}"/> returns a new one.
/// </para>
/// </remarks>
/// <example>
/// Swish (SiLU), y = x·σ(x), y′ = σ(x)(1 + x(1 − σ(x))):
/// <code>
/// var swish = CustomOp.Elementwise(
///     "swish",
///     forward: x => x / (1 + Math.Exp(-x)),
///     derivative: (x, y) => { var s = 1 / (1 + Math.Exp(-x)); return s * (1 + x * (1 - s)); },
///     compose: x => x * x.Sigmoid());
/// var y = swish.Apply(input);                                      // on any backend
/// var report = GradCheck.Op(swish, new Shape(4, 5), Key.FromSeed(1));
/// Console.WriteLine(report);                                       // a table; report.Passed
/// </code>
/// </example>
public abstract class CustomOp
{
    private ImmutableDictionary<Type, object> implementations = ImmutableDictionary<Type, object>.Empty;

    /// <summary>Creates an op with a name used in messages and reports.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    protected CustomOp(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The op's name, used in messages and reports.</summary>
    public string Name { get; }

    /// <summary>The number of tensor inputs (default 1).</summary>
    public virtual int Arity => 1;

    /// <summary>
    /// The output shape for these input shapes, or <see cref="ShapeMismatchException"/> saying why they do not fit.
    /// The default (for one input) is the input's own shape.
    /// </summary>
    public virtual Shape OutputShape(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count != 1)
        {
            throw new ShapeMismatchException($"custom op '{Name}': the default shape rule needs one input, got {inputShapes.Count}; override OutputShape");
        }

        return inputShapes[0];
    }

    /// <summary>The forward pass on row-major float64 values (treat the inputs as read-only), returning the output's values.</summary>
    /// <param name="inputs">One array per input, row-major.</param>
    /// <param name="inputShapes">The inputs' shapes.</param>
    public abstract double[] Forward(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes);

    /// <summary>
    /// The vector-Jacobian product: given the inputs, the output y of <see cref="Forward"/> and the incoming
    /// gradient ȳ = ∂L/∂y (same length as y), returns x̄ⱼ = (∂y/∂xⱼ)ᵀ ȳ for every input j, each as long as
    /// its input. Must not modify its arguments.
    /// </summary>
    public abstract IReadOnlyList<double[]> Vjp(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes, double[] output, double[] outputGradient);

    /// <summary>
    /// The same function written with core tensor operations, for backends that have no implementation of
    /// their own (they differentiate it like any composition), or null (the default) if there is none.
    /// </summary>
    public virtual Tensor? Compose(IReadOnlyList<Tensor> inputs) => null;

    /// <summary>
    /// This op with a backend-specific implementation attached (replacing one of the same type). Backends look
    /// theirs up with <see cref="Implementation{TImplementation}"/>; e.g. Functional.Nets.Torch's
    /// <c>WithTorch</c> attaches a forward written in libtorch operations.
    /// </summary>
    public CustomOp With<TImplementation>(TImplementation implementation)
        where TImplementation : class
    {
        ArgumentNullException.ThrowIfNull(implementation);
        var copy = (CustomOp)MemberwiseClone();
        copy.implementations = implementations.SetItem(typeof(TImplementation), implementation);
        return copy;
    }

    /// <summary>The implementation of type <typeparamref name="TImplementation"/> attached with <see cref="With{TImplementation}"/>, or null.</summary>
    public TImplementation? Implementation<TImplementation>()
        where TImplementation : class =>
        implementations.TryGetValue(typeof(TImplementation), out var found) ? (TImplementation)found : null;

    /// <summary>
    /// Runs the op on tensors of one backend: checks arity, backends and shapes here, in the core, then
    /// dispatches to <see cref="Backend.Custom"/>. Differentiable by <see cref="Grad.ValueAndGrad"/> on every
    /// backend that can run it.
    /// </summary>
    /// <exception cref="ArgumentException">The number of inputs differs from <see cref="Arity"/>.</exception>
    /// <exception cref="BackendMismatchException">The inputs live on different backends.</exception>
    /// <exception cref="ShapeMismatchException">The shapes do not fit <see cref="OutputShape"/>.</exception>
    public Tensor Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != Arity)
        {
            throw new ArgumentException($"custom op '{Name}' takes {Arity} input(s), got {inputs.Length}", nameof(inputs));
        }

        for (var i = 1; i < inputs.Length; i++)
        {
            Tensor.RequireSameBackend($"custom op '{Name}'", inputs[0], inputs[i]);
        }

        var shape = OutputShape(inputs.Select(t => t.Shape).ToArray());
        var result = inputs[0].Backend.Custom(this, inputs, shape);
        if (result.Shape != shape)
        {
            throw new ShapeMismatchException($"custom op '{Name}': {inputs[0].Backend} returned shape {result.Shape}, but OutputShape says {shape}");
        }

        return result;
    }

    /// <summary>Runs <see cref="Forward"/> with its output length checked against <see cref="OutputShape"/>.</summary>
    /// <exception cref="InvalidOperationException">Forward returned the wrong number of values.</exception>
    public double[] CheckedForward(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes, Shape outputShape)
    {
        var y = Forward(inputs, inputShapes);
        if (y is null || y.Length != outputShape.Size)
        {
            throw new InvalidOperationException(
                $"custom op '{Name}': Forward returned {y?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} values for output shape {outputShape} ({outputShape.Size} elements)");
        }

        return y;
    }

    /// <summary>Runs <see cref="Vjp"/> with its result checked: one gradient per input, each as long as its input.</summary>
    /// <exception cref="InvalidOperationException">Vjp returned the wrong number of gradients or a gradient of the wrong length.</exception>
    public IReadOnlyList<double[]> CheckedVjp(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes, double[] output, double[] outputGradient)
    {
        var grads = Vjp(inputs, inputShapes, output, outputGradient);
        if (grads is null || grads.Count != inputs.Count)
        {
            throw new InvalidOperationException($"custom op '{Name}': Vjp returned {grads?.Count ?? 0} gradients for {inputs.Count} input(s)");
        }

        for (var i = 0; i < grads.Count; i++)
        {
            if (grads[i] is null || grads[i].Length != inputs[i].Length)
            {
                throw new InvalidOperationException(
                    $"custom op '{Name}': Vjp's gradient {i} has {grads[i]?.Length ?? 0} values but input {i} of shape {inputShapes[i]} has {inputs[i].Length}");
            }
        }

        return grads;
    }

    /// <summary>Returns <c>CustomOp(name)</c>.</summary>
    public override string ToString() => $"CustomOp({Name})";

    /// <summary>
    /// An elementwise op y = f(x) declared by its forward and its local derivative f′(x) (given x and y = f(x),
    /// for formulas that reuse y); the VJP is x̄ᵢ = ȳᵢ·f′(xᵢ), the chain rule for a diagonal Jacobian.
    /// </summary>
    /// <param name="name">The op's name.</param>
    /// <param name="forward">y = f(x).</param>
    /// <param name="derivative">f′(x), given (x, y).</param>
    /// <param name="compose">Optional: f written with core tensor operations, for backends without their own implementation.</param>
    public static CustomOp Elementwise(string name, Func<double, double> forward, Func<double, double, double> derivative, Func<Tensor, Tensor>? compose = null) =>
        new ElementwiseOp(name, forward, derivative, compose);

    /// <summary>
    /// A one-input op whose output has the input's shape, declared on whole arrays: <paramref name="forward"/>
    /// x ↦ y and <paramref name="vjp"/> (x, y, ȳ) ↦ x̄.
    /// </summary>
    /// <param name="name">The op's name.</param>
    /// <param name="forward">x ↦ y, row-major.</param>
    /// <param name="vjp">(x, y, ȳ) ↦ x̄ = (∂y/∂x)ᵀ ȳ.</param>
    /// <param name="compose">Optional: the op written with core tensor operations.</param>
    public static CustomOp Unary(string name, Func<double[], double[]> forward, Func<double[], double[], double[], double[]> vjp, Func<Tensor, Tensor>? compose = null) =>
        new DelegateOp(
            name,
            1,
            null,
            (x, _) => forward(x[0]),
            (x, _, y, g) => [vjp(x[0], y, g)],
            compose is null ? null : t => compose(t[0]));

    /// <summary>A general op of <paramref name="arity"/> inputs declared by delegates; see the members of <see cref="CustomOp"/>.</summary>
    /// <param name="name">The op's name.</param>
    /// <param name="arity">The number of inputs (≥ 1).</param>
    /// <param name="outputShape">The shape rule; throw <see cref="ShapeMismatchException"/> for shapes that do not fit.</param>
    /// <param name="forward">(inputs, shapes) ↦ y.</param>
    /// <param name="vjp">(inputs, shapes, y, ȳ) ↦ one gradient per input.</param>
    /// <param name="compose">Optional: the op written with core tensor operations.</param>
    public static CustomOp Create(
        string name,
        int arity,
        Func<IReadOnlyList<Shape>, Shape> outputShape,
        Func<IReadOnlyList<double[]>, IReadOnlyList<Shape>, double[]> forward,
        Func<IReadOnlyList<double[]>, IReadOnlyList<Shape>, double[], double[], IReadOnlyList<double[]>> vjp,
        Func<IReadOnlyList<Tensor>, Tensor>? compose = null)
    {
        ArgumentNullException.ThrowIfNull(outputShape);
        ArgumentOutOfRangeException.ThrowIfLessThan(arity, 1);
        return new DelegateOp(name, arity, outputShape, forward, vjp, compose);
    }

    private sealed class ElementwiseOp(string name, Func<double, double> forward, Func<double, double, double> derivative, Func<Tensor, Tensor>? compose)
        : CustomOp(name)
    {
        private readonly Func<double, double> forward = forward ?? throw new ArgumentNullException(nameof(forward));
        private readonly Func<double, double, double> derivative = derivative ?? throw new ArgumentNullException(nameof(derivative));

        public override double[] Forward(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes)
        {
            var x = inputs[0];
            var y = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                y[i] = forward(x[i]);
            }

            return y;
        }

        public override IReadOnlyList<double[]> Vjp(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes, double[] output, double[] outputGradient)
        {
            var x = inputs[0];
            var gx = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                gx[i] = outputGradient[i] * derivative(x[i], output[i]);
            }

            return [gx];
        }

        public override Tensor? Compose(IReadOnlyList<Tensor> inputs) => compose?.Invoke(inputs[0]);
    }

    private sealed class DelegateOp(
        string name,
        int arity,
        Func<IReadOnlyList<Shape>, Shape>? outputShape,
        Func<IReadOnlyList<double[]>, IReadOnlyList<Shape>, double[]> forward,
        Func<IReadOnlyList<double[]>, IReadOnlyList<Shape>, double[], double[], IReadOnlyList<double[]>> vjp,
        Func<IReadOnlyList<Tensor>, Tensor>? compose)
        : CustomOp(name)
    {
        private readonly Func<IReadOnlyList<double[]>, IReadOnlyList<Shape>, double[]> forward = forward ?? throw new ArgumentNullException(nameof(forward));
        private readonly Func<IReadOnlyList<double[]>, IReadOnlyList<Shape>, double[], double[], IReadOnlyList<double[]>> vjp = vjp ?? throw new ArgumentNullException(nameof(vjp));

        public override int Arity => arity;

        public override Shape OutputShape(IReadOnlyList<Shape> inputShapes) =>
            outputShape is null ? base.OutputShape(inputShapes) : outputShape(inputShapes);

        public override double[] Forward(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes) => forward(inputs, inputShapes);

        public override IReadOnlyList<double[]> Vjp(IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes, double[] output, double[] outputGradient) =>
            vjp(inputs, inputShapes, output, outputGradient);

        public override Tensor? Compose(IReadOnlyList<Tensor> inputs) => compose?.Invoke(inputs);
    }
}
