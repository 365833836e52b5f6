using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// The fused batch-norm primitive (DESIGN.md: "a test must show the fused VJP equals the composed one"): on the
/// Reference backend its outputs and hand-derived gradients equal those of the same function composed from core
/// ops (mean, subtract, square, mean, add, sqrt, divide, multiply, add; each with its own VJP on the tape); its
/// gradients equal central differences; and on layouts [N, C], [N, C, L], [N, C, H, W] it agrees with the Torch
/// backend (libtorch autograd through composed libtorch ops).
/// </summary>
public sealed class FusedBatchNormTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Generated cases per property.</summary>
    public const int Cases = 1000;

    /// <summary>Fused vs composed on one backend: both are float64 with a few operations per entry.</summary>
    public const double FusedTolerance = 1e-12;

    /// <summary>Per-leaf relative tolerance against central differences (as <see cref="FiniteDifferenceProperties"/>).</summary>
    public const double DifferenceTolerance = 1e-6;

    private readonly WorstSeen fusedOutputs = new("fused vs composed (Reference), outputs");
    private readonly WorstSeen fusedGradients = new("fused vs composed (Reference), gradients per leaf, floored by the magnitude each is summed from");
    private readonly WorstSeen differences = new("Reference fused gradients vs central differences, per leaf (noise-floored)");
    private readonly WorstSeen differencesPlain = new("Reference fused gradients vs central differences, per leaf, plain");
    private readonly WorstSeen crossOutputs = new("layouts: Reference vs Torch float64, outputs");
    private readonly WorstSeen crossGradients = new("layouts: Reference vs Torch float64, gradients per leaf, floored by the magnitude each is summed from");

    /// <summary>
    /// The composed batch norm: μ = mean(x), σ² = mean((x − μ)²), x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β over every
    /// axis but 1, from core ops only.
    /// </summary>
    public static Tensor Composed(Tensor x, Tensor gamma, Tensor beta, double epsilon)
    {
        var axes = Enumerable.Range(0, x.Shape.Rank).Where(d => d != 1).ToArray();
        var view = Enumerable.Range(0, x.Shape.Rank).Select(d => d == 1 ? x.Shape[1] : 1).ToArray();
        var mean = x.Mean(axes, keepDims: true);
        var centred = x - mean;
        var variance = centred.Square().Mean(axes, keepDims: true);
        var normalized = centred / (variance + epsilon).Sqrt();
        return normalized * gamma.Reshape(view) + beta.Reshape(view);
    }

    /// <summary>The fused primitive's output alone.</summary>
    public static Tensor Fused(Tensor x, Tensor gamma, Tensor beta, double epsilon) => x.BatchNormTrain(gamma, beta, epsilon).Output;

    /// <summary>
    /// Fused and composed agree within 1e-12 relative per tensor on outputs and on the gradients of
    /// ℓ = Σ R⊙tanh(y) with respect to x, γ and β (M ≥ 3 values per channel), each gradient relative to the largest
    /// of both and the magnitude it is summed from (<see cref="BatchNormCase.GradientFloors"/>).
    /// </summary>
    /// <remarks>
    /// M = 2 is left out: each channel's x̂ is then ±√(σ²/(σ² + ε)) whatever the input, and ∂ℓ/∂x is of order
    /// ε/σ² times its terms, pure cancellation whose relative error grows as σ²/ε in any implementation.
    /// </remarks>
    [Fact]
    public void Fused_VJP_equals_composed_VJP()
    {
        var backend = ReferenceBackend.Instance;
        Law.Check(BatchNormCase.WellPosed, c =>
        {
            var tree = c.Tree(backend);
            var yFused = Fused(tree["x"], tree["weight"], tree["bias"], c.Epsilon);
            var yComposed = Composed(tree["x"], tree["weight"], tree["bias"], c.Epsilon);
            var e = RelativeError.Of(yFused, yComposed);
            fusedOutputs.Record(e.Value, () => $"{e} in {c}");
            if (!(e.Value <= FusedTolerance))
            {
                throw new LawViolation($"output of {c}: {e} exceeds {FusedTolerance:G} (a = fused, b = composed)");
            }

            var (_, gFused) = Grad.ValueAndGrad(c.Loss(backend, (x, g, b) => Fused(x, g, b, c.Epsilon)), tree);
            var (_, gComposed) = Grad.ValueAndGrad(c.Loss(backend, (x, g, b) => Composed(x, g, b, c.Epsilon)), tree);
            var (leaf, ge) = FlooredLeaves.Worst(gFused, gComposed, c.GradientFloors());
            fusedGradients.Record(ge.Value, () => $"leaf '{leaf}' {ge} in {c}");
            if (!(ge.Value <= FusedTolerance))
            {
                throw new LawViolation($"gradient of {c}: leaf '{leaf}' {ge} exceeds {FusedTolerance:G} (a = fused, b = composed)");
            }
        }, Cases);
    }

    /// <summary>
    /// The fused primitive's gradients agree with central differences of ℓ within 1e-6 per leaf, floored by the
    /// differences' own measured rounding noise (as <see cref="CentralDifferences"/>: two steps h and φh, and
    /// max|g − D| ≤ 1e-6·max(max|g|, max|D|, 8σ̂/1e-6)).
    /// </summary>
    [Fact]
    public void Fused_gradients_match_central_differences()
    {
        var backend = ReferenceBackend.Instance;
        Law.Check(BatchNormCase.WellPosed, c =>
        {
            var tree = c.Tree(backend);
            var loss = c.Loss(backend, (x, g, b) => Fused(x, g, b, c.Epsilon));
            var (_, analytic) = Grad.ValueAndGrad(loss, tree);
            var numeric = new Dictionary<string, (double[] D, double[] Scatter, int[] At)>();
            double squares = 0;
            var count = 0;
            for (var leafIndex = 0; leafIndex < tree.Count; leafIndex++)
            {
                var (name, leaf) = tree[leafIndex];
                var values = leaf.ToArray();
                var at = values.Length <= CentralDifferences.EntriesPerLeaf
                    ? Enumerable.Range(0, values.Length).ToArray()
                    : Key.FromSeed(c.Seed).Fold(50 + (ulong)leafIndex).Permutation(values.Length).Take(CentralDifferences.EntriesPerLeaf).ToArray();
                var d = new double[at.Length];
                var scatter = new double[at.Length];
                for (var k = 0; k < at.Length; k++)
                {
                    var j = at[k];
                    var h = CentralDifferences.Step * Math.Max(1, Math.Abs(values[j]));
                    double Difference(double step)
                    {
                        var plus = values[j] + step;
                        var minus = values[j] - step;
                        var lp = loss(tree.With(TensorTree.Of((name, WithEntry(backend, values, j, plus, leaf.Shape))))).Item();
                        var lm = loss(tree.With(TensorTree.Of((name, WithEntry(backend, values, j, minus, leaf.Shape))))).Item();
                        return (lp - lm) / (plus - minus);
                    }

                    var d1 = Difference(h);
                    var d2 = Difference(CentralDifferences.Phi * h);
                    d[k] = 0.5 * (d1 + d2);
                    scatter[k] = d1 - d2;
                    squares += scatter[k] * scatter[k];
                    count++;
                }

                numeric[name] = (d, scatter, at);
            }

            var noise = Math.Sqrt(squares / count / 2);
            foreach (var (name, (d, _, at)) in numeric)
            {
                var all = analytic[name].ToArray();
                var g = at.Select(j => all[j]).ToArray();
                var plain = RelativeError.Of(g, d);
                var e = RelativeError.Of(g, d, 8 * noise / DifferenceTolerance);
                differencesPlain.Record(plain.Value, () => $"leaf '{name}' {plain}, noise σ̂ {noise:G3}, in {c}");
                differences.Record(e.Value, () => $"leaf '{name}' {e}, noise σ̂ {noise:G3}, in {c}");
                if (!(e.Value <= DifferenceTolerance))
                {
                    throw new LawViolation(
                        $"gradient of {c}: leaf '{name}' entry {at[e.WorstIndex]}: analytic {e.A:R}, central difference {e.B:R}; {e} exceeds {DifferenceTolerance:G} (noise σ̂ {noise:G3})");
                }
            }
        }, Cases);
    }

    /// <summary>
    /// On every layout (rank 2, 3, 4), the Reference backend's fused primitive and the Torch backend's composed
    /// libtorch ops agree: outputs and batch statistics within 1e-12, gradients of ℓ within 1e-10 per leaf (floored
    /// as in <see cref="Fused_VJP_equals_composed_VJP"/>).
    /// </summary>
    [Fact]
    public void Layouts_agree_across_backends()
    {
        var reference = ReferenceBackend.Instance;
        var torch = TorchBackend.CpuFloat64;
        Law.Check(BatchNormCase.WellPosed, c =>
        {
            var tRef = c.Tree(reference);
            using var scope = torch.Scope();
            var tTorch = c.Tree(torch);
            var (yRef, mRef, vRef) = tRef["x"].BatchNormTrain(tRef["weight"], tRef["bias"], c.Epsilon);
            var (yTorch, mTorch, vTorch) = tTorch["x"].BatchNormTrain(tTorch["weight"], tTorch["bias"], c.Epsilon);
            // A batch mean can cancel to near 0 (one channel): its rounding error is at most n·u·max|x| (n ≤ 160 values
            // per channel, ~2e-14 of max|x|), so it is measured against the largest input it is summed from.
            var largestInput = c.X().Max(Math.Abs);
            foreach (var (what, a, b, floor) in new[]
            {
                ("output", yRef, yTorch, RelativeError.DefaultFloor), ("batch mean", mRef, mTorch, largestInput), ("batch variance", vRef, vTorch, RelativeError.DefaultFloor),
            })
            {
                var e = RelativeError.Of(a, b, floor);
                crossOutputs.Record(e.Value, () => $"{what} {e} in {c}");
                if (!(e.Value <= NormalizationTolerances.Output))
                {
                    throw new LawViolation($"{what} of {c}: {e} exceeds {NormalizationTolerances.Output:G} (a = Reference, b = Torch float64)");
                }
            }

            var (_, gRef) = Grad.ValueAndGrad(c.Loss(reference, (x, g, b) => Fused(x, g, b, c.Epsilon)), tRef);
            var (_, gTorch) = Grad.ValueAndGrad(c.Loss(torch, (x, g, b) => Fused(x, g, b, c.Epsilon)), tTorch);
            var (leaf, ge) = FlooredLeaves.Worst(gRef, gTorch, c.GradientFloors());
            crossGradients.Record(ge.Value, () => $"leaf '{leaf}' {ge} in {c}");
            if (!(ge.Value <= NormalizationTolerances.Gradient))
            {
                throw new LawViolation($"gradient of {c}: leaf '{leaf}' {ge} exceeds {NormalizationTolerances.Gradient:G} (a = Reference, b = Torch float64)");
            }
        }, Cases);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var w in new[] { fusedOutputs, fusedGradients, differences, differencesPlain, crossOutputs, crossGradients })
        {
            if (w.Count > 0)
            {
                output.WriteLine(w.ToString());
            }
        }
    }

    private static Tensor WithEntry(Backend backend, double[] values, int index, double value, Shape shape)
    {
        var copy = (double[])values.Clone();
        copy[index] = value;
        return backend.FromArray(copy, shape);
    }
}
