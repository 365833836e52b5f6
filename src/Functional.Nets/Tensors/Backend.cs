namespace Functional.Nets;

/// <summary>
/// A place where tensors live and primitives run: a library (Reference or Torch), an element type
/// and a device. The core checks shapes, dtypes and backends before it calls any of these
/// primitives, so every backend sees only valid input and all backends report errors identically.
/// Primitives carry no autodiff here: differentiation is <see cref="ValueAndGrad"/>'s business,
/// and each backend does it its own way.
/// </summary>
public abstract partial class Backend : IEquatable<Backend>
{
    /// <summary>The library's short name: "reference" or "torch".</summary>
    public abstract string Name { get; }

    /// <summary>The element type of every tensor this backend creates.</summary>
    public abstract DType DType { get; }

    /// <summary>The device: "cpu", "cuda:0", ...</summary>
    public abstract string Device { get; }

    /// <summary>Creates a tensor from row-major values (rounded to <see cref="DType"/>).</summary>
    public abstract Tensor FromArray(ReadOnlySpan<double> values, Shape shape);

    /// <summary>Creates a tensor from row-major values and its dimensions: <c>FromArray([0, 1, 1, 0], 4, 1)</c>.</summary>
    public Tensor FromArray(double[] values, params int[] dims) => FromArray(values, new Shape(dims));

    /// <summary>
    /// A tensor of zeros (an initial recurrent state, an accumulator). The default fills a managed array and calls
    /// <see cref="FromArray(ReadOnlySpan{double}, Shape)"/>; a backend with native storage overrides it to skip that
    /// array, which for an LSTM's states is a large-object-heap allocation per step.
    /// </summary>
    /// <exception cref="OverflowException">The shape has more than <see cref="int.MaxValue"/> elements.</exception>
    public virtual Tensor Zeros(Shape shape) => FromArray(new double[checked((int)shape.Size)], shape);

    /// <summary>Copies a tensor's values out, row-major, widened to double.</summary>
    public abstract double[] ToArray(Tensor tensor);

    /// <summary>
    /// Copies a tensor's values, row-major, widened to double, into <paramref name="destination"/> (at least
    /// <see cref="Tensor.Size"/> long) without allocating an array per call, for writers that stream many tensors
    /// (checkpoints). The default goes through <see cref="ToArray"/>.
    /// </summary>
    public virtual void CopyTo(Tensor tensor, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ToArray(tensor).CopyTo(destination);
    }

    /// <summary>Elementwise <paramref name="op"/> of <paramref name="a"/> (α used by LeakyReLU and ELU).</summary>
    public abstract Tensor Unary(UnaryOp op, Tensor a, double alpha);

    /// <summary>Elementwise <paramref name="op"/> of <paramref name="a"/> and <paramref name="b"/> broadcast to <paramref name="resultShape"/>.</summary>
    public abstract Tensor Binary(BinaryOp op, Tensor a, Tensor b, Shape resultShape);

    /// <summary>y = s·a + c elementwise, for scalars s and c.</summary>
    public abstract Tensor Affine(Tensor a, double scale, double shift);

    /// <summary>
    /// The batched matrix product of <paramref name="a"/> [..., m, k] and <paramref name="b"/> [..., k, n] (rank ≥ 2 each;
    /// the batch axes broadcast by NumPy's rules), as <c>torch.matmul</c> for rank ≥ 2: <paramref name="resultShape"/> is
    /// [broadcast batch..., m, n], computed and checked by the core.
    /// </summary>
    public abstract Tensor MatMul(Tensor a, Tensor b, Shape resultShape);

    /// <summary>
    /// The affine map of a dense layer, y = x·Wᵀ + b, for x [m, k], W [n, k] and b [n] or none (the core has checked the
    /// shapes), as PyTorch's <c>F.linear</c>. One primitive rather than a product, a transpose and a sum, so that a
    /// backend runs it as one kernel (libtorch's addmm) and differentiates it in one node. The default composes
    /// <see cref="MatMul"/>, <see cref="Transpose"/> and <see cref="Binary"/>.
    /// </summary>
    public virtual Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var y = input.MatMul(weight.T);
        return bias is null ? y : y + bias;
    }

    /// <summary>The transpose of a rank-2 tensor.</summary>
    public abstract Tensor Transpose(Tensor a);

    /// <summary>
    /// Rows of <paramref name="a"/> along axis 0 at <paramref name="indices"/> (indices checked by the core, repeats allowed):
    /// yᵢ = a[indicesᵢ]. Used for minibatches and embeddings.
    /// </summary>
    public abstract Tensor Gather(Tensor a, int[] indices);

    /// <summary>The same values, row-major, in <paramref name="shape"/> (same element count).</summary>
    public abstract Tensor Reshape(Tensor a, Shape shape);

    /// <summary>Sum over <paramref name="axes"/> (normalized, ascending, distinct); reduced axes kept as size 1 when <paramref name="keepDims"/>.</summary>
    public abstract Tensor Sum(Tensor a, int[] axes, bool keepDims);

    /// <summary>softmax along <paramref name="axis"/> (normalized): yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m), m = maxⱼ xⱼ.</summary>
    public abstract Tensor Softmax(Tensor a, int axis);

    /// <summary>log-softmax along <paramref name="axis"/> (normalized): yᵢ = xᵢ − m − ln Σⱼ e^(xⱼ − m).</summary>
    public abstract Tensor LogSoftmax(Tensor a, int axis);

    /// <summary>
    /// The eigendecomposition A = U·diag(λ)·Uᵀ of a symmetric [n, n] matrix (the core has checked that it is
    /// square; symmetry is not checked, and a backend may read only one triangle): the eigenvalues λ [n] in
    /// ascending order and the orthonormal eigenvectors as the columns of U [n, n], column i belonging to λᵢ,
    /// each column's sign as the library returns it. Not differentiated: both results are constants to
    /// <see cref="ValueAndGrad"/> (no gradient flows through them). Used to fit PCA and ZCA whitening.
    /// </summary>
    public abstract (Tensor Eigenvalues, Tensor Eigenvectors) SymmetricEigen(Tensor symmetric);

    /// <summary>
    /// Batch normalization with batch statistics (training mode), fused so that a backend may give it one
    /// derivative. <paramref name="x"/> has shape [N, C, *] (rank ≥ 2, channels on axis 1: [N, C], [N, C, L],
    /// [N, C, H, W]); each channel c is normalized over its M = N·(product of the trailing dimensions) entries:
    /// μ_c = Σ x / M, σ²_c = Σ (x − μ_c)² / M (the biased variance), x̂ = (x − μ_c) / √(σ²_c + ε),
    /// y = γ_c·x̂ + β_c. <paramref name="gamma"/> and <paramref name="beta"/> have shape [C]. The core has
    /// checked shapes, backends, M ≥ 1 and ε &gt; 0. Returns y (shape of x), differentiable in x, γ and β, and
    /// μ and σ² (shape [C]), which are constants to <see cref="ValueAndGrad"/>: they feed only the running
    /// averages, which are state, not parameters.
    /// </summary>
    public abstract (Tensor Output, Tensor Mean, Tensor Variance) BatchNormTrain(Tensor x, Tensor gamma, Tensor beta, double epsilon);

    /// <summary>
    /// Evaluates <paramref name="f"/> at <paramref name="parameters"/>, returning its scalar value, its
    /// auxiliary outputs (e.g. a layer's new state; not differentiated, detached from any graph) and the
    /// gradient of the value with respect to every leaf. The core has checked that the tree is non-empty
    /// and lives on this backend, and wraps f so that it throws unless the value is a scalar.
    /// </summary>
    public abstract (Tensor Value, TensorTree Aux, TensorTree Gradients) ValueAndGrad(
        Func<TensorTree, (Tensor Value, TensorTree Aux)> f, TensorTree parameters);

    /// <summary>Whether <paramref name="a"/> (a float tensor) is recorded for differentiation: see <see cref="Tensor.IsRecorded"/>.</summary>
    public abstract bool IsRecorded(Tensor a);

    /// <summary>
    /// Runs a user-defined primitive on <paramref name="inputs"/> (the core has checked arity, backends and that
    /// <paramref name="outputShape"/> is <see cref="CustomOp.OutputShape"/>'s answer). The default runs
    /// <see cref="CustomOp.Compose"/>, differentiated like any composition of core operations, and throws
    /// <see cref="NotSupportedException"/> when the op has none; a backend overrides this to run the op its own
    /// way (the Reference backend records the op's own forward and VJP on its tape).
    /// </summary>
    public virtual Tensor Custom(CustomOp op, IReadOnlyList<Tensor> inputs, Shape outputShape)
    {
        ArgumentNullException.ThrowIfNull(op);
        return op.Compose(inputs)
            ?? throw new NotSupportedException(
                $"custom op '{op.Name}' has no implementation for {this}: give it a compose function written with core tensor operations, or a backend implementation (e.g. WithTorch on the Torch backend)");
    }

    /// <summary>
    /// Gives memory that tensors have released, but the backend's native allocator still holds, back to the operating
    /// system (Torch on Linux: glibc's <c>malloc_trim(0)</c>). <see cref="Trainer.Fit"/> calls it every
    /// <see cref="FitOptions.ReleaseMemoryEvery"/> steps; a hand-written loop may too. The default does nothing
    /// (managed memory is the garbage collector's business).
    /// </summary>
    public virtual void ReleaseFreeMemory()
    {
    }

    /// <summary>Opens a <see cref="TensorScope"/> on the calling thread; the default releases nothing.</summary>
    public virtual TensorScope Scope() => new TensorScope.Managed();

    /// <summary>Releases a tensor's native memory, if it has any. Using the tensor afterwards is an error.</summary>
    public virtual void Release(Tensor tensor)
    {
    }

    /// <summary>Backends are equal when library, dtype and device are.</summary>
    public bool Equals(Backend? other) =>
        other is not null && Name == other.Name && DType == other.DType && Device == other.Device;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Backend);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, DType, Device);

    /// <summary>Formats as <c>torch/float32/cpu</c>.</summary>
    public override string ToString() => $"{Name}/{DType.Name()}/{Device}";
}
