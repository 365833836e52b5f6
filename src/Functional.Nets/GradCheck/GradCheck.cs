using System.Diagnostics;
using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Gradient checking: compares an analytic gradient (a backend's <see cref="Grad.ValueAndGrad"/>, or a
/// <see cref="CustomOp"/>'s hand-written VJP) with central finite differences and with other backends, and
/// reports, per parameter leaf, the maximum absolute and relative error, the worst entry, kinks, and a verdict.
/// </summary>
/// <remarks>
/// <para>
/// Verdict (PyTorch's <c>torch.autograd.gradcheck</c> rule and, in float64, its defaults eps = 1e-6,
/// atol = 1e-5, rtol = 1e-3; see <see cref="GradCheckOptions"/>): an entry passes when
/// |a − b| ≤ atol + rtol·|b|, a being the analytic value and b the central difference
/// (f(θ + h) − f(θ − h)) / 2h, or the other backend's gradient. NaN anywhere fails.
/// </para>
/// <para>
/// Relative error, reported per leaf: max|a − b| / max(max|a|, max|b|, floor) with floor
/// <see cref="GradCheckOptions.RelativeErrorFloor"/> (1e-300, which only guards an all-zero leaf). It is a
/// per-tensor measure on purpose: an entry whose gradient cancels to nearly zero has a meaningless entry-wise
/// relative error.
/// </para>
/// <para>
/// Fast mode (<see cref="GradCheckMode.Fast"/>): for random unit directions u (standard normal, normalized;
/// <see cref="GradCheckOptions.Directions"/> per leaf and as many over all leaves at once, reported as u1, u2, …)
/// and the analytic gradient's own direction ĝ = g/‖g‖ (u0; see <see cref="GradCheckOptions.AlongGradient"/>), the
/// directional derivative ∇f·u is compared with (f(θ + εu) − f(θ − εu)) / 2ε by the same rule. Unlike PyTorch's fast mode,
/// atol is not scaled by Σuᵢ: the finite difference along u is one difference with one entry's rounding
/// noise whatever the number of parameters, so scaling atol by Σuᵢ ≈ √(2n/π) would blind the check to
/// leaves of many entries. A directional check sees an error vector e only through e·u, so an error confined
/// to a few entries of a large leaf shrinks by about √(count/n) there; full mode on a subset
/// (<see cref="GradCheckOptions.MaxEntriesPerLeaf"/>) complements it.
/// </para>
/// <para>
/// Kinks. A failing entry (or direction) is examined with the one-sided differences that the evaluations
/// already give, F = (f(θ + h) − f(θ)) / h and B = (f(θ) − f(θ − h)) / h. On a smooth function they differ by
/// h·f″ (tiny); across a kink (ReLU at 0, a tie in a max, |x| at 0) by the jump in slope, and a correct
/// analytic value is one of the one-sided slopes or between them (a subgradient) while the central difference
/// averages them. So an entry is reported as a kink, not a failure, when |F − B| &gt; 2τ and
/// min(F, B) − τ ≤ a ≤ max(F, B) + τ, with τ = atol + rtol·max(|F|, |B|) (the analytic side measured along the
/// step actually taken). A wrong derivative at a smooth point has F ≈ B ≈ b, so it cannot pass for a kink.
/// </para>
/// </remarks>
public static class GradCheck
{
    /// <summary>
    /// Checks the gradient of <paramref name="loss"/> at <paramref name="parameters"/> on their backend against
    /// central finite differences of the same function on the same backend (full or fast mode by
    /// <paramref name="options"/>; default <see cref="GradCheckOptions.For(DType)"/> of the parameters' dtype).
    /// </summary>
    /// <param name="loss">A scalar function of the parameters, e.g. <c>p =&gt; Losses.MeanSquaredError(model.Apply(p, x), y)</c>.</param>
    /// <param name="parameters">The point; every leaf on one backend.</param>
    /// <param name="options">Step, tolerances, mode; null for the dtype's defaults.</param>
    /// <param name="subject">What is checked, for the report's heading (default: the parameter count).</param>
    public static GradCheckReport Check(Func<TensorTree, Tensor> loss, TensorTree parameters, GradCheckOptions? options = null, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        var stopwatch = Stopwatch.StartNew();
        var backend = BackendOf(parameters);
        options ??= GradCheckOptions.For(backend.DType);
        options.Validate();

        var (value, gradients) = Grad.ValueAndGrad(loss, parameters);
        var f0 = value.Item();
        var grads = gradients.Select(g => g.Value.ToArray()).ToArray();
        value.Dispose();
        gradients.Dispose();

        var names = parameters.Names.ToArray();
        if (options.Mode == GradCheckMode.Fast)
        {
            // Directions and moved points leaf by leaf on the backend, no host copy of θ (DirectionalCheck's remarks).
            double EvaluateMoved(Tensor?[] moved) =>
                loss(parameters.Map((name, t) => moved[Array.IndexOf(names, name)] ?? t)).Item();

            var directional = DirectionalCheck.Run(parameters, grads, f0, EvaluateMoved, Rounding(backend.DType), options);
            return new GradCheckReport(subject ?? DescribeParameters(parameters), backend.ToString(), f0, options, directional, stopwatch.Elapsed)
            {
                DifferenceNoise = UnitRoundoff(backend.DType) * Math.Abs(f0) / options.Eps,
            };
        }

        var shapes = parameters.Values.Select(t => t.Shape).ToArray();
        var theta = parameters.Values.Select(t => t.ToArray()).ToArray();
        double Evaluate(double[]?[] point)
        {
            using var scope = backend.Scope();
            var moved = parameters.Map((name, t) =>
            {
                var i = Array.IndexOf(names, name);
                return point[i] is { } v ? backend.FromArray(v, t.Shape) : t;
            });
            return loss(moved).Item();
        }

        var rows = FiniteDifferences.Run(names, shapes, theta, grads, f0, Evaluate, Rounding(backend.DType), options);
        return new GradCheckReport(subject ?? DescribeParameters(parameters), backend.ToString(), f0, options, rows, stopwatch.Elapsed)
        {
            DifferenceNoise = UnitRoundoff(backend.DType) * Math.Abs(f0) / options.Eps,
        };
    }

    /// <summary>
    /// Checks the gradient of a loss at <paramref name="parameters"/> against central finite differences on
    /// their backend (as <see cref="Check(Func{TensorTree, Tensor}, TensorTree, GradCheckOptions?, string?)"/>) and against the
    /// gradient every backend of <paramref name="compareWith"/> computes from a copy of the parameters
    /// (as <see cref="Across"/>), in one report.
    /// </summary>
    /// <param name="lossOn">The loss on a given backend (its data moved or created there): <c>b =&gt; p =&gt; ...</c>.</param>
    /// <param name="parameters">The point; every leaf on one backend.</param>
    /// <param name="compareWith">Other backends (e.g. Torch float64 for Reference parameters); may be empty.</param>
    /// <param name="options">Step, tolerances, mode; null for the dtypes' defaults.</param>
    /// <param name="subject">What is checked, for the report's heading.</param>
    public static GradCheckReport Check(
        Func<Backend, Func<TensorTree, Tensor>> lossOn, TensorTree parameters, IReadOnlyList<Backend> compareWith, GradCheckOptions? options = null, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(lossOn);
        ArgumentNullException.ThrowIfNull(compareWith);
        var backend = BackendOf(parameters);
        var parts = new List<GradCheckReport> { Check(lossOn(backend), parameters, options, subject) };
        parts.AddRange(compareWith.Select(other => Across(lossOn, parameters, other, options, subject)));
        var rows = parts.SelectMany(r => r.Rows).ToArray();
        return new GradCheckReport(parts[0].Subject, parts[0].Backend, parts[0].Value, parts[0].Options, rows, TimeSpan.FromTicks(parts.Sum(p => p.Elapsed.Ticks)))
        {
            DifferenceNoise = parts[0].DifferenceNoise,
        };
    }

    /// <summary>
    /// Compares the gradient of the loss at <paramref name="parameters"/> on their backend (a) with the gradient
    /// <paramref name="other"/> computes at a copy of them (b, after <see cref="TensorTree.ToBackend"/>, exact
    /// between float64 backends), leaf by leaf, by the rule |a − b| ≤ atol + rtol·|b|. Default tolerances: those
    /// of the less precise of the two dtypes.
    /// </summary>
    /// <param name="lossOn">The loss on a given backend: <c>b =&gt; p =&gt; ...</c>, its data on <c>b</c>.</param>
    /// <param name="parameters">The point; every leaf on one backend.</param>
    /// <param name="other">The backend to compare with (not the parameters' own: <see cref="ArgumentException"/>).</param>
    /// <param name="options">Tolerances; null for the defaults.</param>
    /// <param name="subject">What is checked, for the report's heading.</param>
    public static GradCheckReport Across(
        Func<Backend, Func<TensorTree, Tensor>> lossOn, TensorTree parameters, Backend other, GradCheckOptions? options = null, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(lossOn);
        ArgumentNullException.ThrowIfNull(other);
        var stopwatch = Stopwatch.StartNew();
        var backend = BackendOf(parameters);
        if (other.Equals(backend))
        {
            // Nothing independent to learn, and ToBackend would hand back the caller's own tensors.
            throw new ArgumentException($"GradCheck.Across: the parameters already live on {other}; comparing a backend with itself proves nothing", nameof(other));
        }

        options ??= GradCheckOptions.For(LessPrecise(backend.DType, other.DType));
        options.Validate();

        var (value, gradients) = Grad.ValueAndGrad(lossOn(backend), parameters);
        var f0 = value.Item();
        var a = gradients.Select(g => g.Value.ToArray()).ToArray();
        value.Dispose();
        gradients.Dispose();

        double[][] b;
        using (var copy = parameters.ToBackend(other))
        {
            var (otherValue, otherGradients) = Grad.ValueAndGrad(lossOn(other), copy);
            b = otherGradients.Select(g => g.Value.ToArray()).ToArray();
            otherValue.Dispose();
            otherGradients.Dispose();
        }

        var rows = new GradCheckRow[parameters.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var (name, leaf) = parameters[i];
            rows[i] = Compare(name, leaf.Shape, a[i], b[i], $"{other} gradient", options);
        }

        return new GradCheckReport(subject ?? DescribeParameters(parameters), backend.ToString(), f0, options, rows, stopwatch.Elapsed);
    }

    /// <summary>
    /// Checks a user-defined op's hand-written VJP with one call, at standard normal inputs of shape
    /// <paramref name="inputShape"/> drawn from <paramref name="key"/>; see
    /// <see cref="Op(CustomOp, IReadOnlyList{double[]}, IReadOnlyList{Shape}, Key, GradCheckOptions?, IReadOnlyList{Backend}?)"/>.
    /// </summary>
    public static GradCheckReport Op(CustomOp op, Shape inputShape, Key key, GradCheckOptions? options = null, IReadOnlyList<Backend>? compareWith = null) =>
        Op(op, [inputShape], key, options, compareWith);

    /// <summary>
    /// Checks a user-defined op of several inputs at standard normal inputs of <paramref name="inputShapes"/>
    /// drawn from <paramref name="key"/>; see
    /// <see cref="Op(CustomOp, IReadOnlyList{double[]}, IReadOnlyList{Shape}, Key, GradCheckOptions?, IReadOnlyList{Backend}?)"/>.
    /// </summary>
    public static GradCheckReport Op(CustomOp op, IReadOnlyList<Shape> inputShapes, Key key, GradCheckOptions? options = null, IReadOnlyList<Backend>? compareWith = null)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        var inputKey = key.Fold(0x1);
        var inputs = inputShapes.Select((s, i) => inputKey.Fold((ulong)i).Normal(checked((int)s.Size))).ToArray();
        return Op(op, inputs, inputShapes, key, options, compareWith);
    }

    /// <summary>
    /// Checks a user-defined op's hand-written VJP (<see cref="CustomOp.Vjp"/>) at the given inputs, in float64,
    /// directly on its <see cref="CustomOp.Forward"/>: with a random cotangent w drawn from
    /// <paramref name="key"/> (standard normal, so every output entry counts), the scalar L(x) = Σ w ⊙ F(x) has
    /// gradient VJP(x, F(x), w), which is compared with central differences of L (full or fast mode by
    /// <paramref name="options"/>, whose key is replaced by one derived from <paramref name="key"/>), and with
    /// the gradient of L that every backend of <paramref name="compareWith"/> computes by running the op its own
    /// way (<see cref="CustomOp.Apply"/>: a torch forward or <see cref="CustomOp.Compose"/>, differentiated by
    /// libtorch autograd). Rows are named <c>input</c> (one input) or <c>input0</c>, <c>input1</c>, ...
    /// </summary>
    /// <param name="op">The op.</param>
    /// <param name="inputs">The inputs' values, row-major (e.g. positive values for a logarithm).</param>
    /// <param name="inputShapes">The inputs' shapes.</param>
    /// <param name="key">Draws the cotangent w and the random directions or subsets.</param>
    /// <param name="options">Step, tolerances, mode; null for the float64 defaults.</param>
    /// <param name="compareWith">
    /// Backends whose own derivative of the op to compare with (e.g. Torch, which differentiates the op's torch
    /// forward or composition by autograd); null or empty for none. A float32 backend's rows are judged by
    /// <see cref="GradCheckOptions.Float32"/>'s tolerances unless <paramref name="options"/> is given. The Reference
    /// backend runs this same VJP, so comparing with it only confirms that the op is wired into its tape.
    /// </param>
    public static GradCheckReport Op(
        CustomOp op, IReadOnlyList<double[]> inputs, IReadOnlyList<Shape> inputShapes, Key key, GradCheckOptions? options = null, IReadOnlyList<Backend>? compareWith = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(inputShapes);
        var stopwatch = Stopwatch.StartNew();
        if (inputs.Count != op.Arity || inputShapes.Count != op.Arity)
        {
            throw new ArgumentException($"GradCheck.Op: custom op '{op.Name}' takes {op.Arity} input(s), got {inputs.Count} value arrays and {inputShapes.Count} shapes");
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Length != inputShapes[i].Size)
            {
                throw new ShapeMismatchException($"GradCheck.Op: input {i} has {inputs[i].Length} values for shape {inputShapes[i]} ({inputShapes[i].Size} elements)");
            }
        }

        var explicitOptions = options is not null;
        options = (options ?? GradCheckOptions.Float64) with { Key = key.Fold(0x3) };
        options.Validate();
        var outputShape = op.OutputShape(inputShapes);
        var w = key.Fold(0x2).Normal(checked((int)outputShape.Size));
        var shapes = inputShapes.ToArray();
        var theta = inputs.Select(v => (double[])v.Clone()).ToArray();

        var y = op.CheckedForward(theta, shapes, outputShape);
        var f0 = Dot(w, y);

        // L(x) − L(x₀) = Σᵢ wᵢ·(Fᵢ(x) − yᵢ): each output is differenced before the contraction, as a Jacobian
        // column would be, so an output of 1e13 that a step leaves unchanged contributes exactly 0 instead of
        // an ulp (~0.02) that would swamp the 1e-6 change of a small output. Same gradient as Σ w ⊙ F(x).
        double Objective(IReadOnlyList<double[]> x)
        {
            var moved = op.CheckedForward(x, shapes, outputShape);
            double s = 0;
            for (var i = 0; i < moved.Length; i++)
            {
                s += w[i] * (moved[i] - y[i]);
            }

            return s;
        }

        var vjp = op.CheckedVjp(theta, shapes, y, w).Select(g => (double[])g.Clone()).ToArray();
        var names = shapes.Length == 1 ? ["input"] : shapes.Select((_, i) => "input" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

        var rows = FiniteDifferences.Run(names, shapes, theta, vjp, 0, point => Objective(point.Select((v, i) => v ?? theta[i]).ToArray()), v => v, options).ToList();
        foreach (var backend in compareWith ?? [])
        {
            // A float32 backend is held to the float32 tolerances unless the caller chose them.
            var rowOptions = backend.DType == DType.Float32 && !explicitOptions ? GradCheckOptions.Float32 : options;
            var tree = TensorTree.Of(names.Select((n, i) => (n, backend.FromArray(theta[i], shapes[i]))).ToArray());
            var weights = backend.FromArray(w, outputShape);
            var (value, gradients) = Grad.ValueAndGrad(p => (op.Apply([.. p.Values]) * weights).Sum(), tree);
            for (var i = 0; i < names.Length; i++)
            {
                rows.Add(Compare(names[i], shapes[i], vjp[i], gradients[i].Value.ToArray(), $"{backend} gradient", rowOptions));
            }

            value.Dispose();
            gradients.Dispose();
            weights.Dispose();
            tree.Dispose();
        }

        var subject = $"custom op '{op.Name}' at {string.Join(", ", shapes.Select(s => s.ToString()))}";
        var contracted = 0.0;
        for (var i = 0; i < y.Length; i++)
        {
            contracted += Math.Abs(w[i] * y[i]);
        }

        return new GradCheckReport(subject, "hand-written VJP, float64", f0, options, rows, stopwatch.Elapsed)
        {
            DifferenceNoise = UnitRoundoff(DType.Float64) * contracted / options.Eps,
        };
    }

    /// <summary>A row comparing two gradients of one leaf entry by entry (no finite differences, no kinks).</summary>
    internal static GradCheckRow Compare(string leaf, Shape shape, double[] a, double[] b, string against, GradCheckOptions options)
    {
        var errors = new ErrorAccumulator(options);
        for (var j = 0; j < a.Length; j++)
        {
            errors.Add(j, a[j], b[j], Fails(a[j], b[j], options));
        }

        return errors.ToRow(leaf, shape, GradCheckMethod.Backend, against);
    }

    /// <summary>The verdict rule: fails unless |a − b| ≤ atol + rtol·|b| (NaN fails).</summary>
    internal static bool Fails(double a, double b, GradCheckOptions options) =>
        !(Math.Abs(a - b) <= options.Atol + options.Rtol * Math.Abs(b));

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>u = 2⁻²⁴ for float32, 2⁻⁵³ for float64.</summary>
    private static double UnitRoundoff(DType dtype) => dtype == DType.Float32 ? Math.ScaleB(1, -24) : Math.ScaleB(1, -53);

    private static Func<double, double> Rounding(DType dtype) =>
        dtype == DType.Float32 ? v => (float)v : v => v;

    private static DType LessPrecise(DType a, DType b) => a == DType.Float32 || b == DType.Float32 ? DType.Float32 : DType.Float64;

    private static Backend BackendOf(TensorTree parameters)
    {
        if (parameters.Count == 0)
        {
            throw new ArgumentException("GradCheck: the parameter tree has no leaves", nameof(parameters));
        }

        var backend = parameters[0].Value.Backend;
        foreach (var (name, leaf) in parameters)
        {
            if (!leaf.Backend.Equals(backend))
            {
                throw new BackendMismatchException($"GradCheck: leaf '{name}' lives on {leaf.Backend} but '{parameters[0].Key}' on {backend}; move the tree with ToBackend(...) first");
            }
        }

        return backend;
    }

    private static string DescribeParameters(TensorTree parameters) =>
        string.Create(CultureInfo.InvariantCulture, $"loss of {parameters.ParameterCount:N0} parameters in {parameters.Count} leaves");
}
