namespace Functional.Nets.Reference;

/// <summary>Batch normalization's fused primitive (forward and VJP in <see cref="BatchNormPrimitive"/>).</summary>
public sealed partial class ReferenceBackend
{
    /// <summary>
    /// y = γ·(x − μ)/√(σ² + ε) + β per channel with batch statistics; the VJP is the lecture's derivation,
    /// written out in <see cref="BatchNormPrimitive"/>. μ and σ² come back untracked (constants to the tape).
    /// </summary>
    public override (Tensor Output, Tensor Mean, Tensor Variance) BatchNormTrain(Tensor x, Tensor gamma, Tensor beta, double epsilon)
    {
        var (n, c, inner) = BatchNormPrimitive.Split(x.Shape);
        var xs = Data(x).Values;
        var gs = Data(gamma).Values;
        var (y, mean, variance) = BatchNormPrimitive.Forward(xs, gs, Data(beta).Values, epsilon, n, c, inner);
        var output = Record(x.Shape, y, [x, gamma, beta], g => BatchNormPrimitive.Vjp(g, xs, gs, mean, variance, epsilon, n, c, inner), Primitive.BatchNorm.Name);
        return (output, new Tensor(this, new Shape(c), new ReferenceData(mean)), new Tensor(this, new Shape(c), new ReferenceData(variance)));
    }
}
