using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Functional.Nets.Tests;

/// <summary>
/// The Reference backend's matrix product (<see cref="TiledLinearAlgebraProvider"/>, a blocked FMA kernel) against
/// MathNet's managed provider, a separate implementation of the same BLAS contract: C = α·op(A)·op(B) + β·C on
/// column-major arrays, for every combination of transposes, on shapes that end mid register tile, cross the packed
/// blocks (k &gt; 256, m &gt; 128) and are large enough to be split over threads.
/// </summary>
/// <remarks>
/// Both sum the same k products in float64 in different orders (and the kernel rounds once per multiply-add), so each
/// entry may differ by up to about 2·k·u·Σₚ|op(A)ᵢₚ·op(B)ₚⱼ| (twice the forward bound γₖ, u = 2⁻⁵³) plus the rounding
/// of α and β; the test allows (2k + 4)·u of that sum per entry. An index error or a lost tile costs O(1) of it.
/// </remarks>
public sealed class TiledProductTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 8, 6, 1 },
        { 7, 5, 3 },
        { 9, 13, 17 },
        { 128, 128, 256 },
        { 129, 133, 257 },
        { 130, 140, 300 }, // 5.5 M multiply-adds: split over threads where there are several
        { 300, 37, 520 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Agrees_with_mathnets_managed_product_for_every_transpose(int m, int n, int k)
    {
        foreach (var ta in new[] { false, true })
        {
            foreach (var tb in new[] { false, true })
            {
                Check(m, n, k, ta, tb, alpha: 1, beta: 0, seed: m + (3 * n) + (7 * k));
            }
        }
    }

    [Fact]
    public void Scales_by_alpha_and_adds_beta_times_c()
    {
        Check(19, 23, 29, ta: true, tb: false, alpha: -0.75, beta: 1.5, seed: 1);
        Check(19, 23, 29, ta: false, tb: true, alpha: 2, beta: 1, seed: 2);
    }

    [Fact]
    public void Beta_zero_overwrites_c_even_where_it_holds_nan()
    {
        var a = Values(6 * 4, 3);
        var b = Values(4 * 5, 4);
        var c = Enumerable.Repeat(double.NaN, 6 * 5).ToArray();
        TiledLinearAlgebraProvider.Instance.MatrixMultiplyWithUpdate(Transpose.DontTranspose, Transpose.DontTranspose, 1, a, 6, 4, b, 4, 5, 0, c);
        Assert.All(c, v => Assert.False(double.IsNaN(v)));
    }

    [Fact]
    public void Mismatched_inner_sizes_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => TiledLinearAlgebraProvider.Instance.MatrixMultiplyWithUpdate(
            Transpose.DontTranspose, Transpose.DontTranspose, 1, new double[6], 2, 3, new double[8], 4, 2, 0, new double[4]));
        Assert.Contains("2 × 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Agrees_on_random_shapes() =>
        Law.Check(
            Arb.From(
                from m in Gen.Choose(1, 40)
                from n in Gen.Choose(1, 40)
                from k in Gen.Choose(1, 40)
                from transposes in Gen.Choose(0, 3)
                select (m, n, k, transposes)),
            c => Check(c.m, c.n, c.k, (c.transposes & 1) != 0, (c.transposes & 2) != 0, alpha: 1, beta: 0, seed: (c.m * 1000) + (c.n * 10) + c.k),
            cases: 60);

    private static void Check(int m, int n, int k, bool ta, bool tb, double alpha, double beta, int seed)
    {
        // Stored shapes: A is m × k, or k × m when op(A) = Aᵀ; B is k × n, or n × k.
        var (rowsA, colsA) = ta ? (k, m) : (m, k);
        var (rowsB, colsB) = tb ? (n, k) : (k, n);
        var a = Values(m * k, seed);
        var b = Values(k * n, seed + 1);
        var c0 = Values(m * n, seed + 2);
        var ours = (double[])c0.Clone();
        var theirs = (double[])c0.Clone();
        var opA = ta ? Transpose.Transpose : Transpose.DontTranspose;
        var opB = tb ? Transpose.Transpose : Transpose.DontTranspose;
        TiledLinearAlgebraProvider.Instance.MatrixMultiplyWithUpdate(opA, opB, alpha, a, rowsA, colsA, b, rowsB, colsB, beta, ours);
        ManagedLinearAlgebraProvider.Instance.MatrixMultiplyWithUpdate(opA, opB, alpha, a, rowsA, colsA, b, rowsB, colsB, beta, theirs);
        var u = Math.Pow(2, -53);
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < m; i++)
            {
                // Σₚ |α·op(A)ᵢₚ·op(B)ₚⱼ| + |β·cᵢⱼ|: the scale of this entry's rounding.
                var scale = Math.Abs(beta * c0[(j * m) + i]);
                for (var p = 0; p < k; p++)
                {
                    var aip = ta ? a[(i * rowsA) + p] : a[(p * rowsA) + i];
                    var bpj = tb ? b[(p * rowsB) + j] : b[(j * rowsB) + p];
                    scale += Math.Abs(alpha * aip * bpj);
                }

                var difference = Math.Abs(ours[(j * m) + i] - theirs[(j * m) + i]);
                Assert.True(
                    difference <= ((2 * k) + 4) * u * scale,
                    $"C[{i}, {j}] of op(A) {m}×{k} (transposed {ta}) · op(B) {k}×{n} (transposed {tb}): {ours[(j * m) + i]:R} vs MathNet {theirs[(j * m) + i]:R}");
            }
        }
    }

    private static double[] Values(int count, int seed) => Key.FromSeed(seed).Normal(count);
}
