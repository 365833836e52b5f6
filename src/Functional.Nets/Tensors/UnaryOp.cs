namespace Functional.Nets;

/// <summary>
/// The elementwise functions every backend implements. Each backend defines the forward pass
/// itself; the Reference backend writes each one's derivative by hand, the Torch backend leaves it
/// to libtorch autograd.
/// </summary>
public enum UnaryOp
{
    /// <summary>y = −x.</summary>
    Neg,

    /// <summary>y = eˣ.</summary>
    Exp,

    /// <summary>y = ln x.</summary>
    Log,

    /// <summary>y = 1 / (1 + e^(−x)).</summary>
    Sigmoid,

    /// <summary>y = tanh x.</summary>
    Tanh,

    /// <summary>y = max(x, 0).</summary>
    Relu,

    /// <summary>y = x for x &gt; 0, αx otherwise.</summary>
    LeakyRelu,

    /// <summary>y = x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    Elu,

    /// <summary>y = |x|.</summary>
    Abs,

    /// <summary>y = x².</summary>
    Square,

    /// <summary>y = √x.</summary>
    Sqrt,

    /// <summary>y = ln(1 + eˣ), evaluated stably as max(x, 0) + ln(1 + e^(−|x|)).</summary>
    Softplus,
}

/// <summary>The elementwise binary operations every backend implements, with NumPy broadcasting.</summary>
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add,

    /// <summary>a − b.</summary>
    Sub,

    /// <summary>a ⊙ b.</summary>
    Mul,

    /// <summary>a ⊘ b.</summary>
    Div,
}
