namespace Functional.Nets;

// The pooling primitives' declarations. Each window W(o) is the set of input positions output entry o reads
// (PoolWindow gives the index formula); a trace prints these formulas.
public sealed partial record Primitive
{
    /// <summary>Max pooling over NCHW windows.</summary>
    public static readonly Primitive MaxPool = new(
        "MaxPool",
        "y[o] = max_{i ∈ W(o)} x[i] (padding is −∞)",
        "∂y[o]/∂x[i] = [i = argmax W(o)], the first maximum in the window on ties (PyTorch's choice; a tie is a kink)",
        ["x̄[i] = Σ_{o : argmax W(o) = i} ȳ[o]"]);

    /// <summary>Average pooling over NCHW windows.</summary>
    public static readonly Primitive AvgPool = new(
        "AvgPool",
        "y[o] = Σ_{i ∈ W(o) ∩ x} x[i] / |W(o)| (|W(o)| counts the padding when count_include_pad, else only real entries)",
        "∂y[o]/∂x[i] = [i ∈ W(o)] / |W(o)|",
        ["x̄[i] = Σ_{o : i ∈ W(o)} ȳ[o] / |W(o)|"]);

    /// <summary>Adaptive average pooling to a fixed output size.</summary>
    public static readonly Primitive AdaptiveAvgPool = new(
        "AdaptiveAvgPool",
        "y[o] = mean_{start(o) ≤ i < end(o)} x[i], start(o) = ⌊o·L/out⌋, end(o) = ⌈(o + 1)·L/out⌉ per spatial axis",
        "∂y[o]/∂x[i] = [start(o) ≤ i < end(o)] / (end(o) − start(o))",
        ["x̄[i] = Σ_{o : start(o) ≤ i < end(o)} ȳ[o] / (end(o) − start(o))"]);
}
