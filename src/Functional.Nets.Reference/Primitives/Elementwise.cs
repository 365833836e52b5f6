namespace Functional.Nets.Reference;

/// <summary>
/// Elementwise primitives. Each declares only its forward y = f(x) and its local derivative
/// f′(x), given x, y and α; the shared VJP is then x̄ᵢ = ȳᵢ · f′(xᵢ) (the chain rule for a
/// diagonal Jacobian).
/// </summary>
internal static class Elementwise
{
    /// <summary>The forward function.</summary>
    public static double Forward(UnaryOp op, double x, double alpha) => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Sigmoid => Sigmoid(x),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Relu => x > 0 ? x : 0,
        UnaryOp.LeakyRelu => x > 0 ? x : alpha * x,
        UnaryOp.Elu => x > 0 ? x : alpha * ExpM1(x),
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Square => x * x,
        UnaryOp.Sqrt => Math.Sqrt(x),

        // softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^(−|x|)): never overflows.
        UnaryOp.Softplus => Math.Max(x, 0) + Log1P(Math.Exp(-Math.Abs(x))),
        UnaryOp.Sign => SignOf(x),
        UnaryOp.Log1P => Log1P(x),
        UnaryOp.Expm1 => ExpM1(x),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown elementwise op"),
    };

    /// <summary>The local derivative f′(x), using the forward result y where that is cheaper.</summary>
    public static double Derivative(UnaryOp op, double x, double y, double alpha) => op switch
    {
        UnaryOp.Neg => -1,
        UnaryOp.Exp => y,                              // (eˣ)′ = eˣ
        UnaryOp.Log => 1 / x,                          // (ln x)′ = 1/x
        UnaryOp.Sigmoid => y * (1 - y),                // σ′ = σ(1 − σ)
        UnaryOp.Tanh => 1 - y * y,                     // tanh′ = 1 − tanh²
        UnaryOp.Relu => x > 0 ? 1 : 0,                 // subgradient 0 at the kink, as PyTorch
        UnaryOp.LeakyRelu => x > 0 ? 1 : alpha,
        UnaryOp.Elu => x > 0 ? 1 : alpha * Math.Exp(x), // (α(eˣ − 1))′ = αeˣ
        UnaryOp.Abs => SignOf(x),                      // sign(x), 0 at the kink, as PyTorch
        UnaryOp.Square => 2 * x,
        UnaryOp.Sqrt => 0.5 / y,                       // (√x)′ = 1/(2√x)
        UnaryOp.Softplus => Sigmoid(x),                // softplus′ = σ
        UnaryOp.Sign => 0,                             // flat on both sides; the kink at 0 gets 0, as PyTorch
        UnaryOp.Log1P => 1 / (1 + x),                  // (ln(1 + x))′ = 1/(1 + x)
        UnaryOp.Expm1 => y + 1,                        // (eˣ − 1)′ = eˣ = y + 1
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown elementwise op"),
    };

    /// <summary>sign x as −1, 0 or 1, NaN for NaN (Math.Sign throws on NaN; torch.sign returns it).</summary>
    public static double SignOf(double x) => double.IsNaN(x) ? double.NaN : Math.Sign(x);

    /// <summary>σ(x) without overflow: 1/(1 + e^(−x)) for x ≥ 0, eˣ/(1 + eˣ) otherwise.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0)
        {
            return 1 / (1 + Math.Exp(-x));
        }

        var e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>ln(1 + x) accurate for small x (Goldberg 1991): with u = 1 + x rounded, ln(u)·x/(u − 1).</summary>
    public static double Log1P(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>eˣ − 1 accurate for small x (Kahan): with u = eˣ rounded, (u − 1)·x/ln u.</summary>
    public static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1)
        {
            return x;
        }

        var um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }
}
