using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Layers;

/// <summary>A generated embedding case: the table, the indices' shape (rank 0–3, with repeats) and the seed of every value.</summary>
/// <param name="Count">Rows (1–9).</param>
/// <param name="Dimension">Entries per row (1–6).</param>
/// <param name="IndexShape">The indices' shape.</param>
/// <param name="Padding">The padding row, or null.</param>
/// <param name="MaxNorm">The max-norm, or null.</param>
/// <param name="Seed">Seed of the table, the indices and the cotangent.</param>
public sealed record EmbeddingCase(int Count, int Dimension, int[] IndexShape, int? Padding, double? MaxNorm, int Seed)
{
    /// <summary>
    /// Cases with and without padding and max-norm; few rows, so indices repeat. Max-norms are multiples of 1/8 in
    /// [0.625, 3.75] (below and above the norms of N(0, 1) rows of 1–6 entries): TorchSharp passes max_norm to libtorch as a
    /// float32 (measured: 2.2 gave outputs 2.17e-8 apart, (2.2f − 2.2)/2.2), so the peer needs values float32 holds exactly.
    /// </summary>
    public static Arbitrary<EmbeddingCase> Arbitrary(bool padding, bool maxNorm) => Arb.From(
        from count in Gen.Choose(1, 9)
        from dimension in Gen.Choose(1, 6)
        from rank in Gen.Choose(0, 3)
        from dims in Gen.ArrayOf(Gen.Choose(1, 4), rank)
        from pad in Gen.Choose(0, count - 1)
        from norm in Gen.Choose(5, 30)
        from seed in Gen.Choose(0, int.MaxValue)
        select new EmbeddingCase(count, dimension, dims, padding ? pad : null, maxNorm ? norm / 8.0 : null, seed));

    /// <summary>The layer.</summary>
    public Embedding Layer => new(Count, Dimension, Padding, MaxNorm);

    /// <summary>The table: N(0, 1) entries, the padding row included (so its missing gradient is not a zero row's).</summary>
    public double[] Table => Key.FromSeed(Seed).Normal(Count * Dimension);

    /// <summary>Indices in [0, Count), the padding row guaranteed present when there is one and room for it.</summary>
    public long[] Indices
    {
        get
        {
            var size = IndexShape.Aggregate(1, (a, b) => a * b);
            var u = Key.FromSeed(Seed + 1L).Uniform(size);
            var ids = u.Select(v => (long)Math.Min(Count - 1, Math.Floor(v * Count))).ToArray();
            if (Padding is { } pad && size > 1)
            {
                ids[0] = pad;
            }

            return ids;
        }
    }

    /// <summary>The cotangent u of the objective Σ u ⊙ y.</summary>
    public double[] Cotangent => Key.FromSeed(Seed + 2L).Normal(Indices.Length * Dimension);

    /// <summary>The output shape.</summary>
    public Shape OutputShape => new([.. IndexShape, Dimension]);

    /// <summary>Σ u ⊙ Embedding(weight)[indices] on <paramref name="backend"/>, a function of the tree {weight}.</summary>
    public Func<TensorTree, Tensor> Objective(Backend backend)
    {
        var ids = backend.FromIndices(Indices, new Shape(IndexShape));
        var u = backend.FromArray(Cotangent, OutputShape);
        return p => (Layer.Apply(p, ids) * u).Sum();
    }

    /// <summary>The tree {weight} on <paramref name="backend"/>.</summary>
    public TensorTree Weight(Backend backend) => TensorTree.Of(("weight", backend.FromArray(Table, new Shape(Count, Dimension))));

    /// <inheritdoc />
    public override string ToString() =>
        $"Embedding({Count}, {Dimension}, padding={Padding?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, maxNorm={MaxNorm?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}) " +
        $"at indices [{string.Join(", ", IndexShape)}] = {{{string.Join(", ", Indices)}}}, seed {Seed}";
}

/// <summary>
/// <see cref="Embedding"/>: the Reference backend against Torch float64 (outputs 1e-12, the table's gradient 1e-10 per
/// tensor), against central differences (plain lookups: padding and max-norm define their gradients rather than
/// differentiate, so they are held to the peer instead), against TorchSharp's <c>nn.Embedding</c> with the same weights
/// (repeated indices, a padding index, max-norm), purity, initialization, pretrained tables and bad input.
/// </summary>
public sealed class EmbeddingTests(ITestOutputHelper output)
{
    /// <summary>Outputs and the table's gradient agree between the Reference backend and Torch float64.</summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Reference_and_Torch_float64_agree(bool padding, bool maxNorm)
    {
        var worst = new WorstSeen($"Embedding (padding {padding}, max-norm {maxNorm}): Reference vs Torch float64, output and table gradient");
        Law.Check(EmbeddingCase.Arbitrary(padding, maxNorm), c =>
        {
            var reference = ReferenceBackend.Instance;
            var torch = TorchBackend.CpuFloat64;
            using var scope = torch.Scope();
            var ids = new Shape(c.IndexShape);
            var yRef = c.Layer.Apply(c.Weight(reference), reference.FromIndices(c.Indices, ids));
            var yTorch = c.Layer.Apply(c.Weight(torch), torch.FromIndices(c.Indices, ids));
            var e = RelativeError.Of(yRef, yTorch);
            Assert.True(e.Value <= LayerLaws.OutputTolerance, $"output of {c}: {e}");
            var (_, gRef) = Grad.ValueAndGrad(c.Objective(reference), c.Weight(reference));
            var (_, gTorch) = Grad.ValueAndGrad(c.Objective(torch), c.Weight(torch));
            var g = RelativeError.Of(gRef["weight"], gTorch["weight"]);
            Assert.True(g.Value <= LayerLaws.GradientTolerance, $"gradient of {c}: {g}");
            worst.Record(Math.Max(e.Value / LayerLaws.OutputTolerance, g.Value / LayerLaws.GradientTolerance), c.ToString);
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Plain lookups: the Reference gradient of the table matches central differences within 1e-6 relative.</summary>
    [Fact]
    public void Reference_gradient_matches_central_differences()
    {
        var worst = new WorstSeen("Embedding: Reference vs central differences");
        Law.Check(EmbeddingCase.Arbitrary(false, false), c =>
        {
            var backend = ReferenceBackend.Instance;
            var objective = c.Objective(backend);
            var (_, g) = Grad.ValueAndGrad(objective, c.Weight(backend));
            var table = c.Table;
            var numeric = new double[table.Length];
            for (var j = 0; j < table.Length; j++)
            {
                var h = CentralDifferences.Step * Math.Max(1, Math.Abs(table[j]));
                double At(double v)
                {
                    var copy = (double[])table.Clone();
                    copy[j] = v;
                    return objective(TensorTree.Of(("weight", backend.FromArray(copy, new Shape(c.Count, c.Dimension))))).Item();
                }

                numeric[j] = (At(table[j] + h) - At(table[j] - h)) / (2 * h);
            }

            var e = RelativeError.Of(g["weight"].ToArray(), numeric);
            Assert.True(e.Value <= LayerLaws.DifferenceTolerance, $"{c}: {e}");
            worst.Record(e.Value, c.ToString);
        }, cases: 50);
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// Both backends against <c>nn.Embedding</c> in float64 with the same table, repeated indices and, where the case has
    /// them, <c>padding_idx</c> and <c>max_norm</c> (applied to a fresh module per case, so its in-place renormalization
    /// starts from our table): the output within 1e-12 and the table's gradient of Σ u ⊙ y within 1e-10 per tensor, and
    /// the padding row's gradient exactly zero.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Matches_nn_Embedding(bool padding, bool maxNorm)
    {
        var worst = new WorstSeen($"Embedding (padding {padding}, max-norm {maxNorm}) vs nn.Embedding");
        Law.Check(EmbeddingCase.Arbitrary(padding, maxNorm), c =>
        {
            double[] peerY, peerGrad;
            using (var torchScope = NewDisposeScope())
            {
                var m = nn.Embedding(c.Count, c.Dimension, padding_idx: c.Padding, max_norm: c.MaxNorm, dtype: float64);
                using (no_grad())
                {
                    m.weight!.copy_(tensor(c.Table, [c.Count, c.Dimension], float64));
                }

                var ids = tensor(c.Indices, c.IndexShape.Select(d => (long)d).ToArray(), int64);
                var y = m.forward(ids);
                (y * tensor(c.Cotangent, y.shape, float64)).sum().backward();
                peerY = y.detach().contiguous().data<double>().ToArray();
                peerGrad = m.weight!.grad!.contiguous().data<double>().ToArray();
            }

            foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
            {
                using var scope = backend.Scope();
                var y = c.Layer.Apply(c.Weight(backend), backend.FromIndices(c.Indices, new Shape(c.IndexShape)));
                Assert.Equal(c.OutputShape, y.Shape);
                var e = RelativeError.Of(y.ToArray(), peerY);
                Assert.True(e.Value <= LayerLaws.OutputTolerance, $"{c} on {backend}: output differs from nn.Embedding's, {e}");
                var (_, g) = Grad.ValueAndGrad(c.Objective(backend), c.Weight(backend));
                var gw = g["weight"].ToArray();
                var ge = RelativeError.Of(gw, peerGrad);
                Assert.True(ge.Value <= LayerLaws.GradientTolerance, $"{c} on {backend}: table gradient differs from nn.Embedding's, {ge}");
                if (c.Padding is { } pad)
                {
                    Assert.All(gw.Skip(pad * c.Dimension).Take(c.Dimension), v => Assert.Equal(0.0, v));
                }

                worst.Record(Math.Max(e.Value / LayerLaws.OutputTolerance, ge.Value / LayerLaws.GradientTolerance), () => $"{c} on {backend}");
            }
        }, cases: 40);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Lookups and gradients twice give bit-identical results and leave the table and the indices unchanged.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(EmbeddingCase.Arbitrary(true, true), c =>
        {
            using var scope = backend.Scope();
            var w = c.Weight(backend);
            var ids = backend.FromIndices(c.Indices, new Shape(c.IndexShape));
            var before = w["weight"].ToArray();
            var y1 = c.Layer.Apply(w, ids).ToArray();
            var y2 = c.Layer.Apply(w, ids).ToArray();
            Assert.Equal(y1, y2);
            Assert.Equal(before, w["weight"].ToArray());
            Assert.Equal(c.Indices, ids.ToIndexArray());
        }, cases: 30);
    }

    /// <summary>The table is <c>weight</c> [count, dimension] of N(0, 1) entries with the padding row zero, as nn.Embedding's reset_parameters.</summary>
    [Fact]
    public void Init_is_standard_normal_with_a_zero_padding_row()
    {
        var layer = new Embedding(2000, 50, paddingIndex: -1);
        Assert.Equal(1999, layer.PaddingIndex);
        var p = layer.Init(Key.FromSeed(3), ReferenceBackend.Instance);
        Assert.Equal(["weight"], p.Names);
        Assert.Equal(new Shape(2000, 50), p["weight"].Shape);
        var w = p["weight"].ToArray();
        Assert.All(w[(1999 * 50)..], v => Assert.Equal(0.0, v));
        var body = w[..(1999 * 50)];
        var mean = body.Average();
        var sd = Math.Sqrt(body.Select(v => (v - mean) * (v - mean)).Sum() / (body.Length - 1));
        // 99,950 draws: the mean's standard error is 1/√n ≈ 0.0032 and the sd's ≈ 1/√(2n) ≈ 0.0022; 5 of each.
        Assert.InRange(mean, -0.016, 0.016);
        Assert.InRange(sd, 1 - 0.011, 1 + 0.011);
        Assert.Equal(100_000L, layer.ParameterCount);
    }

    /// <summary>A frozen pretrained table gives the vectors and no gradient; a trainable one the plain lookup's gradient.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Pretrained_tables_are_frozen_or_trainable(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var vectors = backend.FromArray(Key.FromSeed(5).Normal(12), new Shape(4, 3));
        var ids = backend.FromIndices([3, 1, 3], 3);
        foreach (var freeze in new[] { true, false })
        {
            var (layer, p) = Embedding.FromPretrained(vectors, freeze);
            Assert.Equal(freeze, layer.Frozen);
            var y = layer.Apply(p, ids).ToArray();
            var v = vectors.ToArray();
            Assert.Equal([.. v[9..12], .. v[3..6], .. v[9..12]], y);
            var (_, g) = Grad.ValueAndGrad(q => layer.Apply(q, ids).Sum(), p);
            double[] expected = freeze ? new double[12] : [0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2];
            Assert.Equal(expected, g["weight"].ToArray());
        }
    }

    /// <summary>Float indices, an index ≥ the table size and a negative index: the same error on every backend, naming the layer and the value.</summary>
    [Fact]
    public void Bad_indices_give_the_same_clear_error_on_every_backend()
    {
        var layer = new Embedding(5, 2);
        var messages = new List<string[]>();
        foreach (var combination in BackendCombinations.All)
        {
            var backend = BackendCombinations.Resolve(combination);
            using var scope = backend.Scope();
            var p = layer.Init(Key.FromSeed(1), backend);
            var floats = Assert.Throws<ArgumentException>(() => layer.Apply(p, backend.FromArray([1, 2], 2)));
            var large = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Apply(p, backend.FromIndices([0, 4, 5, 1], 2, 2)));
            var negative = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Apply(p, backend.FromIndices([-1], 1)));
            // The float message names the dtype the backend made (float32 or float64); the rest must be identical.
            messages.Add([floats.Message.Replace(backend.DType.Name(), "<float>", StringComparison.Ordinal), large.Message, negative.Message]);
        }

        var first = messages[0];
        Assert.StartsWith("Embedding(5, 2): the input must be an int64 index tensor", first[0], StringComparison.Ordinal);
        Assert.StartsWith("Embedding(5, 2): index 5 at flat position 2 of the input [2, 2] is outside the table's rows [0, 5)", first[1], StringComparison.Ordinal);
        Assert.StartsWith("Embedding(5, 2): index -1 at flat position 0", first[2], StringComparison.Ordinal);
        Assert.Contains("got a <float> tensor of shape [2]", first[0], StringComparison.Ordinal);
        Assert.All(messages, m => Assert.Equal(first, m));
    }

    /// <summary>Shapes: any rank of indices, the dimension appended; a table of the wrong shape is named.</summary>
    [Fact]
    public void Output_shape_appends_the_dimension_and_a_wrong_table_is_named()
    {
        var layer = new Embedding(6, 4);
        Assert.Equal(new Shape(2, 3, 4), layer.OutputShape(new Shape(2, 3)));
        Assert.Equal(new Shape(4), layer.OutputShape(new Shape([])));
        var backend = ReferenceBackend.Instance;
        var wrong = TensorTree.Of(("weight", backend.FromArray(new double[12], 4, 3)));
        var e = Assert.Throws<ShapeMismatchException>(() => layer.Apply(wrong, backend.FromIndices([1], 1)));
        Assert.Equal("Embedding(6, 4): parameter 'weight' has shape [4, 3], expected [6, 4]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(6, 4, paddingIndex: 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(6, 4, maxNorm: 0));
    }
}
