namespace Functional.Nets;

/// <summary>
/// A lookup table of <see cref="Count"/> vectors of <see cref="Dimension"/> entries, as PyTorch's <c>nn.Embedding</c>:
/// int64 indices of any shape [*] give the rows y[*, :] = weight[index[*], :], shape [*, Dimension]. The parameter is
/// <c>weight</c> [Count, Dimension], drawn from N(0, 1) by default as PyTorch does. The gradient of the table
/// scatter-adds the output's cotangent into the rows used, so a repeated index accumulates.
/// </summary>
/// <remarks>
/// <para><b>Padding index.</b> As <c>padding_idx</c>: its row is zero at <see cref="Init"/> and receives no gradient
/// (the lookups at that index are constants), but it is looked up like any other row, so a loaded non-zero row is
/// returned as it is. The mask comes from the indices on the host, so a padding index costs one copy of the indices
/// per call.</para>
/// <para><b>Max-norm.</b> PyTorch's <c>max_norm</c> rescales, in place and without gradient, every referenced row whose
/// Euclidean norm exceeds it by max_norm / (norm + 1e-7) before the lookup, so the table itself changes. Ours is pure:
/// the <em>output</em> rows are rescaled by that same factor, y = r + stop_gradient(s·r − r) with
/// s = max_norm / (‖r‖ + 1e-7) where ‖r‖ &gt; max_norm and 1 elsewhere, so the output and the table's gradient (which,
/// as PyTorch's, flows straight through the rescaling) equal PyTorch's for one forward and backward; the parameters are
/// never changed, so an optimizer keeps updating the unscaled rows (PyTorch's next step starts from the rescaled ones).</para>
/// <para><b>Frozen.</b> A frozen table (<see cref="FromPretrained"/> with <c>freeze: true</c>, as
/// <c>nn.Embedding.from_pretrained</c>) is a constant of <see cref="Apply(TensorTree, TensorTree, Tensor, Context)"/>: its
/// gradient is zero. To skip differentiating it altogether, freeze the leaf in training (<see cref="TrainPart.Frozen"/>).</para>
/// <para><b>Bad input.</b> Float input, and an index outside [0, Count), are rejected before dispatch with the layer and
/// the offending value named, identically on every backend.</para>
/// </remarks>
public sealed class Embedding : Layer
{
    /// <summary>PyTorch's <c>embedding_renorm_</c> adds this to the norm before dividing.</summary>
    public const double MaxNormEpsilon = 1e-7;

    /// <summary>Creates the layer.</summary>
    /// <param name="count">Rows of the table (PyTorch's <c>num_embeddings</c>, &gt; 0).</param>
    /// <param name="dimension">Entries per row (<c>embedding_dim</c>, &gt; 0).</param>
    /// <param name="paddingIndex">The row that gets no gradient and starts at zero; negative counts from the end, as PyTorch.</param>
    /// <param name="maxNorm">Rows of larger Euclidean norm are rescaled to it in the output (see the remarks).</param>
    /// <param name="frozen">Whether the table is a constant (no gradient).</param>
    /// <param name="weightInit">Initializer of the table (default N(0, 1), PyTorch's).</param>
    public Embedding(int count, int dimension, int? paddingIndex = null, double? maxNorm = null, bool frozen = false, Initializer? weightInit = null)
    {
        if (count <= 0 || dimension <= 0)
        {
            throw new ArgumentOutOfRangeException(
                count <= 0 ? nameof(count) : nameof(dimension),
                $"Embedding({count}, {dimension}): the number of rows and their dimension must be positive");
        }

        if (paddingIndex is { } pad && (pad < -count || pad >= count))
        {
            throw new ArgumentOutOfRangeException(nameof(paddingIndex), $"Embedding({count}, {dimension}): padding index {pad} is outside [-{count}, {count})");
        }

        if (maxNorm is { } m && !(m > 0 && double.IsFinite(m)))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"Embedding({count}, {dimension}): max-norm must be positive and finite, got {m}");
        }

        _ = checked((long)count * dimension);
        Count = count;
        Dimension = dimension;
        PaddingIndex = paddingIndex is { } p && p < 0 ? p + count : paddingIndex;
        MaxNorm = maxNorm;
        Frozen = frozen;
        WeightInit = weightInit ?? Initializer.Normal(0, 1);
    }

    /// <summary>Rows of the table.</summary>
    public int Count { get; }

    /// <summary>Entries per row.</summary>
    public int Dimension { get; }

    /// <summary>The padding row in [0, Count), or null.</summary>
    public int? PaddingIndex { get; }

    /// <summary>The largest output row norm, or null for none.</summary>
    public double? MaxNorm { get; }

    /// <summary>Whether the table is a constant of <see cref="Apply(TensorTree, TensorTree, Tensor, Context)"/>.</summary>
    public bool Frozen { get; }

    /// <summary>The table's initializer.</summary>
    public Initializer WeightInit { get; }

    /// <inheritdoc />
    public override long ParameterCount => (long)Count * Dimension;

    /// <inheritdoc />
    public override string Describe()
    {
        var extras = (PaddingIndex is { } p ? $", padding={p}" : "") + (MaxNorm is { } m ? $", maxNorm={m:G}" : "") + (Frozen ? ", frozen" : "");
        return $"Embedding({Count}, {Dimension}{extras})";
    }

    /// <summary>
    /// A layer over <paramref name="vectors"/> [count, dimension] and its parameter tree, whose leaf <c>weight</c> is
    /// <paramref name="vectors"/> itself (not a copy); frozen by default, as <c>nn.Embedding.from_pretrained</c>. The vectors
    /// are used as given (a padding row is not zeroed).
    /// </summary>
    public static (Embedding Layer, TensorTree Parameters) FromPretrained(Tensor vectors, bool freeze = true, int? paddingIndex = null, double? maxNorm = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Shape.Rank != 2 || vectors.IsIndex)
        {
            throw new ShapeMismatchException($"Embedding.FromPretrained: expected float vectors [count, dimension], got a {vectors.DType.Name()} tensor of shape {vectors.Shape}");
        }

        var layer = new Embedding(vectors.Shape[0], vectors.Shape[1], paddingIndex, maxNorm, freeze);
        return (layer, TensorTree.Of(("weight", vectors)));
    }

    /// <inheritdoc />
    public override Shape OutputShape(Shape input) => new([.. input.Dims, Dimension]);

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var values = WeightInit.Sample(key, new Shape(Count, Dimension), Dimension, Count);
        if (PaddingIndex is { } pad)
        {
            Array.Clear(values, pad * Dimension, Dimension);   // nn.Embedding's reset_parameters zeroes the padding row
        }

        return TensorTree.Of(("weight", backend.FromArray(values, new Shape(Count, Dimension))));
    }

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(input);
        var w = Leaf(parameters, "weight");
        if (w.Shape != new Shape(Count, Dimension))
        {
            throw new ShapeMismatchException($"{Describe()}: parameter 'weight' has shape {w.Shape}, expected [{Count}, {Dimension}]");
        }

        RequireIndices(input);
        var table = Frozen ? w.StopGradient() : w;
        var rows = table.IndexSelect(0, input);
        if (MaxNorm is { } maxNorm)
        {
            // s = max_norm / (‖r‖ + 1e-7) where ‖r‖ > max_norm, else 1; y = r + stop_gradient(s·r − r) (straight through, as PyTorch's in-place renorm).
            var constant = rows.StopGradient();
            var norm = constant.Square().Sum([-1], keepDims: true).Sqrt();
            var ones = norm * 0.0 + 1.0;
            var scale = Tensor.Where(norm.Greater(maxNorm), ones * maxNorm / (norm + MaxNormEpsilon), ones);
            rows = rows + (constant * scale - constant);
        }

        if (PaddingIndex is { } pad)
        {
            // Lookups at the padding index are constants: y = m ? r : stop_gradient(r), m = [index ≠ padding].
            var ids = input.ToIndexArray();
            var keep = new double[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                keep[i] = ids[i] == pad ? 0 : 1;
            }

            var mask = w.Backend.FromArray(keep, new Shape([.. input.Shape.Dims, 1]));
            rows = Tensor.Where(mask, rows, rows.StopGradient());
        }

        return (rows, state);
    }

    /// <summary>
    /// Throws unless <paramref name="indices"/> is an int64 tensor with every entry in [0, <see cref="Count"/>), naming the
    /// layer and the first offending value. Checked here, before any backend runs, so every backend says the same.
    /// </summary>
    public void RequireIndices(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (!indices.IsIndex)
        {
            throw new ArgumentException(
                $"{Describe()}: the input must be an int64 index tensor (backend.FromIndices), got a {indices.DType.Name()} tensor of shape {indices.Shape}",
                nameof(indices));
        }

        if (indices.Size == 0)
        {
            return;
        }

        var (min, max) = indices.Backend.IndexBounds(indices);
        if (min >= 0 && max < Count)
        {
            return;
        }

        var values = indices.ToIndexArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < 0 || values[i] >= Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), $"{Describe()}: index {values[i]} at flat position {i} of the input {indices.Shape} is outside the table's rows [0, {Count})");
            }
        }
    }
}
