namespace Functional.Nets;

/// <summary>Comparisons, selection, clamping and stop-gradient, checked before dispatch.</summary>
public sealed partial class Tensor
{
    /// <summary>The mask [this op other] with broadcasting: 0s and 1s in the float type, a constant to differentiation.</summary>
    public Tensor Compare(CompareOp op, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var name = Primitive.Of(op).Name.ToLowerInvariant();
        RequireSameBackend(name, this, other);
        RequireFloat(name, this);
        RequireFloat(name, other);
        var shape = Shape.TryBroadcast(Shape, other.Shape)
            ?? throw new ShapeMismatchException($"{name}: shapes {Shape} and {other.Shape} do not broadcast");
        return Backend.Compare(op, this, other, shape);
    }

    /// <summary>The mask [this op c] for a scalar c.</summary>
    public Tensor Compare(CompareOp op, double c) => Compare(op, Scalar(c));

    /// <summary>[x &gt; c] as a mask.</summary>
    public Tensor Greater(double c) => Compare(CompareOp.Greater, c);

    /// <summary>[x &lt; c] as a mask.</summary>
    public Tensor Less(double c) => Compare(CompareOp.Less, c);

    /// <summary>
    /// yᵢ = aᵢ where maskᵢ ≠ 0, else bᵢ, with broadcasting of all three (<c>torch.where</c>). The mask is a constant
    /// (typically from <see cref="Compare(CompareOp, Tensor)"/>); the gradient flows to a where the mask holds, to b elsewhere.
    /// </summary>
    public static Tensor Where(Tensor mask, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        RequireSameBackend("where", mask, a);
        RequireSameBackend("where", a, b);
        RequireFloat("where", mask);
        RequireFloat("where", a);
        RequireFloat("where", b);
        var shape = (Shape.TryBroadcast(a.Shape, b.Shape) is { } ab ? Shape.TryBroadcast(mask.Shape, ab) : null)
            ?? throw new ShapeMismatchException($"where: mask {mask.Shape}, a {a.Shape} and b {b.Shape} do not broadcast");
        return a.Backend.Where(mask, a, b, shape);
    }

    /// <summary>min(max(x, low), high) elementwise (<c>torch.clamp</c>); the gradient is ȳ inside [low, high] (inclusive), 0 outside.</summary>
    /// <exception cref="ArgumentException">low &gt; high, or a bound is NaN.</exception>
    public Tensor Clamp(double low, double high)
    {
        RequireFloat("clamp", this);
        if (!(low <= high))
        {
            throw new ArgumentException($"clamp: expected low ≤ high, got low {low} and high {high}", nameof(low));
        }

        return Backend.Clamp(this, low, high);
    }

    /// <summary>The same values as a constant: no gradient flows through the result (JAX's <c>stop_gradient</c>, PyTorch's <c>detach</c>).</summary>
    public Tensor StopGradient()
    {
        RequireFloat("stop_gradient", this);
        return Backend.StopGradient(this);
    }

    /// <summary>
    /// Whether a running <see cref="Grad.ValueAndGrad"/> records this tensor,
    /// so that a gradient would flow back from it: true for the differentiated leaves and what is computed from them,
    /// false for constants (tensors made outside, <see cref="StopGradient"/>'s results, the frozen leaves of
    /// <see cref="Grad.ValueAndGradTrainable"/>) and everywhere outside
    /// differentiation. Torch: <c>requires_grad</c>; Reference: the tensor has a node on a tape.
    /// </summary>
    public bool IsRecorded => !IsIndex && Backend.IsRecorded(this);
}
