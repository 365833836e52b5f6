namespace Functional.Nets.Reference;

/// <summary>
/// The Reference backend: float64 on the CPU, readable rather than fast. Every primitive computes
/// its forward pass here and, while <see cref="ValueAndGrad"/> records, appends a node to a tape
/// together with its hand-written vector-Jacobian product (see the classes in Primitives/, each with
/// its formula). Matrix products go to MathNet.Numerics.
/// </summary>
public sealed partial class ReferenceBackend : Backend
{
    private ReferenceBackend()
    {
    }

    /// <summary>The one instance (the backend has no configuration).</summary>
    public static ReferenceBackend Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "reference";

    /// <inheritdoc />
    public override DType DType => DType.Float64;

    /// <inheritdoc />
    public override string Device => "cpu";

    /// <inheritdoc />
    public override Tensor FromArray(ReadOnlySpan<double> values, Shape shape)
    {
        if (values.Length != shape.Size)
        {
            throw new ShapeMismatchException($"FromArray: {values.Length} values do not fill shape {shape} ({shape.Size} elements)");
        }

        return new Tensor(this, shape, new ReferenceData(values.ToArray()));
    }

    /// <inheritdoc />
    public override double[] ToArray(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Payload is ReferenceIndexData indices
            ? Array.ConvertAll(indices.Values, v => (double)v)
            : (double[])Data(tensor).Values.Clone();
    }

    /// <inheritdoc />
    public override void CopyTo(Tensor tensor, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Payload is ReferenceIndexData)
        {
            ToArray(tensor).CopyTo(destination);
            return;
        }

        Data(tensor).Values.CopyTo(destination);
    }

    /// <inheritdoc />
    public override Tensor Unary(UnaryOp op, Tensor a, double alpha)
    {
        var x = Data(a).Values;
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = Elementwise.Forward(op, x[i], alpha);
        }

        return Record(a.Shape, y, [a], g =>
        {
            var gx = new double[g.Length];
            for (var i = 0; i < g.Length; i++)
            {
                gx[i] = g[i] * Elementwise.Derivative(op, x[i], y[i], alpha);
            }

            return [gx];
        }, Primitive.Of(op).Name);
    }

    /// <inheritdoc />
    public override Tensor Binary(BinaryOp op, Tensor a, Tensor b, Shape resultShape)
    {
        var x = Data(a).Values;
        var z = Data(b).Values;
        var mapA = Broadcast.IndexMap(a.Shape, resultShape);
        var mapB = Broadcast.IndexMap(b.Shape, resultShape);
        var y = Arithmetic.Forward(op, x, mapA, z, mapB, checked((int)resultShape.Size));
        return Record(resultShape, y, [a, b], g => Arithmetic.Vjp(op, g, x, mapA, z, mapB), Primitive.Of(op).Name);
    }

    /// <summary>y = s·a + c; VJP ā = s·ȳ.</summary>
    public override Tensor Affine(Tensor a, double scale, double shift)
    {
        var x = Data(a).Values;
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = scale * x[i] + shift;
        }

        return Record(a.Shape, y, [a], g =>
        {
            var gx = new double[g.Length];
            for (var i = 0; i < g.Length; i++)
            {
                gx[i] = scale * g[i];
            }

            return [gx];
        }, Primitive.Affine.Name);
    }

    /// <summary>
    /// Y_b = A_b·B_b for every batch index b of the broadcast batch axes, each product on MathNet; VJP per batch
    /// Ā_b = Ȳ_b·B_bᵀ, B̄_b = A_bᵀ·Ȳ_b, summed into the operand's batch entry where the operand was broadcast.
    /// </summary>
    public override Tensor MatMul(Tensor a, Tensor b, Shape resultShape)
    {
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        var x = Data(a).Values;
        var z = Data(b).Values;
        if (a.Shape.Rank == 2 && b.Shape.Rank == 2)
        {
            return Record(resultShape, Reference.MatMul.Forward(x, z, m, k, n), [a, b], g => Reference.MatMul.Vjp(g, x, z, m, k, n), Primitive.MatMul.Name);
        }

        var batch = new Shape([.. resultShape.Dims[..^2]]);
        var mapA = Broadcast.IndexMap(new Shape([.. a.Shape.Dims[..^2]]), batch);
        var mapB = Broadcast.IndexMap(new Shape([.. b.Shape.Dims[..^2]]), batch);
        var count = checked((int)batch.Size);
        var y = new double[checked((int)resultShape.Size)];
        for (var i = 0; i < count; i++)
        {
            var c = Reference.MatMul.Forward(Block(x, mapA?[i] ?? i, m * k), Block(z, mapB?[i] ?? i, k * n), m, k, n);
            Array.Copy(c, 0, y, i * m * n, m * n);
        }

        return Record(resultShape, y, [a, b], g =>
        {
            var ga = new double[x.Length];
            var gb = new double[z.Length];
            for (var i = 0; i < count; i++)
            {
                int ia = mapA?[i] ?? i, ib = mapB?[i] ?? i;
                var parts = Reference.MatMul.Vjp(Block(g, i, m * n), Block(x, ia, m * k), Block(z, ib, k * n), m, k, n);
                AddInto(ga, ia * m * k, parts[0]!);
                AddInto(gb, ib * k * n, parts[1]!);
            }

            return [ga, gb];
        }, Primitive.MatMul.Name);
    }

    private static double[] Block(double[] values, int index, int size) => values.AsSpan(index * size, size).ToArray();

    private static void AddInto(double[] target, int offset, double[] values)
    {
        for (var j = 0; j < values.Length; j++)
        {
            target[offset + j] += values[j];
        }
    }

    /// <summary>Y = X·Wᵀ + b in one node; VJP X̄ = Ȳ·W, W̄ = Ȳᵀ·X, b̄ = Σᵢ Ȳᵢ (see <see cref="Reference.Linear"/>).</summary>
    public override Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        int m = input.Shape[0], k = input.Shape[1], n = weight.Shape[0];
        var x = Data(input).Values;
        var w = Data(weight).Values;
        var b = bias is null ? null : Data(bias).Values;
        var y = Reference.Linear.Forward(x, w, b, m, k, n);
        Tensor[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        return Record(new Shape(m, n), y, inputs, g => Reference.Linear.Vjp(g, x, w, bias is not null, m, k, n), Primitive.Linear.Name);
    }

    /// <inheritdoc />
    public override Tensor Transpose(Tensor a)
    {
        int rows = a.Shape[0], cols = a.Shape[1];
        var y = Layout.Transpose(Data(a).Values, rows, cols);
        return Record(new Shape(cols, rows), y, [a], g => [Layout.Transpose(g, cols, rows)], Primitive.Transpose.Name);
    }

    /// <summary>yᵢ = a[indicesᵢ] row by row; VJP: ā[indicesᵢ] += ȳᵢ (a scatter-add, so repeated rows sum).</summary>
    public override Tensor Gather(Tensor a, int[] indices)
    {
        var x = Data(a).Values;
        var rowSize = 1;
        for (var d = 1; d < a.Shape.Rank; d++)
        {
            rowSize *= a.Shape.Dims[d];
        }

        var dims = a.Shape.ToArray();
        dims[0] = indices.Length;
        var y = new double[indices.Length * rowSize];
        for (var i = 0; i < indices.Length; i++)
        {
            Array.Copy(x, indices[i] * rowSize, y, i * rowSize, rowSize);
        }

        return Record(new Shape(dims), y, [a], g =>
        {
            var gx = new double[x.Length];
            for (var i = 0; i < indices.Length; i++)
            {
                for (var j = 0; j < rowSize; j++)
                {
                    gx[indices[i] * rowSize + j] += g[i * rowSize + j];
                }
            }

            return [gx];
        }, Primitive.Gather.Name);
    }

    /// <inheritdoc />
    public override Tensor Reshape(Tensor a, Shape shape) =>
        a.Payload is ReferenceIndexData indices
            ? new Tensor(this, shape, indices, DType.Int64)
            : Record(shape, Data(a).Values, [a], g => [(double[])g.Clone()], Primitive.Reshape.Name);

    /// <inheritdoc />
    public override Tensor Sum(Tensor a, int[] axes, bool keepDims)
    {
        var dims = a.Shape.Dims;
        var outDims = keepDims
            ? dims.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray()
            : dims.Where((_, i) => !axes.Contains(i)).ToArray();
        var shape = new Shape(outDims);
        var map = Reduction.SumMap(a.Shape, axes);
        var y = Reduction.Sum(Data(a).Values, map, checked((int)shape.Size));
        return Record(shape, y, [a], g => [Reduction.SumVjp(g, map)], Primitive.Sum.Name);
    }

    /// <inheritdoc />
    public override Tensor Softmax(Tensor a, int axis)
    {
        var (outer, n, inner) = SoftmaxPrimitives.Split(a.Shape, axis);
        var y = SoftmaxPrimitives.Softmax(Data(a).Values, outer, n, inner, log: false);
        return Record(a.Shape, y, [a], g => [SoftmaxPrimitives.SoftmaxVjp(g, y, outer, n, inner)], Primitive.Softmax.Name);
    }

    /// <inheritdoc />
    public override Tensor LogSoftmax(Tensor a, int axis)
    {
        var (outer, n, inner) = SoftmaxPrimitives.Split(a.Shape, axis);
        var y = SoftmaxPrimitives.Softmax(Data(a).Values, outer, n, inner, log: true);
        return Record(a.Shape, y, [a], g => [SoftmaxPrimitives.LogSoftmaxVjp(g, y, outer, n, inner)], Primitive.LogSoftmax.Name);
    }

    /// <summary>
    /// Eigendecomposition of a symmetric matrix by MathNet.Numerics (<c>Evd</c> with <c>Symmetricity.Symmetric</c>:
    /// Householder tridiagonalization and the implicit QL algorithm), sorted into ascending eigenvalues.
    /// Not recorded on the tape: the results are constants, as the contract says.
    /// </summary>
    public override (Tensor Eigenvalues, Tensor Eigenvectors) SymmetricEigen(Tensor symmetric)
    {
        var n = symmetric.Shape[0];

        // The row-major array read column-major is Aᵀ, which is A for a symmetric matrix: no transpose needed.
        var evd = new MathNet.Numerics.LinearAlgebra.Double.DenseMatrix(n, n, (double[])Data(symmetric).Values.Clone())
            .Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var lambda = evd.EigenValues.Select(v => v.Real).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(i => lambda[i]).ToArray();
        var vectors = evd.EigenVectors;
        var values = new double[n];
        var u = new double[n * n];
        for (var c = 0; c < n; c++)
        {
            values[c] = lambda[order[c]];
            for (var r = 0; r < n; r++)
            {
                u[r * n + c] = vectors[r, order[c]];
            }
        }

        return (new Tensor(this, new Shape(n), new ReferenceData(values)), new Tensor(this, new Shape(n, n), new ReferenceData(u)));
    }

    /// <summary>
    /// Records every primitive <paramref name="f"/> runs on a fresh tape, then walks the tape
    /// backwards from the scalar result, applying each node's VJP (reverse-mode chain rule).
    /// </summary>
    public override (Tensor Value, TensorTree Aux, TensorTree Gradients) ValueAndGrad(
        Func<TensorTree, (Tensor Value, TensorTree Aux)> f, TensorTree parameters)
    {
        var tape = new Tape();
        var leafNodes = new List<Node>(parameters.Count);
        var tracked = parameters.Map(t =>
        {
            var node = tape.Leaf(checked((int)t.Size));
            leafNodes.Add(node);
            return new Tensor(this, t.Shape, new ReferenceData(Data(t).Values, node));
        });

        var (value, aux) = f(tracked);
        var valueData = Data(value);
        double[][] grads;
        if (valueData.Node is { } output && ReferenceEquals(output.Tape, tape))
        {
            grads = tape.Backward(output, leafNodes);
        }
        else
        {
            // f did not depend on the parameters: every gradient is zero.
            grads = leafNodes.Select(l => new double[l.Size]).ToArray();
        }

        var i = 0;
        var gradTree = parameters.Map(t => new Tensor(this, t.Shape, new ReferenceData(grads[i++])));
        return (Detach(value), aux.Map(Detach), gradTree);
    }

    /// <summary>The same values with no tape node: a constant to any later differentiation.</summary>
    private Tensor Detach(Tensor t) => new(this, t.Shape, new ReferenceData(Data(t).Values));

    private static ReferenceData Data(Tensor t) =>
        t.Payload as ReferenceData
        ?? (t.Payload is ReferenceIndexData
            ? throw new ArgumentException($"the Reference backend needs a float tensor here but was handed an int64 index tensor of shape {t.Shape}")
            : throw new BackendMismatchException($"the Reference backend was handed a tensor of {t.Backend}; move it with ToBackend(...) first"));

    /// <summary>
    /// Wraps a result; if an input is on a tape, appends a node carrying the VJP and the primitive's
    /// name (<paramref name="label"/>, shown by traces with its formulas from the core's <see cref="Primitive"/> declaration).
    /// </summary>
    private Tensor Record(Shape shape, double[] values, Tensor[] inputs, Func<double[], double[]?[]> vjp, string? label = null)
    {
        Tape? tape = null;
        var parents = new Node?[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var node = Data(inputs[i]).Node;
            if (node is null)
            {
                continue;
            }

            if (tape is not null && !ReferenceEquals(tape, node.Tape))
            {
                throw new NotSupportedException("the Reference backend does not differentiate through nested ValueAndGrad calls (higher-order gradients)");
            }

            tape = node.Tape;
            parents[i] = node;
        }

        if (tape is null)
        {
            return new Tensor(this, shape, new ReferenceData(values));
        }

        var result = tape.Add(values.Length, parents, vjp, label);
        tape.Recorder?.Recorded(result, shape, values);
        return new Tensor(this, shape, new ReferenceData(values, result));
    }
}
