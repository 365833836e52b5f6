namespace Functional.Nets;

/// <summary>Arithmetic, elementwise functions and reductions on tensors, checked before dispatch.</summary>
public sealed partial class Tensor
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary(BinaryOp.Add, "add", a, b);

    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary(BinaryOp.Sub, "sub", a, b);

    /// <summary>Elementwise (Hadamard) product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary(BinaryOp.Mul, "mul", a, b);

    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary(BinaryOp.Div, "div", a, b);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Backend.Unary(UnaryOp.Neg, a, 0);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double s) => a.Backend.Affine(a, 1, s);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double s, Tensor a) => a.Backend.Affine(a, 1, s);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double s) => a.Backend.Affine(a, 1, -s);

    /// <summary>s − a.</summary>
    public static Tensor operator -(double s, Tensor a) => a.Backend.Affine(a, -1, s);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double s) => a.Backend.Affine(a, s, 0);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double s, Tensor a) => a.Backend.Affine(a, s, 0);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double s) => a.Backend.Affine(a, 1 / s, 0);

    /// <summary>The matrix product of this [m, k] tensor and <paramref name="other"/> [k, n].</summary>
    public Tensor MatMul(Tensor other)
    {
        RequireSameBackend("matmul", this, other);
        if (Shape.Rank != 2 || other.Shape.Rank != 2 || Shape[1] != other.Shape[0])
        {
            throw new ShapeMismatchException($"matmul: expected shapes [m, k] and [k, n], got {Shape} and {other.Shape}");
        }

        return Backend.MatMul(this, other);
    }

    /// <summary>
    /// The affine map of a dense layer, y = x·Wᵀ + b, for this x [m, k], <paramref name="weight"/> W [n, k] and
    /// <paramref name="bias"/> b [n] (or none): PyTorch's <c>F.linear</c>, one primitive on every backend.
    /// </summary>
    public Tensor Linear(Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        RequireSameBackend("linear", this, weight);
        if (bias is not null)
        {
            RequireSameBackend("linear", this, bias);
        }

        if (Shape.Rank != 2 || weight.Shape.Rank != 2 || Shape[1] != weight.Shape[1] || (bias is not null && bias.Shape != new Shape(weight.Shape[0])))
        {
            throw new ShapeMismatchException(
                $"linear: expected x [m, k], W [n, k] and b [n], got {Shape}, {weight.Shape}{(bias is null ? "" : $" and {bias.Shape}")}");
        }

        return Backend.Linear(this, weight, bias);
    }

    /// <summary>The transpose of a rank-2 tensor.</summary>
    public Tensor T
    {
        get
        {
            if (Shape.Rank != 2)
            {
                throw new ShapeMismatchException($"transpose: expected a rank-2 tensor, got shape {Shape}");
            }

            return Backend.Transpose(this);
        }
    }

    /// <summary>The same values in another shape with the same number of elements; one dimension may be −1 (inferred).</summary>
    public Tensor Reshape(params int[] dims)
    {
        var inferred = Array.IndexOf(dims, -1);
        if (inferred >= 0)
        {
            long known = 1;
            for (var i = 0; i < dims.Length; i++)
            {
                if (i != inferred)
                {
                    known *= dims[i];
                }
            }

            if (known == 0 || Size % known != 0)
            {
                throw new ShapeMismatchException($"reshape: cannot reshape {Shape} ({Size} elements) to [{string.Join(", ", dims)}]");
            }

            dims = (int[])dims.Clone();
            dims[inferred] = (int)(Size / known);
        }

        var shape = new Shape(dims);
        if (shape.Size != Size)
        {
            throw new ShapeMismatchException($"reshape: cannot reshape {Shape} ({Size} elements) to {shape} ({shape.Size} elements)");
        }

        return shape == Shape ? this : Backend.Reshape(this, shape);
    }

    /// <summary>The rows (entries along axis 0) at <paramref name="indices"/>, in that order; repeats allowed.</summary>
    public Tensor Gather(IReadOnlyList<int> indices)
    {
        if (Shape.Rank == 0)
        {
            throw new ShapeMismatchException("gather: needs a tensor of rank ≥ 1, got a scalar");
        }

        var rows = Shape[0];
        var idx = indices.ToArray();
        for (var i = 0; i < idx.Length; i++)
        {
            if (idx[i] < 0 || idx[i] >= rows)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"gather: index {idx[i]} at position {i} is outside [0, {rows}) for shape {Shape}");
            }
        }

        return Backend.Gather(this, idx);
    }

    /// <summary>
    /// The eigendecomposition A = U·diag(λ)·Uᵀ of this symmetric [n, n] matrix: eigenvalues [n] in ascending order and
    /// orthonormal eigenvectors as the columns of U [n, n]. Symmetry is not checked (a backend may read one triangle only).
    /// Not differentiated: the results are constants to <see cref="Grad.ValueAndGrad"/>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The tensor is not a square matrix with n ≥ 1.</exception>
    public (Tensor Eigenvalues, Tensor Eigenvectors) SymmetricEigen()
    {
        if (Shape.Rank != 2 || Shape[0] != Shape[1] || Shape[0] == 0)
        {
            throw new ShapeMismatchException($"symmetric_eigen: expected a square matrix [n, n] with n ≥ 1, got shape {Shape}");
        }

        return Backend.SymmetricEigen(this);
    }

    /// <summary>The sum of all elements, a scalar.</summary>
    public Tensor Sum() => Backend.Sum(this, Enumerable.Range(0, Shape.Rank).ToArray(), keepDims: false);

    /// <summary>The sum over the given axes (negative axes count from the end).</summary>
    public Tensor Sum(int[] axes, bool keepDims = false) => Backend.Sum(this, NormalizeAxes(axes), keepDims);

    /// <summary>The mean of all elements, a scalar.</summary>
    public Tensor Mean()
    {
        if (Size == 0)
        {
            throw new ShapeMismatchException($"mean: the tensor is empty (shape {Shape})");
        }

        return Sum() * (1.0 / Size);
    }

    /// <summary>The mean over the given axes.</summary>
    public Tensor Mean(int[] axes, bool keepDims = false)
    {
        var normalized = NormalizeAxes(axes);
        long count = 1;
        foreach (var a in normalized)
        {
            count *= Shape[a];
        }

        return Backend.Sum(this, normalized, keepDims) * (1.0 / count);
    }

    /// <summary>eˣ elementwise.</summary>
    public Tensor Exp() => Backend.Unary(UnaryOp.Exp, this, 0);

    /// <summary>ln x elementwise.</summary>
    public Tensor Log() => Backend.Unary(UnaryOp.Log, this, 0);

    /// <summary>The logistic sigmoid elementwise.</summary>
    public Tensor Sigmoid() => Backend.Unary(UnaryOp.Sigmoid, this, 0);

    /// <summary>tanh elementwise.</summary>
    public Tensor Tanh() => Backend.Unary(UnaryOp.Tanh, this, 0);

    /// <summary>max(x, 0) elementwise.</summary>
    public Tensor Relu() => Backend.Unary(UnaryOp.Relu, this, 0);

    /// <summary>x for x &gt; 0, αx otherwise.</summary>
    public Tensor LeakyRelu(double alpha) => Backend.Unary(UnaryOp.LeakyRelu, this, alpha);

    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    public Tensor Elu(double alpha) => Backend.Unary(UnaryOp.Elu, this, alpha);

    /// <summary>|x| elementwise.</summary>
    public Tensor Abs() => Backend.Unary(UnaryOp.Abs, this, 0);

    /// <summary>x² elementwise.</summary>
    public Tensor Square() => Backend.Unary(UnaryOp.Square, this, 0);

    /// <summary>√x elementwise.</summary>
    public Tensor Sqrt() => Backend.Unary(UnaryOp.Sqrt, this, 0);

    /// <summary>ln(1 + eˣ) elementwise, stable for large |x|.</summary>
    public Tensor Softplus() => Backend.Unary(UnaryOp.Softplus, this, 0);

    /// <summary>softmax along <paramref name="axis"/> (default: last).</summary>
    public Tensor Softmax(int axis = -1) => Backend.Softmax(this, Shape.NormalizeAxis(axis));

    /// <summary>log-softmax along <paramref name="axis"/> (default: last), stable by the log-sum-exp shift.</summary>
    public Tensor LogSoftmax(int axis = -1) => Backend.LogSoftmax(this, Shape.NormalizeAxis(axis));

    private int[] NormalizeAxes(int[] axes)
    {
        var shape = Shape;
        var normalized = axes.Select(a => shape.NormalizeAxis(a)).Distinct().Order().ToArray();
        if (normalized.Length != axes.Length)
        {
            throw new ArgumentException($"sum: repeated axis in [{string.Join(", ", axes)}] for shape {Shape}", nameof(axes));
        }

        return normalized;
    }

    private static Tensor Binary(BinaryOp op, string name, Tensor a, Tensor b)
    {
        RequireSameBackend(name, a, b);
        var shape = Shape.TryBroadcast(a.Shape, b.Shape)
            ?? throw new ShapeMismatchException($"{name}: shapes {a.Shape} and {b.Shape} do not broadcast");
        return a.Backend.Binary(op, a, b, shape);
    }
}
