using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Normalization;

/// <summary>A folding case: a Dense layer followed by a BatchNorm, trained a few steps so that its state is real.</summary>
/// <param name="Seed">Seed of every value.</param>
/// <param name="Inputs">Dense inputs (1–16).</param>
/// <param name="Outputs">Dense outputs = BatchNorm channels (1–16).</param>
/// <param name="Batch">Rows of the evaluated input (1–16; evaluation has no batch-size limit).</param>
/// <param name="DenseBias">Whether the Dense layer has a bias.</param>
/// <param name="Affine">Whether the BatchNorm has γ and β.</param>
/// <param name="Epsilon">ε.</param>
public sealed record FoldCase(long Seed, int Inputs, int Outputs, int Batch, bool DenseBias, bool Affine, double Epsilon)
{
    /// <summary>The arbitrary.</summary>
    public static Arbitrary<FoldCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from inputs in Gen.Choose(1, 16)
        from outputs in Gen.Choose(1, 16)
        from batch in Gen.Choose(1, 16)
        from bias in Gen.Elements(true, false)
        from affine in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from epsilon in Gen.Elements(1e-5, 1e-3, 0.1)
        select new FoldCase(seed, inputs, outputs, batch, bias, affine, epsilon));

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"FoldCase(seed {Seed}, Dense({Inputs}→{Outputs}, bias {DenseBias}), BatchNorm(affine {Affine}, ε {Epsilon:G}), batch {Batch})");
}

/// <summary>
/// Folding (issue 5, part 3): a Dense layer followed by a trained BatchNorm in evaluation mode equals the one
/// Dense layer <see cref="BatchNormFolding.Fold"/> returns, on random inputs, on every float64 combination.
/// </summary>
public sealed class FoldingTests(ITestOutputHelper output)
{
    /// <summary>Generated cases per combination.</summary>
    public const int Cases = 100;

    /// <summary>
    /// Relative tolerance. Folding reorders the arithmetic (γ(Wx + b − E)/√(D + ε) + β versus (sW)x + s(b − E) + β),
    /// so the two differ by a few ulps of the magnitudes the output is made from, Σⱼ|sᵢWᵢⱼxⱼ| + |sᵢ|(|bᵢ| + |Eᵢ|) + |βᵢ|,
    /// which is the floor of the comparison (the output itself may cancel to nearly zero).
    /// </summary>
    public const double Tolerance = 1e-12;

    /// <summary>Dense + BatchNorm (evaluation) equals the folded Dense.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Folded_dense_equals_dense_then_batch_norm(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"{combination}: folded Dense vs Dense + BatchNorm (evaluation), floored relative error");
        Law.Check(FoldCase.Arbitrary, c =>
        {
            using var scope = backend.Scope();
            var root = Key.FromSeed(c.Seed);
            var dense = new Dense(c.Inputs, c.Outputs, c.DenseBias);
            var bn = new BatchNorm(c.Outputs, momentum: 0.3, epsilon: c.Epsilon, affine: c.Affine);
            var model = new Sequential(dense, bn);
            var p = model.Init(root.Fold(0), backend);
            if (c.Affine)
            {
                p = p.With(TensorTree.Of(
                    ("1.weight", backend.FromArray(root.Fold(1).Uniform(c.Outputs, -2, 2), c.Outputs)),
                    ("1.bias", backend.FromArray(root.Fold(2).Normal(c.Outputs), c.Outputs))));
            }

            // Train the running statistics for a few steps on batches with a non-zero mean, as a trained model has.
            var state = model.InitState(backend);
            for (var step = 0; step < 5; step++)
            {
                var batch = backend.FromArray(root.Fold(10 + (ulong)step).Normal(8 * c.Inputs).Select(v => 2 * v + 1).ToArray(), 8, c.Inputs);
                state = model.Apply(p, state, batch, Context.TrainDeterministic).State;
            }

            var x = backend.FromArray(root.Fold(3).Normal(c.Batch * c.Inputs), c.Batch, c.Inputs);
            var expected = model.Apply(p, state, x, Context.Eval).Output;
            var (folded, fp) = BatchNormFolding.Fold(dense, p.Child("0"), bn, p.Child("1"), state.Child("1"));
            var actual = folded.Apply(fp, x);
            var floor = Magnitude(fp, p.Child("1"), state.Child("1"), dense, bn, p.Child("0"), x);
            var e = RelativeError.Of(actual.ToArray(), expected.ToArray(), floor);
            worst.Record(e.Value, () => $"{e} in {c}");
            if (!(e.Value <= Tolerance))
            {
                throw new LawViolation($"folding {c} on {combination}: {e} exceeds {Tolerance:G} (a = folded, b = Dense + BatchNorm)");
            }
        }, Cases);
        output.WriteLine(worst.ToString());
    }

    /// <summary>The largest Σⱼ|W′ᵢⱼxⱼ| + |sᵢ|(|bᵢ| + |Eᵢ|) + |βᵢ| over rows and outputs.</summary>
    private static double Magnitude(TensorTree folded, TensorTree bnParameters, TensorTree bnState, Dense dense, BatchNorm bn, TensorTree denseParameters, Tensor x)
    {
        var w = folded["weight"].ToArray();
        var e = bnState["running_mean"].ToArray();
        var d = bnState["running_var"].ToArray();
        var gamma = bn.Affine ? bnParameters["weight"].ToArray() : Enumerable.Repeat(1.0, bn.Features).ToArray();
        var beta = bn.Affine ? bnParameters["bias"].ToArray() : new double[bn.Features];
        var b = dense.HasBias ? denseParameters["bias"].ToArray() : new double[bn.Features];
        var xs = x.ToArray();
        int rows = x.Shape[0], n = dense.Inputs;
        double m = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < dense.Outputs; i++)
            {
                var s = Math.Abs(gamma[i]) / Math.Sqrt(d[i] + bn.Epsilon);
                var total = s * (Math.Abs(b[i]) + Math.Abs(e[i])) + Math.Abs(beta[i]);
                for (var j = 0; j < n; j++)
                {
                    total += Math.Abs(w[i * n + j] * xs[r * n + j]);
                }

                m = Math.Max(m, total);
            }
        }

        return m;
    }
}
