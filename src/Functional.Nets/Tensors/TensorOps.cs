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
    public static Tensor operator -(Tensor a) => a.Map(UnaryOp.Neg);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double s) => Affine(a, 1, s);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double s, Tensor a) => Affine(a, 1, s);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double s) => Affine(a, 1, -s);

    /// <summary>s − a.</summary>
    public static Tensor operator -(double s, Tensor a) => Affine(a, -1, s);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double s) => Affine(a, s, 0);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double s, Tensor a) => Affine(a, s, 0);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double s) => Affine(a, 1 / s, 0);

    /// <summary>
    /// The matrix product of this [..., m, k] tensor and <paramref name="other"/> [..., k, n] (rank ≥ 2 each), batched
    /// over the leading axes, which broadcast (<c>torch.matmul</c> for rank ≥ 2): the result is [batch..., m, n].
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameBackend("matmul", this, other);
        RequireFloat("matmul", this);
        RequireFloat("matmul", other);
        if (Shape.Rank < 2 || other.Shape.Rank < 2 || Shape[-1] != other.Shape[-2])
        {
            throw new ShapeMismatchException($"matmul: expected shapes [..., m, k] and [..., k, n], got {Shape} and {other.Shape}");
        }

        var batchA = new Shape([.. Shape.Dims[..^2]]);
        var batchB = new Shape([.. other.Shape.Dims[..^2]]);
        var batch = Shape.TryBroadcast(batchA, batchB)
            ?? throw new ShapeMismatchException($"matmul: the batch axes {batchA} of {Shape} and {batchB} of {other.Shape} do not broadcast");
        return Backend.MatMul(this, other, new Shape([.. batch.Dims, Shape[-2], other.Shape[-1]]));
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
    public Tensor Sum()
    {
        RequireFloat("sum", this);
        return Backend.Sum(this, Enumerable.Range(0, Shape.Rank).ToArray(), keepDims: false);
    }

    /// <summary>The sum over the given axes (negative axes count from the end).</summary>
    public Tensor Sum(int[] axes, bool keepDims = false)
    {
        RequireFloat("sum", this);
        return Backend.Sum(this, NormalizeAxes(axes, "sum"), keepDims);
    }

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
        RequireFloat("mean", this);
        var normalized = NormalizeAxes(axes, "mean");
        long count = 1;
        foreach (var a in normalized)
        {
            count *= Shape[a];
        }

        return Backend.Sum(this, normalized, keepDims) * (1.0 / count);
    }

    /// <summary>eˣ elementwise.</summary>
    public Tensor Exp() => Map(UnaryOp.Exp, 0);

    /// <summary>ln x elementwise.</summary>
    public Tensor Log() => Map(UnaryOp.Log, 0);

    /// <summary>The logistic sigmoid elementwise.</summary>
    public Tensor Sigmoid() => Map(UnaryOp.Sigmoid, 0);

    /// <summary>tanh elementwise.</summary>
    public Tensor Tanh() => Map(UnaryOp.Tanh, 0);

    /// <summary>max(x, 0) elementwise.</summary>
    public Tensor Relu() => Map(UnaryOp.Relu, 0);

    /// <summary>x for x &gt; 0, αx otherwise.</summary>
    public Tensor LeakyRelu(double alpha) => Map(UnaryOp.LeakyRelu, alpha);

    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    public Tensor Elu(double alpha) => Map(UnaryOp.Elu, alpha);

    /// <summary>|x| elementwise.</summary>
    public Tensor Abs() => Map(UnaryOp.Abs, 0);

    /// <summary>x² elementwise.</summary>
    public Tensor Square() => Map(UnaryOp.Square, 0);

    /// <summary>√x elementwise.</summary>
    public Tensor Sqrt() => Map(UnaryOp.Sqrt, 0);

    /// <summary>ln(1 + eˣ) elementwise, stable for large |x|.</summary>
    public Tensor Softplus() => Map(UnaryOp.Softplus, 0);

    /// <summary>sign x elementwise: −1, 0 or 1 (exact; its gradient is 0).</summary>
    public Tensor Sign() => Map(UnaryOp.Sign, 0);

    /// <summary>ln(1 + x) elementwise, accurate for small x.</summary>
    public Tensor Log1P() => Map(UnaryOp.Log1P, 0);

    /// <summary>eˣ − 1 elementwise, accurate for small x.</summary>
    public Tensor Expm1() => Map(UnaryOp.Expm1, 0);

    /// <summary>
    /// The elementwise operation <paramref name="op"/> (α used by LeakyReLU and ELU): every <see cref="UnaryOp"/> is
    /// reachable through this one entry, declared in one place (<see cref="Primitive.Of(UnaryOp)"/>).
    /// </summary>
    public Tensor Map(UnaryOp op, double alpha = 0)
    {
        RequireFloat(Primitive.Of(op).Name, this);
        return Backend.Unary(op, this, alpha);
    }

    /// <summary>The elementwise binary operation <paramref name="op"/> of this tensor and <paramref name="other"/>, with broadcasting.</summary>
    public Tensor Map(BinaryOp op, Tensor other) => Binary(op, Primitive.Of(op).Name.ToLowerInvariant(), this, other);

    /// <summary>max(a, b) elementwise with broadcasting; ties share the gradient half and half (<c>torch.maximum</c>).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(BinaryOp.Maximum, "maximum", a, b);

    /// <summary>min(a, b) elementwise with broadcasting; ties share the gradient half and half (<c>torch.minimum</c>).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(BinaryOp.Minimum, "minimum", a, b);

    /// <summary>max(x, c) elementwise for a scalar c (a tie is a kink).</summary>
    public Tensor Maximum(double c) => Binary(BinaryOp.Maximum, "maximum", this, Scalar(c));

    /// <summary>min(x, c) elementwise for a scalar c (a tie is a kink).</summary>
    public Tensor Minimum(double c) => Binary(BinaryOp.Minimum, "minimum", this, Scalar(c));

    /// <summary>aᵇ elementwise with broadcasting (<c>torch.pow</c>).</summary>
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, "pow", this, exponent);

    /// <summary>xᵖ elementwise for a scalar exponent p.</summary>
    public Tensor Pow(double exponent) => Binary(BinaryOp.Pow, "pow", this, Scalar(exponent));

    /// <summary>A scalar tensor of this tensor's backend, for an operand that broadcasts.</summary>
    private Tensor Scalar(double value) => Backend.FromArray([value], Shape.Scalar);

    private static Tensor Affine(Tensor a, double scale, double shift)
    {
        RequireFloat("affine", a);
        return a.Backend.Affine(a, scale, shift);
    }

    /// <summary>softmax along <paramref name="axis"/> (default: last).</summary>
    public Tensor Softmax(int axis = -1)
    {
        RequireFloat("softmax", this);
        return Backend.Softmax(this, Shape.NormalizeAxis(axis));
    }

    /// <summary>log-softmax along <paramref name="axis"/> (default: last), stable by the log-sum-exp shift.</summary>
    public Tensor LogSoftmax(int axis = -1)
    {
        RequireFloat("log_softmax", this);
        return Backend.LogSoftmax(this, Shape.NormalizeAxis(axis));
    }

    private int[] NormalizeAxes(int[] axes, string op)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var shape = Shape;
        var normalized = axes.Select(a => shape.NormalizeAxis(a)).Distinct().Order().ToArray();
        if (normalized.Length != axes.Length)
        {
            throw new ArgumentException($"{op}: repeated axis in [{string.Join(", ", axes)}] for shape {Shape}", nameof(axes));
        }

        return normalized;
    }

    private static Tensor Binary(BinaryOp op, string name, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        RequireSameBackend(name, a, b);
        RequireFloat(name, a);
        RequireFloat(name, b);
        var shape = Shape.TryBroadcast(a.Shape, b.Shape)
            ?? throw new ShapeMismatchException($"{name}: shapes {a.Shape} and {b.Shape} do not broadcast");
        return a.Backend.Binary(op, a, b, shape);
    }
}
