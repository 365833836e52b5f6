namespace Functional.Nets;

/// <summary>
/// The elementwise functions every backend implements, each declared once with its formulas
/// (<see cref="FormulaAttribute"/>, read by <see cref="Primitive.Of(UnaryOp)"/>). The Reference backend writes each
/// one's forward and derivative by hand (Reference/Primitives/Elementwise.cs); the Torch backend maps each to a libtorch
/// op and leaves the derivative to autograd (TorchBackend.Primitives.cs). Adding one touches this file and those two.
/// </summary>
public enum UnaryOp
{
    /// <summary>y = −x.</summary>
    [Formula("y = −x", "∂y/∂x = −1", "x̄ = −ȳ")]
    Neg,

    /// <summary>y = eˣ.</summary>
    [Formula("y = eˣ", "∂y/∂x = eˣ = y", "x̄ = ȳ ⊙ y")]
    Exp,

    /// <summary>y = ln x.</summary>
    [Formula("y = ln x", "∂y/∂x = 1/x", "x̄ = ȳ ⊘ x")]
    Log,

    /// <summary>y = 1 / (1 + e^(−x)).</summary>
    [Formula("y = σ(x) = 1/(1 + e⁻ˣ)", "∂y/∂x = σ(x)(1 − σ(x)) = y(1 − y)", "x̄ = ȳ ⊙ y(1 − y)")]
    Sigmoid,

    /// <summary>y = tanh x.</summary>
    [Formula("y = tanh x", "∂y/∂x = 1 − tanh²x = 1 − y²", "x̄ = ȳ ⊙ (1 − y²)")]
    Tanh,

    /// <summary>y = max(x, 0).</summary>
    [Formula("y = max(x, 0)", "∂y/∂x = 1 if x > 0, else 0", "x̄ = ȳ ⊙ [x > 0]")]
    Relu,

    /// <summary>y = x for x &gt; 0, αx otherwise.</summary>
    [Formula("y = x if x > 0, else αx", "∂y/∂x = 1 if x > 0, else α", "x̄ = ȳ ⊙ (x > 0 ? 1 : α)")]
    LeakyRelu,

    /// <summary>y = x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    [Formula("y = x if x > 0, else α(eˣ − 1)", "∂y/∂x = 1 if x > 0, else αeˣ", "x̄ = ȳ ⊙ (x > 0 ? 1 : αeˣ)")]
    Elu,

    /// <summary>y = |x|.</summary>
    [Formula("y = |x|", "∂y/∂x = sign x", "x̄ = ȳ ⊙ sign x")]
    Abs,

    /// <summary>y = x².</summary>
    [Formula("y = x²", "∂y/∂x = 2x", "x̄ = ȳ ⊙ 2x")]
    Square,

    /// <summary>y = √x.</summary>
    [Formula("y = √x", "∂y/∂x = 1/(2√x)", "x̄ = ȳ ⊘ 2y")]
    Sqrt,

    /// <summary>y = ln(1 + eˣ), evaluated stably as max(x, 0) + ln(1 + e^(−|x|)).</summary>
    [Formula("y = ln(1 + eˣ)", "∂y/∂x = σ(x)", "x̄ = ȳ ⊙ σ(x)")]
    Softplus,

    /// <summary>y = sign x: −1, 0 or 1 (its derivative is 0 everywhere but the kink at 0).</summary>
    [Formula("y = sign x", "∂y/∂x = 0 (x ≠ 0)", "x̄ = 0")]
    Sign,

    /// <summary>y = ln(1 + x), accurate for small x.</summary>
    [Formula("y = ln(1 + x)", "∂y/∂x = 1/(1 + x)", "x̄ = ȳ ⊘ (1 + x)")]
    Log1P,

    /// <summary>y = eˣ − 1, accurate for small x.</summary>
    [Formula("y = eˣ − 1", "∂y/∂x = eˣ = y + 1", "x̄ = ȳ ⊙ (y + 1)")]
    Expm1,
}

/// <summary>The elementwise binary operations every backend implements, with NumPy broadcasting, declared like <see cref="UnaryOp"/>.</summary>
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    [Formula("y = a + b", "∂y/∂a = 1, ∂y/∂b = 1", "ā = ȳ (summed over broadcast axes)", "b̄ = ȳ (summed over broadcast axes)")]
    Add,

    /// <summary>a − b.</summary>
    [Formula("y = a − b", "∂y/∂a = 1, ∂y/∂b = −1", "ā = ȳ (summed over broadcast axes)", "b̄ = −ȳ (summed over broadcast axes)")]
    Sub,

    /// <summary>a ⊙ b.</summary>
    [Formula("y = a ⊙ b", "∂y/∂a = b, ∂y/∂b = a", "ā = ȳ ⊙ b", "b̄ = ȳ ⊙ a")]
    Mul,

    /// <summary>a ⊘ b.</summary>
    [Formula("y = a ⊘ b", "∂y/∂a = 1/b, ∂y/∂b = −a/b²", "ā = ȳ ⊘ b", "b̄ = −ȳ ⊙ a ⊘ b²")]
    Div,

    /// <summary>max(a, b); at a tie each operand gets half the gradient, as <c>torch.maximum</c>.</summary>
    [Formula("y = max(a, b)", "∂y/∂a = [a > b] + ½[a = b], ∂y/∂b = [b > a] + ½[a = b]", "ā = ȳ ⊙ ([a > b] + ½[a = b])", "b̄ = ȳ ⊙ ([b > a] + ½[a = b])")]
    Maximum,

    /// <summary>min(a, b); at a tie each operand gets half the gradient, as <c>torch.minimum</c>.</summary>
    [Formula("y = min(a, b)", "∂y/∂a = [a < b] + ½[a = b], ∂y/∂b = [b < a] + ½[a = b]", "ā = ȳ ⊙ ([a < b] + ½[a = b])", "b̄ = ȳ ⊙ ([b < a] + ½[a = b])")]
    Minimum,

    /// <summary>aᵇ (for a &gt; 0, or integral b); b̄ is 0 where a = 0 and b ≥ 0, as <c>torch.pow</c>.</summary>
    [Formula("y = aᵇ", "∂y/∂a = b·aᵇ⁻¹, ∂y/∂b = aᵇ ln a", "ā = ȳ ⊙ b·aᵇ⁻¹", "b̄ = ȳ ⊙ y ln a")]
    Pow,
}

/// <summary>
/// Elementwise comparisons with broadcasting. The result is a mask of 0s and 1s in the backend's float type, a constant
/// to differentiation (no gradient flows through a comparison), ready for <see cref="Tensor.Where"/> or a product.
/// </summary>
public enum CompareOp
{
    /// <summary>[a = b].</summary>
    [Formula("m = [a = b]", "not differentiated")]
    Equal,

    /// <summary>[a ≠ b].</summary>
    [Formula("m = [a ≠ b]", "not differentiated")]
    NotEqual,

    /// <summary>[a &lt; b].</summary>
    [Formula("m = [a < b]", "not differentiated")]
    Less,

    /// <summary>[a ≤ b].</summary>
    [Formula("m = [a ≤ b]", "not differentiated")]
    LessEqual,

    /// <summary>[a &gt; b].</summary>
    [Formula("m = [a > b]", "not differentiated")]
    Greater,

    /// <summary>[a ≥ b].</summary>
    [Formula("m = [a ≥ b]", "not differentiated")]
    GreaterEqual,
}
