using System.Numerics;
using MathNet.Numerics.LinearAlgebra.Factorization;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Functional.Nets.Reference;

/// <summary>Every operation of the provider but the product: MathNet's managed provider's own.</summary>
public sealed partial class TiledLinearAlgebraProvider
{
    private TiledLinearAlgebraProvider()
    {
    }

    /// <inheritdoc />
    public void AddVectorToScaledVector(double[] y, double alpha, double[] x, double[] result) => Managed.AddVectorToScaledVector(y, alpha, x, result);

    /// <inheritdoc />
    public void ScaleArray(double alpha, double[] x, double[] result) => Managed.ScaleArray(alpha, x, result);

    /// <inheritdoc />
    public void ConjugateArray(double[] x, double[] result) => Managed.ConjugateArray(x, result);

    /// <inheritdoc />
    public double DotProduct(double[] x, double[] y) => Managed.DotProduct(x, y);

    /// <inheritdoc />
    public void AddArrays(double[] x, double[] y, double[] result) => Managed.AddArrays(x, y, result);

    /// <inheritdoc />
    public void SubtractArrays(double[] x, double[] y, double[] result) => Managed.SubtractArrays(x, y, result);

    /// <inheritdoc />
    public void PointWiseMultiplyArrays(double[] x, double[] y, double[] result) => Managed.PointWiseMultiplyArrays(x, y, result);

    /// <inheritdoc />
    public void PointWiseDivideArrays(double[] x, double[] y, double[] result) => Managed.PointWiseDivideArrays(x, y, result);

    /// <inheritdoc />
    public void PointWisePowerArrays(double[] x, double[] y, double[] result) => Managed.PointWisePowerArrays(x, y, result);

    /// <inheritdoc />
    public double MatrixNorm(Norm norm, int rows, int columns, double[] matrix) => Managed.MatrixNorm(norm, rows, columns, matrix);

    /// <summary>C = A·B on column-major arrays (A rowsA × columnsA, B rowsB × columnsB): <see cref="MatrixMultiplyWithUpdate"/> with α = 1, β = 0.</summary>
    /// <param name="x">A.</param>
    /// <param name="rowsX">Rows of A.</param>
    /// <param name="columnsX">Columns of A.</param>
    /// <param name="y">B.</param>
    /// <param name="rowsY">Rows of B.</param>
    /// <param name="columnsY">Columns of B.</param>
    /// <param name="result">C.</param>
    public void MatrixMultiply(double[] x, int rowsX, int columnsX, double[] y, int rowsY, int columnsY, double[] result) =>
        MatrixMultiplyWithUpdate(Transpose.DontTranspose, Transpose.DontTranspose, 1.0, x, rowsX, columnsX, y, rowsY, columnsY, 0.0, result);

    /// <inheritdoc />
    public void LUFactor(double[] data, int order, int[] ipiv) => Managed.LUFactor(data, order, ipiv);

    /// <inheritdoc />
    public void LUInverse(double[] a, int order) => Managed.LUInverse(a, order);

    /// <inheritdoc />
    public void LUInverseFactored(double[] a, int order, int[] ipiv) => Managed.LUInverseFactored(a, order, ipiv);

    /// <inheritdoc />
    public void LUSolve(int columnsOfB, double[] a, int order, double[] b) => Managed.LUSolve(columnsOfB, a, order, b);

    /// <inheritdoc />
    public void LUSolveFactored(int columnsOfB, double[] a, int order, int[] ipiv, double[] b) => Managed.LUSolveFactored(columnsOfB, a, order, ipiv, b);

    /// <inheritdoc />
    public void CholeskyFactor(double[] a, int order) => Managed.CholeskyFactor(a, order);

    /// <inheritdoc />
    public void CholeskySolve(double[] a, int orderA, double[] b, int columnsB) => Managed.CholeskySolve(a, orderA, b, columnsB);

    /// <inheritdoc />
    public void CholeskySolveFactored(double[] a, int orderA, double[] b, int columnsB) => Managed.CholeskySolveFactored(a, orderA, b, columnsB);

    /// <inheritdoc />
    public void QRFactor(double[] r, int rowsR, int columnsR, double[] q, double[] tau) => Managed.QRFactor(r, rowsR, columnsR, q, tau);

    /// <inheritdoc />
    public void ThinQRFactor(double[] a, int rowsA, int columnsA, double[] r, double[] tau) => Managed.ThinQRFactor(a, rowsA, columnsA, r, tau);

    /// <inheritdoc />
    public void QRSolve(double[] a, int rows, int columns, double[] b, int columnsB, double[] x, QRMethod method) =>
        Managed.QRSolve(a, rows, columns, b, columnsB, x, method);

    /// <inheritdoc />
    public void QRSolveFactored(double[] q, double[] r, int rowsA, int columnsA, double[] tau, double[] b, int columnsB, double[] x, QRMethod method) =>
        Managed.QRSolveFactored(q, r, rowsA, columnsA, tau, b, columnsB, x, method);

    /// <inheritdoc />
    public void SingularValueDecomposition(bool computeVectors, double[] a, int rowsA, int columnsA, double[] s, double[] u, double[] vt) =>
        Managed.SingularValueDecomposition(computeVectors, a, rowsA, columnsA, s, u, vt);

    /// <inheritdoc />
    public void SvdSolve(double[] a, int rowsA, int columnsA, double[] b, int columnsB, double[] x) => Managed.SvdSolve(a, rowsA, columnsA, b, columnsB, x);

    /// <inheritdoc />
    public void SvdSolveFactored(int rowsA, int columnsA, double[] s, double[] u, double[] vt, double[] b, int columnsB, double[] x) =>
        Managed.SvdSolveFactored(rowsA, columnsA, s, u, vt, b, columnsB, x);

    /// <inheritdoc />
    public void EigenDecomp(bool isSymmetric, int order, double[] matrix, double[] matrixEv, Complex[] vectorEv, double[] matrixD) =>
        Managed.EigenDecomp(isSymmetric, order, matrix, matrixEv, vectorEv, matrixD);
}
