namespace Functional.Nets.Reference;

/// <summary>
/// Binary elementwise primitives with broadcasting. For y = a ∘ b the VJPs are
/// ā = unbroadcast(ȳ ⊙ ∂y/∂a), b̄ = unbroadcast(ȳ ⊙ ∂y/∂b), with
/// add: (1, 1); sub: (1, −1); mul: (b, a); div: (1/b, −a/b²).
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
            }
        }

        return [Broadcast.SumBack(ga, mapA, a.Length), Broadcast.SumBack(gb, mapB, b.Length)];
    }
}
