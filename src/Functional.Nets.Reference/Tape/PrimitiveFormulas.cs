namespace Functional.Nets.Reference;

/// <summary>
/// A primitive's formulas as a teacher writes them: the forward function, its local derivative, and
/// the vector-Jacobian product for each operand (ȳ is the incoming gradient ∂L/∂y).
/// </summary>
/// <param name="Forward">The forward function, e.g. <c>y = σ(x)</c>.</param>
/// <param name="Local">The local derivative, e.g. <c>∂y/∂x = y(1 − y)</c>.</param>
/// <param name="Vjp">One product per operand, e.g. <c>x̄ = ȳ ⊙ y(1 − y)</c>.</param>
internal sealed record PrimitiveFormula(string Forward, string Local, string[] Vjp)
{
    /// <summary>The VJP formula of operand <paramref name="operand"/>, or a generic one.</summary>
    public string VjpOf(int operand) => operand < Vjp.Length ? Vjp[operand] : $"operand {operand}: VJP";
}

/// <summary>
/// The names the Reference backend gives its primitives on the tape (<see cref="Node.Label"/>) and
/// their formulas, which traces print. The VJPs themselves live in Primitives/; these strings say the
/// same in mathematical notation and must be kept in step with them.
/// </summary>
internal static class PrimitiveFormulas
{
    private static readonly Dictionary<string, PrimitiveFormula> Formulas = new(StringComparer.Ordinal)
    {
        ["Neg"] = new("y = −x", "∂y/∂x = −1", ["x̄ = −ȳ"]),
        ["Exp"] = new("y = eˣ", "∂y/∂x = eˣ = y", ["x̄ = ȳ ⊙ y"]),
        ["Log"] = new("y = ln x", "∂y/∂x = 1/x", ["x̄ = ȳ ⊘ x"]),
        ["Sigmoid"] = new("y = σ(x) = 1/(1 + e⁻ˣ)", "∂y/∂x = σ(x)(1 − σ(x)) = y(1 − y)", ["x̄ = ȳ ⊙ y(1 − y)"]),
        ["Tanh"] = new("y = tanh x", "∂y/∂x = 1 − tanh²x = 1 − y²", ["x̄ = ȳ ⊙ (1 − y²)"]),
        ["Relu"] = new("y = max(x, 0)", "∂y/∂x = 1 if x > 0, else 0", ["x̄ = ȳ ⊙ [x > 0]"]),
        ["LeakyRelu"] = new("y = x if x > 0, else αx", "∂y/∂x = 1 if x > 0, else α", ["x̄ = ȳ ⊙ (x > 0 ? 1 : α)"]),
        ["Elu"] = new("y = x if x > 0, else α(eˣ − 1)", "∂y/∂x = 1 if x > 0, else αeˣ", ["x̄ = ȳ ⊙ (x > 0 ? 1 : αeˣ)"]),
        ["Abs"] = new("y = |x|", "∂y/∂x = sign x", ["x̄ = ȳ ⊙ sign x"]),
        ["Square"] = new("y = x²", "∂y/∂x = 2x", ["x̄ = ȳ ⊙ 2x"]),
        ["Sqrt"] = new("y = √x", "∂y/∂x = 1/(2√x)", ["x̄ = ȳ ⊘ 2y"]),
        ["Softplus"] = new("y = ln(1 + eˣ)", "∂y/∂x = σ(x)", ["x̄ = ȳ ⊙ σ(x)"]),
        ["Add"] = new("y = a + b", "∂y/∂a = 1, ∂y/∂b = 1", ["ā = ȳ (summed over broadcast axes)", "b̄ = ȳ (summed over broadcast axes)"]),
        ["Sub"] = new("y = a − b", "∂y/∂a = 1, ∂y/∂b = −1", ["ā = ȳ (summed over broadcast axes)", "b̄ = −ȳ (summed over broadcast axes)"]),
        ["Mul"] = new("y = a ⊙ b", "∂y/∂a = b, ∂y/∂b = a", ["ā = ȳ ⊙ b", "b̄ = ȳ ⊙ a"]),
        ["Div"] = new("y = a ⊘ b", "∂y/∂a = 1/b, ∂y/∂b = −a/b²", ["ā = ȳ ⊘ b", "b̄ = −ȳ ⊙ a ⊘ b²"]),
        ["Affine"] = new("y = s·x + c", "∂y/∂x = s", ["x̄ = s·ȳ"]),
        ["MatMul"] = new("Y = A B", "∂Y/∂A, ∂Y/∂B: linear in Ȳ", ["Ā = Ȳ Bᵀ", "B̄ = Aᵀ Ȳ"]),
        ["Linear"] = new("Y = X Wᵀ + b", "∂Y/∂X, ∂Y/∂W, ∂Y/∂b: linear in Ȳ", ["X̄ = Ȳ W", "W̄ = Ȳᵀ X", "b̄ = ȳ (summed over broadcast axes)"]),
        ["Transpose"] = new("Y = Xᵀ", "a permutation of entries", ["X̄ = Ȳᵀ"]),
        ["Gather"] = new("yᵢ = a[indexᵢ]", "a selection of rows", ["ā[indexᵢ] += ȳᵢ"]),
        ["Reshape"] = new("y = reshape(x)", "the identity on values", ["x̄ = reshape(ȳ)"]),
        ["Sum"] = new("y = Σ x", "∂y/∂xᵢ = 1", ["x̄ = ȳ broadcast back"]),
        ["Softmax"] = new("yᵢ = e^xᵢ / Σⱼ e^xⱼ", "∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ − yⱼ)", ["x̄ = y ⊙ (ȳ − Σ ȳ ⊙ y)"]),
        ["LogSoftmax"] = new("yᵢ = xᵢ − ln Σⱼ e^xⱼ", "∂yᵢ/∂xⱼ = δᵢⱼ − softmax(x)ⱼ", ["x̄ = ȳ − softmax(x) Σ ȳ"]),
        ["BatchNorm"] = new("y = γ(x − μ)/√(σ² + ε) + β", "the batch-norm Jacobian (BatchNormPrimitive)", ["x̄ = (γ/σ̂)(ȳ − mean ȳ − x̂ mean(ȳ ⊙ x̂))", "γ̄ = Σ ȳ ⊙ x̂", "β̄ = Σ ȳ"]),
    };

    /// <summary>The label of an elementwise primitive (a constant string: recording allocates nothing).</summary>
    public static string Name(UnaryOp op) => op switch
    {
        UnaryOp.Neg => "Neg",
        UnaryOp.Exp => "Exp",
        UnaryOp.Log => "Log",
        UnaryOp.Sigmoid => "Sigmoid",
        UnaryOp.Tanh => "Tanh",
        UnaryOp.Relu => "Relu",
        UnaryOp.LeakyRelu => "LeakyRelu",
        UnaryOp.Elu => "Elu",
        UnaryOp.Abs => "Abs",
        UnaryOp.Square => "Square",
        UnaryOp.Sqrt => "Sqrt",
        UnaryOp.Softplus => "Softplus",
        _ => "Unary",
    };

    /// <summary>The label of a binary primitive.</summary>
    public static string Name(BinaryOp op) => op switch
    {
        BinaryOp.Add => "Add",
        BinaryOp.Sub => "Sub",
        BinaryOp.Mul => "Mul",
        BinaryOp.Div => "Div",
        _ => "Binary",
    };

    /// <summary>
    /// The formulas of the primitive labelled <paramref name="label"/>; for another label (a user's op, recorded
    /// with its name) or none, a placeholder that says the VJP is the op's own.
    /// </summary>
    public static PrimitiveFormula For(string? label) =>
        label is not null && Formulas.TryGetValue(label, out var f)
            ? f
            : new PrimitiveFormula(label is null ? "y = f(x)" : $"y = {label}(x)", "(the primitive's own hand-written VJP; no formula recorded)", []);
}
