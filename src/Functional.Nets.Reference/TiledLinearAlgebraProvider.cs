using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Functional.Nets.Reference;

/// <summary>
/// A MathNet float64 linear-algebra provider (<see cref="ILinearAlgebraProvider{T}"/>): MathNet's managed provider with a
/// faster matrix product. <see cref="MatrixMultiplyWithUpdate"/>
/// is a blocked, packed, register-tiled kernel on <see cref="Vector256{T}"/> fused multiply-adds (the loop structure of
/// Goto and van de Geijn's GEMM), split by columns of C over <see cref="MathNet.Numerics.Control.MaxDegreeOfParallelism"/>
/// threads when the product is large. Every other operation is MathNet's managed one (<see cref="ManagedLinearAlgebraProvider"/>;
/// its class is sealed, so it is wrapped rather than derived from). Where the processor has no AVX2 and FMA
/// the product falls back to MathNet's managed one.
/// </summary>
/// <remarks>
/// Each entry of C is Σₚ op(A)ᵢₚ·op(B)ₚⱼ accumulated in float64 in a different order, and with one rounding per
/// multiply-add, from MathNet's loop: the results agree with it to float64 rounding (|Δ| ≤ k·u·Σₚ|aᵢₚ||bₚⱼ|, u = 2⁻⁵³),
/// not bit for bit.
/// </remarks>
public sealed partial class TiledLinearAlgebraProvider : ILinearAlgebraProvider<double>
{
    /// <summary>MathNet's managed provider: every operation but the product, and the product where the kernel cannot run.</summary>
    private static readonly ILinearAlgebraProvider<double> Managed = ManagedLinearAlgebraProvider.Instance;

    /// <summary>Rows of a register tile (two vectors of four doubles).</summary>
    private const int Mr = 8;

    /// <summary>Columns of a register tile: 6 × 2 accumulators, 2 loaded A vectors and 1 broadcast fill 15 of 16 registers.</summary>
    private const int Nr = 6;

    /// <summary>Depth of a packed block: a B panel of Kc × Nr doubles (12 KiB) stays in L1.</summary>
    private const int Kc = 256;

    /// <summary>Rows of a packed A block: Mc × Kc doubles (256 KiB) stay in L2.</summary>
    private const int Mc = 128;

    /// <summary>Columns of a packed B block (Kc × Nc doubles, 8 MiB, in L3).</summary>
    private const int Nc = 4096;

    /// <summary>Below this many multiply-adds a product runs on one thread (a thread hand-off costs more).</summary>
    private const long ParallelThreshold = 1L << 21;

    [ThreadStatic]
    private static double[]? packedA;

    [ThreadStatic]
    private static double[]? packedB;

    /// <summary>The shared instance.</summary>
    public static TiledLinearAlgebraProvider Instance { get; } = new();

    /// <summary>Whether the tiled kernel runs here (AVX2 and FMA); otherwise products are MathNet's managed ones.</summary>
    public static bool IsAccelerated => Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Set FNETS_REFERENCE_PRODUCTS=managed to run MathNet's managed products instead (to measure or test the fallback).
    /// </summary>
    public static bool Enabled { get; } = IsAccelerated
        && !string.Equals(Environment.GetEnvironmentVariable("FNETS_REFERENCE_PRODUCTS"), "managed", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// C = α·op(A)·op(B) + β·C on column-major arrays, as MathNet defines it: A is rowsA × columnsA, B is rowsB × columnsB,
    /// op transposes where asked, and C is m × n with m and n the rows of op(A) and the columns of op(B).
    /// </summary>
    /// <param name="transposeA">Whether op(A) = Aᵀ.</param>
    /// <param name="transposeB">Whether op(B) = Bᵀ.</param>
    /// <param name="alpha">The factor of the product.</param>
    /// <param name="a">A, column-major.</param>
    /// <param name="rowsA">Rows of A.</param>
    /// <param name="columnsA">Columns of A.</param>
    /// <param name="b">B, column-major.</param>
    /// <param name="rowsB">Rows of B.</param>
    /// <param name="columnsB">Columns of B.</param>
    /// <param name="beta">The factor of C's previous values (0: C is overwritten).</param>
    /// <param name="c">C, column-major, m × n.</param>
    public void MatrixMultiplyWithUpdate(
        Transpose transposeA, Transpose transposeB, double alpha, double[] a, int rowsA, int columnsA, double[] b, int rowsB, int columnsB, double beta, double[] c)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        var ta = transposeA != Transpose.DontTranspose;
        var tb = transposeB != Transpose.DontTranspose;
        var m = ta ? columnsA : rowsA;
        var k = ta ? rowsA : columnsA;
        var kb = tb ? columnsB : rowsB;
        var n = tb ? rowsB : columnsB;
        if (k != kb)
        {
            throw new ArgumentException($"MatrixMultiplyWithUpdate: op(A) is {m} × {k} but op(B) is {kb} × {n}");
        }

        if ((long)rowsA * columnsA > a.Length || (long)rowsB * columnsB > b.Length || (long)m * n > c.Length)
        {
            throw new ArgumentException("MatrixMultiplyWithUpdate: an array is shorter than its matrix");
        }

        // The checks above run on both paths, so that a bad call fails the same way with or without the kernel.
        if (!Enabled)
        {
            Managed.MatrixMultiplyWithUpdate(transposeA, transposeB, alpha, a, rowsA, columnsA, b, rowsB, columnsB, beta, c);
            return;
        }

        Scale(c.AsSpan(0, m * n), beta);
        if (m == 0 || n == 0 || k == 0 || alpha == 0)
        {
            return;
        }

        var product = new Product(a, rowsA, ta, b, rowsB, tb, c, m, k, alpha);
        var threads = Math.Min(MathNet.Numerics.Control.MaxDegreeOfParallelism, (n + Nr - 1) / Nr);
        if (threads <= 1 || (long)m * n * k < ParallelThreshold)
        {
            product.Columns(0, n);
            return;
        }

        // Column ranges of C, each a whole number of register tiles: the threads share no output and no packing buffer.
        var tiles = (n + Nr - 1) / Nr;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var from = (int)((long)tiles * t / threads) * Nr;
            var to = Math.Min(n, (int)((long)tiles * (t + 1) / threads) * Nr);
            product.Columns(from, to);
        });
    }

    /// <summary>C ← β·C, with β = 0 writing zeros (BLAS's convention: C's old values, even NaN, are ignored).</summary>
    private static void Scale(Span<double> c, double beta)
    {
        if (beta == 0)
        {
            c.Clear();
        }
        else if (beta != 1)
        {
            for (var i = 0; i < c.Length; i++)
            {
                c[i] *= beta;
            }
        }
    }

    /// <summary>One product's operands; <see cref="Columns"/> computes C's columns [from, to).</summary>
    private readonly struct Product(double[] a, int lda, bool ta, double[] b, int ldb, bool tb, double[] c, int m, int k, double alpha)
    {
        public void Columns(int from, int to)
        {
            var ap = packedA ??= new double[Mc * Kc];
            var bp = packedB ??= new double[Kc * (Nc + Nr)];
            for (var jc = from; jc < to; jc += Nc)
            {
                var nc = Math.Min(Nc, to - jc);
                for (var pc = 0; pc < k; pc += Kc)
                {
                    var kc = Math.Min(Kc, k - pc);
                    PackB(bp, pc, kc, jc, nc);
                    for (var ic = 0; ic < m; ic += Mc)
                    {
                        var mc = Math.Min(Mc, m - ic);
                        PackA(ap, ic, mc, pc, kc);
                        Block(ap, bp, ic, mc, jc, nc, kc);
                    }
                }
            }
        }

        /// <summary>op(A)[ic.., pc..] into panels of Mr rows: panel r holds, for each p, the Mr values of column p (zeros past m).</summary>
        private void PackA(double[] ap, int ic, int mc, int pc, int kc)
        {
            var at = 0;
            for (var i0 = ic; i0 < ic + mc; i0 += Mr)
            {
                var rows = Math.Min(Mr, ic + mc - i0);
                for (var p = pc; p < pc + kc; p++)
                {
                    for (var r = 0; r < Mr; r++)
                    {
                        // op(A)ᵢₚ is a[p·lda + i], or a[i·lda + p] when A is stored transposed.
                        ap[at++] = r < rows ? (ta ? a[((i0 + r) * lda) + p] : a[(p * lda) + i0 + r]) : 0;
                    }
                }
            }
        }

        /// <summary>op(B)[pc.., jc..] into panels of Nr columns: panel j holds, for each p, the Nr values of row p (zeros past n).</summary>
        private void PackB(double[] bp, int pc, int kc, int jc, int nc)
        {
            var at = 0;
            for (var j0 = jc; j0 < jc + nc; j0 += Nr)
            {
                var cols = Math.Min(Nr, jc + nc - j0);
                for (var p = pc; p < pc + kc; p++)
                {
                    for (var j = 0; j < Nr; j++)
                    {
                        // op(B)ₚⱼ is b[j·ldb + p], or b[p·ldb + j] when B is stored transposed.
                        bp[at++] = j < cols ? (tb ? b[(p * ldb) + j0 + j] : b[((j0 + j) * ldb) + p]) : 0;
                    }
                }
            }
        }

        /// <summary>C[ic.., jc..] += α·(packed A)·(packed B), one Mr × Nr register tile at a time.</summary>
        private void Block(double[] ap, double[] bp, int ic, int mc, int jc, int nc, int kc)
        {
            Span<double> edge = stackalloc double[Mr * Nr];
            for (var j0 = 0; j0 < nc; j0 += Nr)
            {
                var cols = Math.Min(Nr, nc - j0);
                ref var bPanel = ref bp[(j0 / Nr) * Nr * kc];
                for (var i0 = 0; i0 < mc; i0 += Mr)
                {
                    var rows = Math.Min(Mr, mc - i0);
                    ref var aPanel = ref ap[(i0 / Mr) * Mr * kc];
                    if (rows == Mr && cols == Nr)
                    {
                        Kernel(kc, ref aPanel, ref bPanel, ref c[((jc + j0) * m) + ic + i0], m, alpha);
                        continue;
                    }

                    // A partial tile: computed whole into a buffer (the packed panels are zero-padded), then added where it lies in C.
                    edge.Clear();
                    Kernel(kc, ref aPanel, ref bPanel, ref edge[0], Mr, alpha);
                    for (var j = 0; j < cols; j++)
                    {
                        for (var i = 0; i < rows; i++)
                        {
                            c[((jc + j0 + j) * m) + ic + i0 + i] += edge[(j * Mr) + i];
                        }
                    }
                }
            }
        }

        /// <summary>
        /// The register tile: c[0..Mr, 0..Nr] (column stride ldc) += α·Σₚ a[p]⊗b[p], with a[p] the Mr values of op(A)'s
        /// column p and b[p] the Nr values of op(B)'s row p, 12 accumulators of 4 doubles.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Kernel(int kc, ref double a, ref double b, ref double c, int ldc, double alpha)
        {
            Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (var p = 0; p < kc; p++)
            {
                var a0 = Vector256.LoadUnsafe(ref a);
                var a1 = Vector256.LoadUnsafe(ref a, 4);
                var b0 = Vector256.Create(b);
                c00 = Fma.MultiplyAdd(a0, b0, c00);
                c01 = Fma.MultiplyAdd(a1, b0, c01);
                var b1 = Vector256.Create(Unsafe.Add(ref b, 1));
                c10 = Fma.MultiplyAdd(a0, b1, c10);
                c11 = Fma.MultiplyAdd(a1, b1, c11);
                var b2 = Vector256.Create(Unsafe.Add(ref b, 2));
                c20 = Fma.MultiplyAdd(a0, b2, c20);
                c21 = Fma.MultiplyAdd(a1, b2, c21);
                var b3 = Vector256.Create(Unsafe.Add(ref b, 3));
                c30 = Fma.MultiplyAdd(a0, b3, c30);
                c31 = Fma.MultiplyAdd(a1, b3, c31);
                var b4 = Vector256.Create(Unsafe.Add(ref b, 4));
                c40 = Fma.MultiplyAdd(a0, b4, c40);
                c41 = Fma.MultiplyAdd(a1, b4, c41);
                var b5 = Vector256.Create(Unsafe.Add(ref b, 5));
                c50 = Fma.MultiplyAdd(a0, b5, c50);
                c51 = Fma.MultiplyAdd(a1, b5, c51);
                a = ref Unsafe.Add(ref a, Mr);
                b = ref Unsafe.Add(ref b, Nr);
            }

            var s = Vector256.Create(alpha);
            Store(ref c, c00, c01, s);
            Store(ref Unsafe.Add(ref c, ldc), c10, c11, s);
            Store(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, s);
            Store(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, s);
            Store(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, s);
            Store(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, s);
        }

        /// <summary>One column of a tile: c[0..8] += α·(lo, hi).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(ref double c, Vector256<double> lo, Vector256<double> hi, Vector256<double> alpha)
        {
            Fma.MultiplyAdd(lo, alpha, Vector256.LoadUnsafe(ref c)).StoreUnsafe(ref c);
            Fma.MultiplyAdd(hi, alpha, Vector256.LoadUnsafe(ref c, 4)).StoreUnsafe(ref c, 4);
        }
    }
}
