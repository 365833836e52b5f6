using System.Reflection;

namespace Functional.Nets;

/// <summary>
/// The formulas of an elementwise operation, declared on its <see cref="UnaryOp"/> or <see cref="BinaryOp"/> member:
/// the forward function, its local derivative and one vector-Jacobian product per operand (ȳ is ∂L/∂y). Traces print
/// them; the Reference backend's hand-written derivative must say the same in code.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class FormulaAttribute : Attribute
{
    /// <summary>Declares the formulas.</summary>
    /// <param name="forward">The forward function, e.g. <c>y = σ(x)</c>.</param>
    /// <param name="local">The local derivative, e.g. <c>∂y/∂x = y(1 − y)</c>.</param>
    /// <param name="vjp">One product per operand, e.g. <c>x̄ = ȳ ⊙ y(1 − y)</c>.</param>
    public FormulaAttribute(string forward, string local, params string[] vjp)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(vjp);
        Forward = forward;
        Local = local;
        Vjp = vjp;
    }

    /// <summary>The forward function.</summary>
    public string Forward { get; }

    /// <summary>The local derivative.</summary>
    public string Local { get; }

    /// <summary>One vector-Jacobian product per operand.</summary>
    public string[] Vjp { get; }
}

/// <summary>
/// A primitive's declaration, made once in the core: its name (the label a backend's tape gives the node) and its
/// formulas as a teacher writes them. Elementwise primitives are declared by the <see cref="FormulaAttribute"/> on
/// their <see cref="UnaryOp"/> or <see cref="BinaryOp"/> member (<see cref="Of(UnaryOp)"/>); the others are the static
/// fields of this class. Traces (<c>ReferenceBackend.Trace</c>) read names and formulas from here only.
/// </summary>
/// <param name="Name">The label, e.g. <c>Sigmoid</c> or <c>MatMul</c>.</param>
/// <param name="Forward">The forward function.</param>
/// <param name="Local">The local derivative (or a description of the Jacobian).</param>
/// <param name="Vjp">One vector-Jacobian product per differentiable operand.</param>
/// <param name="IsElementwise">Whether the Jacobian is diagonal (x̄ = ȳ ⊙ f′(x)), so a trace can print f′(x).</param>
public sealed partial record Primitive(string Name, string Forward, string Local, IReadOnlyList<string> Vjp, bool IsElementwise = false)
{
    /// <summary>The label, e.g. <c>Sigmoid</c> or <c>MatMul</c>.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>The forward function.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Forward { get; init => field = value ?? throw new ArgumentNullException(nameof(Forward)); } = Forward ?? throw new ArgumentNullException(nameof(Forward));

    /// <summary>The local derivative (or a description of the Jacobian).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Local { get; init => field = value ?? throw new ArgumentNullException(nameof(Local)); } = Local ?? throw new ArgumentNullException(nameof(Local));

    /// <summary>One vector-Jacobian product per differentiable operand.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<string> Vjp { get; init => field = value ?? throw new ArgumentNullException(nameof(Vjp)); } = Vjp ?? throw new ArgumentNullException(nameof(Vjp));

    private static readonly Primitive[] Unaries = Declared<UnaryOp>(elementwise: true);
    private static readonly Primitive[] Binaries = Declared<BinaryOp>(elementwise: false);
    private static readonly Primitive[] Comparisons = Declared<CompareOp>(elementwise: false);

    /// <summary>Y = s·x + c for scalars s and c.</summary>
    public static readonly Primitive Affine = new("Affine", "y = s·x + c", "∂y/∂x = s", ["x̄ = s·ȳ"], IsElementwise: true);

    /// <summary>The batched matrix product.</summary>
    public static readonly Primitive MatMul = new("MatMul", "Y = A B (batched over leading axes, broadcast)", "∂Y/∂A, ∂Y/∂B: linear in Ȳ", ["Ā = Ȳ Bᵀ (summed over broadcast batch axes)", "B̄ = Aᵀ Ȳ (summed over broadcast batch axes)"]);

    /// <summary>The dense layer's affine map.</summary>
    public static readonly Primitive Linear = new("Linear", "Y = X Wᵀ + b", "∂Y/∂X, ∂Y/∂W, ∂Y/∂b: linear in Ȳ", ["X̄ = Ȳ W", "W̄ = Ȳᵀ X", "b̄ = ȳ (summed over broadcast axes)"]);

    /// <summary>The transpose of a matrix.</summary>
    public static readonly Primitive Transpose = new("Transpose", "Y = Xᵀ", "a permutation of entries", ["X̄ = Ȳᵀ"]);

    /// <summary>A permutation of axes.</summary>
    public static readonly Primitive Permute = new("Permute", "y[i_p(0), …, i_p(r−1)] = x[i_0, …, i_r−1]", "a permutation of entries", ["x̄ = permute(ȳ, p⁻¹)"]);

    /// <summary>Rows along axis 0 at host indices.</summary>
    public static readonly Primitive Gather = new("Gather", "yᵢ = a[indexᵢ]", "a selection of rows", ["ā[indexᵢ] += ȳᵢ"]);

    /// <summary>Slices along an axis at integer indices.</summary>
    public static readonly Primitive IndexSelect = new("IndexSelect", "y[…, j, …] = a[…, index_j, …]", "a selection of slices", ["ā[…, index_j, …] += ȳ[…, j, …]"]);

    /// <summary>torch.gather: entries along an axis at integer indices of the same rank.</summary>
    public static readonly Primitive TakeAlong = new("TakeAlong", "y[…, i, …] = a[…, index[…, i, …], …]", "a selection of entries", ["ā[…, index[…, i, …], …] += ȳ[…, i, …]"]);

    /// <summary>torch.scatter_add.</summary>
    public static readonly Primitive ScatterAdd = new("ScatterAdd", "y = a; y[…, index[…, i, …], …] += s[…, i, …]", "the identity in a, a selection in s", ["ā = ȳ", "s̄[…, i, …] = ȳ[…, index[…, i, …], …]"]);

    /// <summary>The same values in another shape.</summary>
    public static readonly Primitive Reshape = new("Reshape", "y = reshape(x)", "the identity on values", ["x̄ = reshape(ȳ)"]);

    /// <summary>Repetition along axes of size 1 (and new leading axes).</summary>
    public static readonly Primitive BroadcastTo = new("BroadcastTo", "y = broadcast(x)", "copies of entries", ["x̄ = ȳ summed over broadcast axes"]);

    /// <summary>A contiguous range along one axis.</summary>
    public static readonly Primitive Slice = new("Slice", "y = x[…, start : start + length, …]", "a selection of entries", ["x̄ = ȳ padded with zeros back to x's shape"]);

    /// <summary>Joining along one axis.</summary>
    public static readonly Primitive Concat = new("Concat", "y = [x₁ | x₂ | …] along an axis", "a placement of entries", ["x̄ₖ = the k-th slice of ȳ"]);

    /// <summary>Constant padding.</summary>
    public static readonly Primitive Pad = new("Pad", "y = x surrounded by a constant", "a placement of entries", ["x̄ = the interior slice of ȳ"]);

    /// <summary>The sum over axes.</summary>
    public static readonly Primitive Sum = new("Sum", "y = Σ x", "∂y/∂xᵢ = 1", ["x̄ = ȳ broadcast back"]);

    /// <summary>The maximum over axes.</summary>
    public static readonly Primitive Max = new("Max", "y = max x over axes", "∂y/∂xᵢ = [xᵢ = y] / #ties", ["x̄ = ȳ ⊙ [x = y] / #ties (a tie is a kink)"]);

    /// <summary>The minimum over axes.</summary>
    public static readonly Primitive Min = new("Min", "y = min x over axes", "∂y/∂xᵢ = [xᵢ = y] / #ties", ["x̄ = ȳ ⊙ [x = y] / #ties (a tie is a kink)"]);

    /// <summary>The log-sum-exp over axes.</summary>
    public static readonly Primitive LogSumExp = new("LogSumExp", "y = m + ln Σ e^(x − m), m = max x", "∂y/∂xᵢ = e^(xᵢ − y) = softmax(x)ᵢ", ["x̄ = ȳ ⊙ e^(x − y)"]);

    /// <summary>Softmax along an axis.</summary>
    public static readonly Primitive Softmax = new("Softmax", "yᵢ = e^xᵢ / Σⱼ e^xⱼ", "∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ − yⱼ)", ["x̄ = y ⊙ (ȳ − Σ ȳ ⊙ y)"]);

    /// <summary>Log-softmax along an axis.</summary>
    public static readonly Primitive LogSoftmax = new("LogSoftmax", "yᵢ = xᵢ − ln Σⱼ e^xⱼ", "∂yᵢ/∂xⱼ = δᵢⱼ − softmax(x)ⱼ", ["x̄ = ȳ − softmax(x) Σ ȳ"]);

    /// <summary>Fused batch normalization with batch statistics.</summary>
    public static readonly Primitive BatchNorm = new("BatchNorm", "y = γ(x − μ)/√(σ² + ε) + β", "the batch-norm Jacobian (BatchNormPrimitive)", ["x̄ = (γ/σ̂)(ȳ − mean ȳ − x̂ mean(ȳ ⊙ x̂))", "γ̄ = Σ ȳ ⊙ x̂", "β̄ = Σ ȳ"]);

    /// <summary>Selection by a mask.</summary>
    public static readonly Primitive Where = new("Where", "y = m ? a : b", "∂y/∂a = m, ∂y/∂b = 1 − m", ["ā = ȳ ⊙ m (summed over broadcast axes)", "b̄ = ȳ ⊙ (1 − m) (summed over broadcast axes)"]);

    /// <summary>Clamping to an interval.</summary>
    public static readonly Primitive Clamp = new("Clamp", "y = min(max(x, lo), hi)", "∂y/∂x = 1 if lo ≤ x ≤ hi, else 0", ["x̄ = ȳ ⊙ [lo ≤ x ≤ hi]"], IsElementwise: true);

    /// <summary>The value flows, the gradient does not.</summary>
    public static readonly Primitive StopGradient = new("StopGradient", "y = x", "∂y/∂x = 0 (by definition)", ["x̄ = 0"], IsElementwise: true);

    /// <summary>The VJP formula of operand <paramref name="operand"/>, or a generic one.</summary>
    public string VjpOf(int operand) => operand < Vjp.Count ? Vjp[operand] : $"operand {operand}: VJP";

    /// <summary>The declaration of an elementwise unary operation (from its <see cref="FormulaAttribute"/>).</summary>
    public static Primitive Of(UnaryOp op) => Unaries[(int)op];

    /// <summary>The declaration of an elementwise binary operation (from its <see cref="FormulaAttribute"/>).</summary>
    public static Primitive Of(BinaryOp op) => Binaries[(int)op];

    /// <summary>The declaration of a comparison (not differentiated: the result is a constant mask).</summary>
    public static Primitive Of(CompareOp op) => Comparisons[(int)op];

    /// <summary>Every declared primitive.</summary>
    public static IReadOnlyList<Primitive> All => AllDeclared.Value;

    // Lazy, because the static fields are declared in several partial files (Primitive.Pooling.cs, …) whose initializers
    // run in an unspecified order: a list built by a field initializer here could read another file's fields before
    // they are set. A Lazy is first read after the type initializer has finished.
    private static readonly Lazy<IReadOnlyList<Primitive>> AllDeclared = new(() =>
        [.. Unaries, .. Binaries, .. Comparisons, .. typeof(Primitive).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(Primitive)).Select(f => (Primitive)f.GetValue(null)!)]);

    private static readonly Lazy<Dictionary<string, Primitive>> ByName = new(() => All.ToDictionary(p => p.Name, StringComparer.Ordinal));

    /// <summary>The declaration named <paramref name="name"/> (a tape label), or null for another name (a user's op).</summary>
    public static Primitive? Find(string? name) => name is not null && ByName.Value.TryGetValue(name, out var p) ? p : null;

    // One declaration per enum member, read once from its [Formula]; a member without one fails here, at type
    // initialization, so a new operation cannot be added without its formulas.
    private static Primitive[] Declared<TEnum>(bool elementwise)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var result = new Primitive[values.Length];
        foreach (var v in values)
        {
            var name = v.ToString();
            var attribute = typeof(TEnum).GetField(name)!.GetCustomAttribute<FormulaAttribute>()
                ?? throw new InvalidOperationException($"{typeof(TEnum).Name}.{name} has no [Formula] declaration");
            result[Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)] = new Primitive(name, attribute.Forward, attribute.Local, attribute.Vjp, elementwise);
        }

        return result;
    }
}
