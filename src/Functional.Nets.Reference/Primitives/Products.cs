using MathNet.Numerics.Providers.LinearAlgebra;

namespace Functional.Nets.Reference;

/// <summary>
/// Every matrix product of the Reference backend: C = op(A)·op(B) on MathNet's column-major convention, computed by
/// <see cref="TiledLinearAlgebraProvider"/> (MathNet's managed provider with a tiled float64 kernel) straight on the
/// arrays, with no matrix objects and no transposed copies: a row-major array X [r, c] is the column-major Xᵀ [c, r].
/// </summary>
internal static class Products
{
    private static readonly ILinearAlgebraProvider<double> Provider = TiledLinearAlgebraProvider.Instance;

    /// <summary>c (column-major, rows of op(A) × columns of op(B)) = op(A)·op(B), with A rowsA × columnsA and B rowsB × columnsB.</summary>
    public static void Multiply(double[] a, int rowsA, int columnsA, bool transposeA, double[] b, int rowsB, int columnsB, bool transposeB, double[] c) =>
        Provider.MatrixMultiplyWithUpdate(
            transposeA ? Transpose.Transpose : Transpose.DontTranspose,
            transposeB ? Transpose.Transpose : Transpose.DontTranspose,
            1.0, a, rowsA, columnsA, b, rowsB, columnsB, 0.0, c);
}
