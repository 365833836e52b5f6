using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.GradChecks;

/// <summary>The planted error of a generated primitive's derivative.</summary>
public enum PlantedError
{
    /// <summary>The derivative as derived: the checker must pass it.</summary>
    None,

    /// <summary>The whole derivative, or one input's, negated.</summary>
    WrongSign,

    /// <summary>A matrix used where its transpose belongs (Mᵀȳ written as Mȳ).</summary>
    Transposed,

    /// <summary>A term of a sum dropped: one side of the product rule, the inner factor of the chain rule, the softmax term of log-softmax.</summary>
    MissingTerm,
}

/// <summary>The shapes of generated primitives.</summary>
public enum PrimitiveKind
{
    /// <summary>f(x) = g(h(x)) elementwise; f′ = g′(h(x))·h′(x).</summary>
    Chain,

    /// <summary>f(x) = g(x)·h(x) elementwise; f′ = g′h + gh′.</summary>
    Product,

    /// <summary>y = M·X for a constant M [m, k] and input X [k, n]; X̄ = MᵀȲ.</summary>
    Linear,

    /// <summary>Y = A·B of two inputs; Ā = ȲBᵀ, B̄ = AᵀȲ.</summary>
    MatMul,

    /// <summary>y = x ⊙ (Mx) for x [k], M [k, k]; x̄ = ȳ ⊙ Mx + Mᵀ(ȳ ⊙ x).</summary>
    QuadraticProduct,

    /// <summary>Row-wise log-softmax y = x − ln Σ eˣ; x̄ = ȳ − softmax(x)·Σȳ.</summary>
    LogSoftmax,

    /// <summary>Row-wise normalization y = x/‖x‖; x̄ = (ȳ − y(y·ȳ))/‖x‖.</summary>
    Normalize,
}

/// <summary>A smooth scalar function with its derivative, a building block of generated elementwise primitives.</summary>
/// <param name="Name">Printed in the case's description.</param>
/// <param name="F">f(x).</param>
/// <param name="D">f′(x).</param>
/// <param name="Compose">f in core tensor operations (for a backend's own derivative).</param>
public sealed record Smooth(string Name, Func<double, double> F, Func<double, double> D, Func<Tensor, Tensor> Compose)
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The building blocks: each bounded in slope on the inputs the generator draws.</summary>
    public static IReadOnlyList<Smooth> All { get; } =
    [
        new("tanh", Math.Tanh, x => 1 - Math.Tanh(x) * Math.Tanh(x), t => t.Tanh()),
        new("sigmoid", Sigmoid, x => Sigmoid(x) * (1 - Sigmoid(x)), t => t.Sigmoid()),
        new("softplus", x => Math.Log(1 + Math.Exp(x)), Sigmoid, t => t.Softplus()),
        new("square", x => x * x, x => 2 * x, t => t.Square()),
        new("cube", x => x * x * x, x => 3 * x * x, t => t * t * t),
        new("exp(x/2)", x => Math.Exp(x / 2), x => 0.5 * Math.Exp(x / 2), t => (t * 0.5).Exp()),
        new("ln(1+x²)", x => Math.Log(1 + x * x), x => 2 * x / (1 + x * x), t => (t.Square() + 1).Log()),
        new("sqrt(1+x²)", x => Math.Sqrt(1 + x * x), x => x / Math.Sqrt(1 + x * x), t => (t.Square() + 1).Sqrt()),
        new("3x−1", x => 3 * x - 1, _ => 3, t => t * 3 - 1),
    ];
}

/// <summary>
/// A generated primitive: a kind, shapes, building blocks and a seed for its constants and inputs, with a
/// derivative that is either right (<see cref="PlantedError.None"/>) or carries one planted error.
/// </summary>
/// <param name="Seed">Seed of the constants (M) and of <see cref="Functional.Nets.GradCheck.Op(CustomOp, IReadOnlyList{Shape}, Key, GradCheckOptions?, IReadOnlyList{Backend}?)"/>'s key.</param>
/// <param name="Kind">The primitive's form.</param>
/// <param name="Rows">First dimension (1–4).</param>
/// <param name="Cols">Second dimension (2–5; square kinds use <see cref="Rows"/>).</param>
/// <param name="Outer">g, for elementwise kinds (index into <see cref="Smooth.All"/>).</param>
/// <param name="Inner">h, for elementwise kinds.</param>
/// <param name="Error">The planted error.</param>
public sealed record PrimitiveCase(int Seed, PrimitiveKind Kind, int Rows, int Cols, int Outer, int Inner, PlantedError Error)
{
    /// <summary>The errors that can be planted in a kind's derivative.</summary>
    public static PlantedError[] ErrorsOf(PrimitiveKind kind) => kind switch
    {
        PrimitiveKind.Chain => [PlantedError.WrongSign, PlantedError.MissingTerm],
        PrimitiveKind.Product => [PlantedError.WrongSign, PlantedError.MissingTerm],
        PrimitiveKind.Linear => [PlantedError.WrongSign, PlantedError.Transposed],
        PrimitiveKind.MatMul => [PlantedError.WrongSign, PlantedError.Transposed],
        PrimitiveKind.QuadraticProduct => [PlantedError.WrongSign, PlantedError.Transposed, PlantedError.MissingTerm],
        PrimitiveKind.LogSoftmax => [PlantedError.WrongSign, PlantedError.MissingTerm],
        PrimitiveKind.Normalize => [PlantedError.WrongSign, PlantedError.MissingTerm],
        _ => [],
    };

    /// <summary>Generated cases with a correct derivative.</summary>
    public static Arbitrary<PrimitiveCase> Correct { get; } = Arb.From(Generator(planted: false), Shrink);

    /// <summary>Generated cases each with one planted error.</summary>
    public static Arbitrary<PrimitiveCase> Broken { get; } = Arb.From(Generator(planted: true), Shrink);

    /// <summary>Correct and broken cases, half and half.</summary>
    public static Arbitrary<PrimitiveCase> Either { get; } = Arb.From(Gen.OneOf(Generator(false), Generator(true)), Shrink);

    /// <summary>The input shapes.</summary>
    public Shape[] InputShapes => Kind switch
    {
        PrimitiveKind.Linear => [new Shape(Rows, Cols)],                         // X [k, n], M [k, k] square so that M can stand for Mᵀ
        PrimitiveKind.MatMul => [new Shape(Rows, Rows), new Shape(Rows, Rows)],  // square, so that a transposed factor fits
        PrimitiveKind.QuadraticProduct => [new Shape(Rows + 1)],
        _ => [new Shape(Rows, Cols)],
    };

    /// <summary>The same case with its derivative corrected.</summary>
    public PrimitiveCase AsCorrect => this with { Error = PlantedError.None };

    /// <summary>The op: forward, derivative (with the planted error, if any) and a composition in core ops.</summary>
    public CustomOp Op()
    {
        var name = ToString();
        var error = Error;
        switch (Kind)
        {
            case PrimitiveKind.Chain:
            {
                var (g, h) = (Smooth.All[Outer], Smooth.All[Inner]);
                return CustomOp.Elementwise(
                    name,
                    x => g.F(h.F(x)),
                    (x, _) => error switch
                    {
                        PlantedError.WrongSign => -g.D(h.F(x)) * h.D(x),
                        PlantedError.MissingTerm => g.D(h.F(x)),            // the inner factor h′(x) forgotten
                        _ => g.D(h.F(x)) * h.D(x),
                    },
                    t => g.Compose(h.Compose(t)));
            }

            case PrimitiveKind.Product:
            {
                var (g, h) = (Smooth.All[Outer], Smooth.All[Inner]);
                return CustomOp.Elementwise(
                    name,
                    x => g.F(x) * h.F(x),
                    (x, _) => error switch
                    {
                        PlantedError.WrongSign => -(g.D(x) * h.F(x) + g.F(x) * h.D(x)),
                        PlantedError.MissingTerm => g.D(x) * h.F(x),        // g·h′ dropped
                        _ => g.D(x) * h.F(x) + g.F(x) * h.D(x),
                    },
                    t => g.Compose(t) * h.Compose(t));
            }

            case PrimitiveKind.Linear:
            {
                var k = Rows;
                var m = Key.FromSeed(Seed).Fold(7).Normal(k * k);
                return CustomOp.Create(
                    name,
                    1,
                    s => s[0],
                    (x, s) => RowMajor.MatMul(m, x[0], k, k, s[0][1]),
                    (x, s, _, g) =>
                    {
                        var n = s[0][1];
                        var grad = error switch
                        {
                            PlantedError.Transposed => RowMajor.MatMul(m, g, k, k, n),                          // M·Ȳ for Mᵀ·Ȳ
                            _ => RowMajor.MatMul(RowMajor.Transpose(m, k, k), g, k, k, n),
                        };
                        return [error == PlantedError.WrongSign ? RowMajor.Negate(grad) : grad];
                    },
                    t => t[0].Backend.FromArray(m, k, k).MatMul(t[0]));
            }

            case PrimitiveKind.MatMul:
            {
                var n = Rows;
                return CustomOp.Create(
                    name,
                    2,
                    s => s[0],
                    (x, _) => RowMajor.MatMul(x[0], x[1], n, n, n),
                    (x, _, _, g) =>
                    {
                        var ga = RowMajor.MatMul(g, RowMajor.Transpose(x[1], n, n), n, n, n);                  // Ā = Ȳ·Bᵀ
                        var gb = error == PlantedError.Transposed
                            ? RowMajor.MatMul(x[0], g, n, n, n)                                           // A·Ȳ for Aᵀ·Ȳ
                            : RowMajor.MatMul(RowMajor.Transpose(x[0], n, n), g, n, n, n);
                        return [ga, error == PlantedError.WrongSign ? RowMajor.Negate(gb) : gb];
                    },
                    t => t[0].MatMul(t[1]));
            }

            case PrimitiveKind.QuadraticProduct:
            {
                var k = Rows + 1;
                var m = Key.FromSeed(Seed).Fold(7).Normal(k * k);
                return CustomOp.Create(
                    name,
                    1,
                    s => s[0],
                    (x, _) =>
                    {
                        var mx = RowMajor.MatMul(m, x[0], k, k, 1);
                        return x[0].Select((v, i) => v * mx[i]).ToArray();
                    },
                    (x, _, _, g) =>
                    {
                        // x̄ = ȳ ⊙ (Mx) + Mᵀ(ȳ ⊙ x)
                        var mx = RowMajor.MatMul(m, x[0], k, k, 1);
                        var gx = g.Select((v, i) => v * x[0][i]).ToArray();
                        var second = error == PlantedError.Transposed ? RowMajor.MatMul(m, gx, k, k, 1) : RowMajor.MatMul(RowMajor.Transpose(m, k, k), gx, k, k, 1);
                        var result = new double[k];
                        for (var i = 0; i < k; i++)
                        {
                            result[i] = g[i] * mx[i] + (error == PlantedError.MissingTerm ? 0 : second[i]);
                        }

                        return [error == PlantedError.WrongSign ? RowMajor.Negate(result) : result];
                    },
                    t =>
                    {
                        var mt = t[0].Backend.FromArray(m, k, k);
                        return t[0] * mt.MatMul(t[0].Reshape(k, 1)).Reshape(k);
                    });
            }

            case PrimitiveKind.LogSoftmax:
            {
                var (rows, cols) = (Rows, Cols);
                return CustomOp.Create(
                    name,
                    1,
                    s => s[0],
                    (x, _) => RowMajor.LogSoftmaxRows(x[0], rows, cols),
                    (x, _, y, g) =>
                    {
                        var result = new double[rows * cols];
                        for (var r = 0; r < rows; r++)
                        {
                            double sum = 0;
                            for (var c = 0; c < cols; c++)
                            {
                                sum += g[r * cols + c];
                            }

                            for (var c = 0; c < cols; c++)
                            {
                                var softmaxTerm = Math.Exp(y[r * cols + c]) * sum;
                                result[r * cols + c] = error switch
                                {
                                    PlantedError.MissingTerm => g[r * cols + c],
                                    PlantedError.WrongSign => g[r * cols + c] + softmaxTerm,
                                    _ => g[r * cols + c] - softmaxTerm,
                                };
                            }
                        }

                        return [result];
                    },
                    t => t[0].LogSoftmax(-1));
            }

            case PrimitiveKind.Normalize:
            {
                var (rows, cols) = (Rows, Cols);
                return CustomOp.Create(
                    name,
                    1,
                    s => s[0],
                    (x, _) => RowMajor.NormalizeRows(x[0], rows, cols),
                    (x, _, y, g) =>
                    {
                        var result = new double[rows * cols];
                        for (var r = 0; r < rows; r++)
                        {
                            double norm = 0, dot = 0;
                            for (var c = 0; c < cols; c++)
                            {
                                norm += x[0][r * cols + c] * x[0][r * cols + c];
                                dot += y[r * cols + c] * g[r * cols + c];
                            }

                            norm = Math.Sqrt(norm);
                            for (var c = 0; c < cols; c++)
                            {
                                var i = r * cols + c;
                                result[i] = error switch
                                {
                                    PlantedError.MissingTerm => g[i] / norm,
                                    PlantedError.WrongSign => -(g[i] - y[i] * dot) / norm,
                                    _ => (g[i] - y[i] * dot) / norm,
                                };
                            }
                        }

                        return [result];
                    },
                    t => t[0] / t[0].Square().Sum([-1], keepDims: true).Sqrt());
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown primitive kind");
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var what = Kind switch
        {
            PrimitiveKind.Chain => $"{Smooth.All[Outer].Name}∘{Smooth.All[Inner].Name}",
            PrimitiveKind.Product => $"{Smooth.All[Outer].Name}·{Smooth.All[Inner].Name}",
            _ => Kind.ToString(),
        };
        return $"{what} [{string.Join("; ", InputShapes.Select(s => s.ToString()))}] seed {Seed}, {(Error == PlantedError.None ? "correct" : "planted " + Error)}";
    }

    private static Gen<PrimitiveCase> Generator(bool planted) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from kind in Gen.Elements(Enum.GetValues<PrimitiveKind>())
        from rows in Gen.Choose(2, 4)
        from cols in Gen.Choose(2, 5)
        from outer in Gen.Choose(0, Smooth.All.Count - 1)
        from inner in Gen.Choose(0, Smooth.All.Count - 1)
        from error in planted ? Gen.Elements(ErrorsOf(kind)) : Gen.Constant(PlantedError.None)
        select new PrimitiveCase(seed, kind, rows, cols, outer, inner, error);

    private static IEnumerable<PrimitiveCase> Shrink(PrimitiveCase c) =>
        new[] { c with { Rows = 2 }, c with { Cols = 2 } }.Where(s => s != c);
}

/// <summary>Row-major dense arithmetic for the generated primitives' forwards and VJPs (plain loops, float64).</summary>
internal static class RowMajor
{
    /// <summary>C = A·B for A [m, k], B [k, n].</summary>
    public static double[] MatMul(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var p = 0; p < k; p++)
            {
                for (var j = 0; j < n; j++)
                {
                    c[i * n + j] += a[i * k + p] * b[p * n + j];
                }
            }
        }

        return c;
    }

    /// <summary>Aᵀ for A [m, n].</summary>
    public static double[] Transpose(double[] a, int m, int n)
    {
        var t = new double[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                t[j * m + i] = a[i * n + j];
            }
        }

        return t;
    }

    /// <summary>−a.</summary>
    public static double[] Negate(double[] a) => a.Select(v => -v).ToArray();

    /// <summary>Row-wise x − m − ln Σ e^(x − m), m the row maximum.</summary>
    public static double[] LogSoftmaxRows(double[] x, int rows, int cols)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * cols, cols);
            var max = double.NegativeInfinity;
            foreach (var v in row)
            {
                max = Math.Max(max, v);
            }

            double sum = 0;
            foreach (var v in row)
            {
                sum += Math.Exp(v - max);
            }

            var lse = max + Math.Log(sum);
            for (var c = 0; c < cols; c++)
            {
                y[r * cols + c] = row[c] - lse;
            }
        }

        return y;
    }

    /// <summary>Row-wise x/‖x‖₂.</summary>
    public static double[] NormalizeRows(double[] x, int rows, int cols)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            double norm = 0;
            for (var c = 0; c < cols; c++)
            {
                norm += x[r * cols + c] * x[r * cols + c];
            }

            norm = Math.Sqrt(norm);
            for (var c = 0; c < cols; c++)
            {
                y[r * cols + c] = x[r * cols + c] / norm;
            }
        }

        return y;
    }
}
