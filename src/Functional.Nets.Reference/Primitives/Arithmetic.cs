namespace Functional.Nets.Reference;

/// <summary>
/// Binary elementwise primitives with broadcasting. For y = a ∘ b the VJPs are
/// ā = unbroadcast(ȳ ⊙ ∂y/∂a), b̄ = unbroadcast(ȳ ⊙ ∂y/∂b), with
/// add: (1, 1); sub: (1, −1); mul: (b, a); div: (1/b, −a/b²); maximum: ([a &gt; b] + ½[a = b], [b &gt; a] + ½[a = b]);
/// minimum likewise with &lt;; pow: (b·aᵇ⁻¹, aᵇ·ln a), the second taken as 0 where a = 0 and b ≥ 0 (as torch.pow).
/// </summary>
internal static class Arithmetic
{
    public static double[] Forward(BinaryOp op, double[] a, int[]? mapA, double[] b, int[]? mapB, int size)
    {
        var y = new double[size];
        for (var i = 0; i < size; i++)
        {
            var x = a[mapA?[i] ?? i];
            var z = b[mapB?[i] ?? i];
            y[i] = op switch
            {
                BinaryOp.Add => x + z,
                BinaryOp.Sub => x - z,
                BinaryOp.Mul => x * z,
                BinaryOp.Div => x / z,
                BinaryOp.Maximum => double.IsNaN(x) || double.IsNaN(z) ? double.NaN : Math.Max(x, z),
                BinaryOp.Minimum => double.IsNaN(x) || double.IsNaN(z) ? double.NaN : Math.Min(x, z),
                BinaryOp.Pow => Math.Pow(x, z),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op"),
            };
        }

        return y;
    }

    public static double[]?[] Vjp(BinaryOp op, double[] g, double[] a, int[]? mapA, double[] b, int[]? mapB)
    {
        var ga = new double[g.Length];
        var gb = new double[g.Length];
        for (var i = 0; i < g.Length; i++)
        {
            var x = a[mapA?[i] ?? i];
            var z = b[mapB?[i] ?? i];
            switch (op)
            {
                case BinaryOp.Add:
                    ga[i] = g[i];
                    gb[i] = g[i];
                    break;
                case BinaryOp.Sub:
                    ga[i] = g[i];
                    gb[i] = -g[i];
                    break;
                case BinaryOp.Mul:
                    ga[i] = g[i] * z;
                    gb[i] = g[i] * x;
                    break;
                case BinaryOp.Div:
                    ga[i] = g[i] / z;
                    gb[i] = -g[i] * x / (z * z);
                    break;
                case BinaryOp.Maximum:
                    // A tie sends half the gradient to each operand: the mean of the one-sided derivatives.
                    ga[i] = x > z ? g[i] : x == z ? 0.5 * g[i] : 0;
                    gb[i] = z > x ? g[i] : x == z ? 0.5 * g[i] : 0;
                    break;
                case BinaryOp.Minimum:
                    ga[i] = x < z ? g[i] : x == z ? 0.5 * g[i] : 0;
                    gb[i] = z < x ? g[i] : x == z ? 0.5 * g[i] : 0;
                    break;
                case BinaryOp.Pow:
                    // ∂(aᵇ)/∂a = b·aᵇ⁻¹ (0 for b = 0, where aᵇ⁻¹ may be ∞ at a = 0); ∂(aᵇ)/∂b = aᵇ·ln a, 0 at a = 0 for b ≥ 0.
                    ga[i] = z == 0 ? 0 : g[i] * z * Math.Pow(x, z - 1);
                    gb[i] = x == 0 && z >= 0 ? 0 : g[i] * Math.Pow(x, z) * Math.Log(x);
                    break;
            }
        }

        return [Broadcast.SumBack(ga, mapA, a.Length), Broadcast.SumBack(gb, mapB, b.Length)];
    }
}
