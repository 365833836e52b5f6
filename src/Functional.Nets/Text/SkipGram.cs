namespace Functional.Nets;

/// <summary>
/// Word2vec's skip-gram with negative sampling (Mikolov et al. 2013) as a model and an objective: two tables of
/// <see cref="Dimension"/>-vectors over the vocabulary, the input vectors x_u (<c>input.weight</c>, the centre words)
/// and the output vectors x′_w (<c>output.weight</c>, context and noise words). For a triple (centre u, context w, noise
/// v₁…v_k) the objective is the lecture's negative-sampling term, negated for minimization:
/// ℓ = −ln σ⟨x′_w, x_u⟩ − Σᵢ ln σ(−⟨x′_vᵢ, x_u⟩) = softplus(−⟨x′_w, x_u⟩) + Σᵢ softplus(⟨x′_vᵢ, x_u⟩),
/// summed over the batch (so the learning rate is word2vec's per-pair rate). Initialization as word2vec: input vectors
/// U(−0.5/D, 0.5/D), output vectors zero.
/// </summary>
/// <remarks>
/// <see cref="Loss"/> is the objective of the tables (its gradient is dense: for checks and small corpora, on any
/// backend); <see cref="Step"/> trains on the rows a batch touches only (<see cref="RowSelection"/>,
/// <see cref="SparseSgd"/>), which is what makes a 100-dimensional table of tens of thousands of words cheap per step.
/// </remarks>
public sealed class SkipGram
{
    /// <summary>The input table's leaf name.</summary>
    public const string Input = "input.weight";

    /// <summary>The output table's leaf name.</summary>
    public const string Output = "output.weight";

    /// <summary>Creates the model.</summary>
    public SkipGram(int vocabulary, int dimension = 100)
    {
        if (vocabulary < 2 || dimension < 1)
        {
            throw new ArgumentOutOfRangeException(
                vocabulary < 2 ? nameof(vocabulary) : nameof(dimension),
                $"SkipGram({vocabulary}, {dimension}): needs at least two words and a positive dimension");
        }

        _ = checked((long)vocabulary * dimension);
        Vocabulary = vocabulary;
        Dimension = dimension;
    }

    /// <summary>Words in each table.</summary>
    public int Vocabulary { get; }

    /// <summary>Entries per vector.</summary>
    public int Dimension { get; }

    /// <summary>word2vec's learning rate: α₀·max(1 − progress, 10⁻⁴), decaying linearly over the whole training.</summary>
    public static double LearningRate(double start, double progress) => start * Math.Max(1 - progress, 1e-4);

    /// <summary>The tables: <c>input.weight</c> U(−0.5/D, 0.5/D) and <c>output.weight</c> zeros, each [V, D].</summary>
    public TensorTree Init(Key key, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var input = new Embedding(Vocabulary, Dimension, weightInit: Initializer.Uniform(-0.5 / Dimension, 0.5 / Dimension)).Init(key, backend)["weight"];
        var output = backend.Zeros(new Shape(Vocabulary, Dimension));
        return TensorTree.Of((Input, input), (Output, output));
    }

    /// <summary>
    /// The objective of a batch given its centre vectors <paramref name="centres"/> [B, D] and its output vectors
    /// <paramref name="outputs"/> [B, 1 + k, D] (the context word's, then the noise words'): Σ_b softplus(−s_j·⟨x′_bj, x_b⟩)
    /// with s = (+1, −1, …, −1).
    /// </summary>
    public static Tensor Objective(Tensor centres, Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(centres);
        ArgumentNullException.ThrowIfNull(outputs);
        if (centres.Shape.Rank != 2 || outputs.Shape.Rank != 3 || outputs.Shape[0] != centres.Shape[0] || outputs.Shape[2] != centres.Shape[1] || outputs.Shape[1] < 2)
        {
            throw new ShapeMismatchException($"SkipGram objective: expected centres [B, D] and outputs [B, 1 + k, D] with k ≥ 1, got {centres.Shape} and {outputs.Shape}");
        }

        var k = outputs.Shape[1] - 1;

        // ⟨x′_bj, x_b⟩ [B, 1 + k] as one batched product [B, 1 + k, D]·[B, D, 1]: its backward is two batched products,
        // with no [B, 1 + k, D] intermediate for an elementwise product and its sum's broadcast gradient.
        var scores = outputs.MatMul(centres.Unsqueeze(2)).Reshape(centres.Shape[0], k + 1);
        var signs = centres.Backend.FromArray([-1.0, .. Enumerable.Repeat(1.0, k)], new Shape(1, k + 1));
        return (scores * signs).Softplus().Sum();                                  // −ln σ(z) = softplus(−z)
    }

    /// <summary>The objective of <paramref name="batch"/> as a function of both tables (dense gradients).</summary>
    public Tensor Loss(TensorTree tables, SkipGramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(batch);
        var input = RequireTable(tables, Input);
        var output = RequireTable(tables, Output);
        var backend = input.Backend;
        var (centres, outputs) = Indices(batch, backend);
        return Objective(input.IndexSelect(0, centres), output.IndexSelect(0, outputs));
    }

    /// <summary>
    /// One step of SGD at learning rate <paramref name="rate"/> on the rows <paramref name="batch"/> touches: the
    /// gradients of the gathered vectors (repeats summing into their row; with <paramref name="usesExponent"/> ≠ 0 per
    /// distinct row through <see cref="RowSelection"/>) update both tables through <see cref="SparseSgd"/>,
    /// in place when <paramref name="donate"/> (then use only the returned tables). Returns the new tables and the batch's loss.
    /// </summary>
    /// <remarks>
    /// By default (<paramref name="usesExponent"/> = 0) this is plain SGD on the batch's summed objective: a row used by
    /// n_r triples moves by the sum of their n_r gradients, all taken at the same point, where word2vec moves it n_r times,
    /// each step seeing the last. With <paramref name="usesExponent"/> = a each row's gradient is divided by n_r^a.
    /// Measured here on the whole Brown corpus, one epoch, η₀ = 0.025: summed steps of 512 triples learned structure
    /// (three → four, five, six; tag probe 44.5%, 57.7% after five epochs), while averaged steps (a = 1 at 512 triples,
    /// a = ½ at 1,024) drove the vectors toward one direction (cosine ≈ 1.00 between unrelated words); so the plain sum
    /// over small batches is the default. (Summed steps of 2,048 were only tried on a 4,000-sentence subset, where every
    /// batch size tried, down to 128, still ends one epoch with that common direction.)
    /// </remarks>
    /// <param name="tables">The two tables.</param>
    /// <param name="batch">The triples.</param>
    /// <param name="rate">η.</param>
    /// <param name="donate">Whether the tables may be updated in place.</param>
    /// <param name="usesExponent">a in the division of each row's gradient by n_r^a: 0 (the default) sums them (plain SGD on the batch's summed objective), 1 averages them over the row's uses.</param>
    public (TensorTree Tables, double Loss) Step(TensorTree tables, SkipGramBatch batch, double rate, bool donate = false, double usesExponent = 0)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(batch);
        var input = RequireTable(tables, Input);
        var output = RequireTable(tables, Output);
        var backend = input.Backend;
        var sgd = new SparseSgd(rate);
        Tensor nextIn, nextOut;
        if (usesExponent == 0)
        {
            // Plain SGD on the summed objective: differentiate the gathered vectors themselves ([B, D] and [B, 1 + k, D])
            // and add −η times each one's gradient into its row, repeats summing (RowUpdates' index add); the same
            // update as through the distinct rows (RowSelection), without their second gather and scatter.
            var (centres, outputs) = Indices(batch, backend);
            var (sum, grads) = Grad.ValueAndGrad(
                q => Objective(q["in"], q["out"]),
                TensorTree.Of(("in", input.IndexSelect(0, centres)), ("out", output.IndexSelect(0, outputs))));
            // The gathers above have read these very indices, so they are known to lie in the tables (no second host check).
            var rows = checked(batch.Count * (batch.Negatives + 1));
            var inGradient = new SparseRows(centres, grads["in"], Vocabulary, SparseRows.Checked.InRange);
            var outGradient = new SparseRows(outputs.Reshape(rows), grads["out"].Reshape(rows, Dimension), Vocabulary, SparseRows.Checked.InRange);
            (nextIn, _) = sgd.Step(inGradient, sgd.Init(input), input, donate);
            (nextOut, _) = sgd.Step(outGradient, sgd.Init(output), output, donate);
            return (TensorTree.Of((Input, nextIn), (Output, nextOut)), sum.Item());
        }

        var inRows = RowSelection.Of(batch.Centres, new Shape(batch.Count), Vocabulary, backend);
        var outRows = RowSelection.Of(batch.Outputs, new Shape(batch.Count, batch.Negatives + 1), Vocabulary, backend);
        var (loss, g) = Grad.ValueAndGrad(
            q => Objective(q["in"].IndexSelect(0, inRows.Local), q["out"].IndexSelect(0, outRows.Local)),
            TensorTree.Of(("in", inRows.Gather(input)), ("out", outRows.Gather(output))));
        (nextIn, _) = sgd.Step(inRows.Gradient(g["in"] / Uses(inRows, backend, usesExponent)), sgd.Init(input), input, donate);
        (nextOut, _) = sgd.Step(outRows.Gradient(g["out"] / Uses(outRows, backend, usesExponent)), sgd.Init(output), output, donate);
        return (TensorTree.Of((Input, nextIn), (Output, nextOut)), loss.Item());
    }

    /// <summary>
    /// word2vec's order: the triples of <paramref name="batch"/> one after another, each an SGD step at rate
    /// <paramref name="rate"/> on its own objective at the tables the previous triples left (<see cref="Step"/> takes the
    /// whole batch's gradients at one point instead). In place when <paramref name="donate"/> (then use only the returned
    /// tables). Returns the new tables and the sum of the triples' objectives, each at the tables it stepped from.
    /// </summary>
    /// <remarks>
    /// A backend with <see cref="IHostMemory"/> for these tables (Torch on the CPU) runs <see cref="SkipGramKernel"/>, the
    /// hand-written loop, on their memory; any other runs the plain path that defines the step: <see cref="Step"/> on a
    /// batch of each triple alone, in order. The tests hold the kernel to that fold of autodiff steps.
    /// </remarks>
    /// <param name="tables">The two tables.</param>
    /// <param name="batch">The triples, in the order they are taken.</param>
    /// <param name="rate">η.</param>
    /// <param name="donate">Whether the tables may be updated in place.</param>
    public (TensorTree Tables, double Loss) SequentialStep(TensorTree tables, SkipGramBatch batch, double rate, bool donate = false)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(batch);
        var input = RequireTable(tables, Input);
        var output = RequireTable(tables, Output);
        if (Capabilities.Of<IHostMemory>(input.Backend) is { } host)
        {
            var (a, b) = donate ? (input, output) : (input.Backend.Affine(input, 1, 0), output.Backend.Affine(output, 1, 0));
            if (TryKernel(host, a, b, batch, rate, out var loss))
            {
                return (TensorTree.Of((Input, a), (Output, b)), loss);
            }

            if (!donate)
            {
                a.Dispose();
                b.Dispose();
            }
        }

        // The plain path: Step on each triple alone. Tables made here are ours, so from the second triple on they are donated.
        var width = batch.Negatives + 1;
        var current = tables;
        var total = 0.0;
        for (var t = 0; t < batch.Count; t++)
        {
            var one = batch with { Centres = batch.Centres[t..(t + 1)], Outputs = batch.Outputs[(t * width)..((t + 1) * width)] };
            var (next, loss) = Step(current, one, rate, donate: donate || t > 0);
            if (t > 0)
            {
                foreach (var (name, old) in current)
                {
                    if (!ReferenceEquals(old, next[name]))
                    {
                        old.Dispose();
                    }
                }
            }

            current = next;
            total += loss;
        }

        return (current, total);
    }

    private bool TryKernel(IHostMemory host, Tensor input, Tensor output, SkipGramBatch batch, double rate, out double loss)
    {
        if (input.DType == DType.Float32 && host.TryGetSpan<float>(input, out var a32) && host.TryGetSpan<float>(output, out var b32))
        {
            loss = SkipGramKernel.Run(a32, b32, Dimension, batch.Centres, batch.Outputs, (float)rate);
            return true;
        }

        if (input.DType == DType.Float64 && host.TryGetSpan<double>(input, out var a64) && host.TryGetSpan<double>(output, out var b64))
        {
            loss = SkipGramKernel.Run(a64, b64, Dimension, batch.Centres, batch.Outputs, rate);
            return true;
        }

        loss = 0;
        return false;
    }

    // n_r^a per gathered row, as a column [u, 1].
    private static Tensor Uses(RowSelection selection, Backend backend, double exponent) =>
        backend.FromArray(selection.Uses.Select(n => Math.Pow(n, exponent)).ToArray(), new Shape(selection.Uses.Count, 1));

    private (Tensor Centres, Tensor Outputs) Indices(SkipGramBatch batch, Backend backend) =>
        (backend.FromIndices(batch.Centres, new Shape(batch.Count)), backend.FromIndices(batch.Outputs, new Shape(batch.Count, batch.Negatives + 1)));

    private Tensor RequireTable(TensorTree tables, string name)
    {
        var t = tables.TryGet(name, out var table)
            ? table
            : throw new ArgumentException($"SkipGram: missing table '{name}'; got {tables.Describe()}");
        return t.Shape == new Shape(Vocabulary, Dimension)
            ? t
            : throw new ShapeMismatchException($"SkipGram({Vocabulary}, {Dimension}): table '{name}' has shape {t.Shape}, expected [{Vocabulary}, {Dimension}]");
    }
}
