using Functional.Nets.Torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (i) What sparse gradients save: one training step of a 100,000 × 100 float32 embedding table on a batch of 4,096
/// indices (objective Σ u ⊙ tanh(table[ids])), sparse (<see cref="RowSelection"/>: the gradient of the touched rows only,
/// then <see cref="SparseSgd"/> / <see cref="SparseAdam"/> updating those rows in place on the donated table) against
/// dense (the gradient of the whole table, then <see cref="Optim.Sgd(double, double, double, double, bool)"/> /
/// <see cref="Optim.Adam(double, double, double, double, double, bool)"/> over it), timed in alternation by
/// <see cref="PairedRuns"/>; the ratio is dense step time / sparse step time.
/// </summary>
public static class SparseEmbeddingBench
{
    /// <summary>Rows of the table.</summary>
    public const int Words = 100_000;

    /// <summary>Entries per row.</summary>
    public const int Dimension = 100;

    /// <summary>Indices per batch.</summary>
    public const int Batch = 4096;

    /// <summary>Measures SGD and Adam, sparse against dense.</summary>
    public static SparseEmbeddingResult Run(BenchSettings settings)
    {
        var backend = TorchBackend.CpuFloat32;
        var batches = Enumerable.Range(0, 8).Select(b =>
        {
            var u = Key.FromSeed(100 + b).Uniform(Batch);
            return u.Select(x => (long)Math.Min(Words - 1, Math.Floor(Math.Pow(x, 3) * Words))).ToArray();   // skewed toward frequent (low) rows
        }).ToArray();
        var cotangent = backend.FromArray(Key.FromSeed(99).Normal(Batch * Dimension), Batch, Dimension);
        var sgd = Pair(backend, batches, cotangent, new SparseSgd(0.1), Optim.Sgd(0.1), settings);
        var adam = Pair(backend, batches, cotangent, new SparseAdam(1e-3), Optim.Adam(1e-3), settings);
        cotangent.Dispose();
        return new SparseEmbeddingResult(sgd.Ratio, adam.Ratio, sgd.Ours, sgd.Theirs, adam.Ours, adam.Theirs, batches.Average(b => b.Distinct().Count()));
    }

    private static (Spread Ours, Spread Theirs, Spread Ratio) Pair(TorchBackend backend, long[][] batches, Tensor u, SparseOptimizer sparse, Optimizer dense, BenchSettings settings)
    {
        var init = Key.FromSeed(1).Normal(Words * Dimension);
        var sparseTable = backend.FromArray(init, Words, Dimension);
        var sparseState = sparse.Init(sparseTable);
        var denseParameters = TensorTree.Of(("weight", backend.FromArray(init, Words, Dimension)));
        var denseState = dense.Init(denseParameters);
        long i = 0, j = 0;

        void SparseStep()
        {
            var ids = batches[i++ % batches.Length];
            using var scope = backend.Scope();
            var selection = RowSelection.Of(ids, new Shape(ids.Length), Words, backend);
            var (_, g) = Grad.ValueAndGrad(q => (q["rows"].IndexSelect(0, selection.Local).Tanh() * u).Sum(), TensorTree.Of(("rows", selection.Gather(sparseTable))));
            var (table, state) = sparse.Step(selection.Gradient(g["rows"]), sparseState, sparseTable, donate: true);
            sparseTable = scope.Keep(table);
            var kept = scope.Keep(state);
            Release(sparseState, kept);
            sparseState = kept;
        }

        void DenseStep()
        {
            var ids = backend.FromIndices(batches[j++ % batches.Length], Batch);
            using var scope = backend.Scope();
            var (_, g) = Grad.ValueAndGrad(q => (q["weight"].IndexSelect(0, ids).Tanh() * u).Sum(), denseParameters);
            var (p, state) = dense.Step(g, denseState, denseParameters);
            var keptP = scope.Keep(p);
            var keptS = scope.Keep(state);
            Release(denseParameters, keptP);
            Release(denseState, keptS);
            (denseParameters, denseState) = (keptP, keptS);
            ids.Dispose();
        }

        var rates = PairedRuns.Run(SparseStep, DenseStep, settings.Warmup, Math.Max(5, settings.MlpSteps / 3), settings.Repeats);
        sparseTable.Dispose();
        sparseState.Dispose();
        denseParameters.Dispose();
        denseState.Dispose();
        return rates;
    }

    // Releases the leaves of the old tree that the new one does not share (a donated step returns some of them).
    private static void Release(TensorTree old, TensorTree next)
    {
        foreach (var (_, t) in old)
        {
            if (!next.Values.Any(n => ReferenceEquals(n, t)))
            {
                t.Dispose();
            }
        }
    }
}

/// <summary>What (i) measured.</summary>
/// <param name="SgdRatio">Dense SGD step time / sparse SGD step time, per repeat.</param>
/// <param name="AdamRatio">Dense Adam step time / SparseAdam step time, per repeat.</param>
/// <param name="SparseSgd">Sparse SGD steps per second.</param>
/// <param name="DenseSgd">Dense SGD steps per second.</param>
/// <param name="SparseAdam">SparseAdam steps per second.</param>
/// <param name="DenseAdam">Dense Adam steps per second.</param>
/// <param name="DistinctRows">Distinct rows per batch, on average.</param>
public sealed record SparseEmbeddingResult(Spread SgdRatio, Spread AdamRatio, Spread SparseSgd, Spread DenseSgd, Spread SparseAdam, Spread DenseAdam, double DistinctRows);
