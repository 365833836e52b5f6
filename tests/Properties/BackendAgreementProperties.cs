using FsCheck.Xunit;
using Xunit.Abstractions;

namespace Functional.Nets.Tests;

/// <summary>
/// Laws 1 and 2 of DESIGN.md on random networks: the Reference backend (hand-written VJPs) and the
/// Torch backend (libtorch autograd) share only the model definition, so their agreement checks
/// both. Errors are per-tensor relative errors (<see cref="RelativeError"/>).
/// </summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 200)]
public sealed class BackendAgreementProperties(ITestOutputHelper output) : IDisposable
{
    /// <summary>Tolerance for float64 outputs: a few ulps per operation, at depth 6, with a wide margin.</summary>
    public const double OutputTolerance = 1e-12;

    /// <summary>Tolerance for float64 gradients, per leaf.</summary>
    public const double GradientTolerance = 1e-10;

    /// <summary>
    /// The floor of a leaf's gradient scale, as a fraction of the magnitude that gradient is made from
    /// (<see cref="NetworkCase.GradientMagnitude"/>): 1e-4 × 1e-10 lets two correct backends differ by 1e-14 of that
    /// magnitude, about 100 units of float64 roundoff (u = 1.1e-16), and no more. Where the gradient itself is larger
    /// than 1e-4 of it (every case but a cancelled one), the floor plays no part.
    /// </summary>
    public const double GradientFloorFraction = 1e-4;

    private readonly Dictionary<string, WorstSeen> measured = [];

    /// <summary>
    /// (a) Reference and Torch-float64 outputs and loss values agree within 1e-12, relative to the
    /// largest of both outputs and the magnitude the output is made from (<see cref="NetworkCase.OutputMagnitude"/>).
    /// </summary>
    [Property]
    public void Reference_and_torch_float64_outputs_agree(NetworkCase c)
    {
        var worst = Measure("(a) outputs and loss, Reference vs Torch float64 (output scale floored by the last layer's magnitude)");
        var plain = Measure("(a) outputs, Reference vs Torch float64, plain relative error (no floor)");
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        var torch = BackendCombinations.Resolve(BackendCombinations.TorchCpuFloat64);
        var model = c.Model();

        var pRef = c.Parameters(reference);
        var xRef = c.Input(reference);
        var yRef = model.Apply(pRef, xRef);
        using var pTorch = c.Parameters(torch);
        using var xTorch = c.Input(torch);
        using var yTorch = model.Apply(pTorch, xTorch);
        var e = RelativeError.Of(yRef, yTorch, c.OutputMagnitude(pRef, xRef));
        worst.Record(e.Value, () => $"{e} in {c}");
        plain.Record(RelativeError.Of(yRef, yTorch).Value, () => $"{RelativeError.Of(yRef, yTorch)} in {c}");
        if (!(e.Value <= OutputTolerance))
        {
            throw new LawViolation($"output of {c}: {e} exceeds {OutputTolerance:G} (a = Reference, b = Torch float64)");
        }

        var lossRef = c.Objective(reference)(pRef);
        using var lossTorch = c.Objective(torch)(pTorch);
        var l = RelativeError.Of(lossRef, lossTorch);
        worst.Record(l.Value, () => $"loss {l} in {c}");
        if (!(l.Value <= OutputTolerance))
        {
            throw new LawViolation($"loss of {c}: {l} exceeds {OutputTolerance:G} (a = Reference, b = Torch float64)");
        }
    }

    /// <summary>(b) Reference VJPs and Torch autograd agree within 1e-10 per leaf.</summary>
    [Property]
    public void Reference_and_torch_float64_gradients_agree(NetworkCase c)
    {
        var worst = Measure("(b) gradients, Reference vs Torch float64, per leaf");
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        var torch = BackendCombinations.Resolve(BackendCombinations.TorchCpuFloat64);

        var (valueRef, gradRef) = Grad.ValueAndGrad(c.Objective(reference), c.Parameters(reference));
        using var pTorch = c.Parameters(torch);
        var (valueTorch, gradTorch) = Grad.ValueAndGrad(c.Objective(torch), pTorch);
        using (valueTorch)
        using (gradTorch)
        {
            var v = RelativeError.Of(valueRef, valueTorch);
            if (!(v.Value <= OutputTolerance))
            {
                throw new LawViolation($"value of {c}: {v} exceeds {OutputTolerance:G} (a = Reference, b = Torch float64)");
            }

            // Each leaf's scale floored at GradientFloorFraction of the magnitude its gradient is made from (see there).
            var magnitude = c.GradientMagnitude(reference);
            var (leaf, e) = RelativeError.WorstLeaf(gradRef, gradTorch, name => Math.Max(RelativeError.DefaultFloor, GradientFloorFraction * magnitude[name]));
            worst.Record(e.Value, () => $"leaf '{leaf}' {e} in {c}");
            if (!(e.Value <= GradientTolerance))
            {
                throw new LawViolation($"gradient of {c}: leaf '{leaf}' {e} exceeds {GradientTolerance:G} (a = Reference, b = Torch float64)");
            }
        }
    }

    /// <summary>
    /// (d) Torch-float32 outputs agree with the Reference (float64, unrounded parameters and
    /// inputs) within <see cref="Float32Tolerance"/>, a bound derived from float32's unit roundoff.
    /// </summary>
    [Property]
    public void Torch_float32_outputs_agree_with_reference_within_derived_bound(NetworkCase c)
    {
        var worst = Measure("(d) outputs, Torch float32 vs Reference, as a fraction of the derived tolerance");
        var raw = Measure("(d) outputs, Torch float32 vs Reference, relative error (floored by the last layer's magnitude)");
        var plain = Measure("(d) outputs, Torch float32 vs Reference, plain relative error (no floor)");
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        var torch = BackendCombinations.Resolve(BackendCombinations.TorchCpuFloat32);
        var model = c.Model();

        var pRef = c.Parameters(reference);
        var xRef = c.Input(reference);
        var yRef = model.Apply(pRef, xRef);
        using var pTorch = c.Parameters(torch);
        using var xTorch = c.Input(torch);
        using var yTorch = model.Apply(pTorch, xTorch);
        // Depth counts scan steps (NetworkCase.PathDepth), each a layer of the derivation below.
        var tolerance = Float32Tolerance(c.PathDepth, c.MaxWidth);
        var e = RelativeError.Of(yRef, yTorch, c.OutputMagnitude(pRef, xRef));
        worst.Record(e.Value / tolerance, () => $"{e}, tolerance {tolerance:G3}, in {c}");
        raw.Record(e.Value, () => $"{e} in {c}");
        var unfloored = RelativeError.Of(yRef, yTorch);
        plain.Record(unfloored.Value, () => $"{unfloored} in {c}");
        if (!(e.Value <= tolerance))
        {
            throw new LawViolation($"output of {c}: {e} exceeds the derived float32 tolerance {tolerance:G3} = {Float32Constant}·depth·√maxWidth·u (a = Reference, b = Torch float32)");
        }
    }

    /// <summary>The constant c of <see cref="Float32Tolerance"/>.</summary>
    public const double Float32Constant = 16;

    /// <summary>
    /// The tolerance for Torch-float32 outputs against the float64 Reference:
    /// tol = c · depth · √maxWidth · u, with u = 2^-24 (float32's unit roundoff) and c = 16.
    /// </summary>
    /// <remarks>
    /// Derivation. Errors are per tensor, relative to max(max|a|, max|b|, M), where M is the magnitude
    /// the output is made from (<see cref="NetworkCase.OutputMagnitude"/>: the largest Σⱼ|wⱼhⱼ| + |b| of
    /// the last Dense layer times the last activation's slope), because rounding errors of a dot product
    /// are bounded relative to Σ|wⱼxⱼ|, not to a result that cancels (measured without M: an output of
    /// 0.0015 made from terms of size 0.5 showed a plain relative error of 3e-5, 0.67 of the bound; a
    /// property must not depend on luck in cancellation). Then, layer by layer:
    /// <list type="number">
    /// <item>Representation: parameters and inputs are rounded once to float32 (the Reference keeps
    /// them unrounded), a relative perturbation ≤ u per entry, so ≤ 2u·Σ|wⱼxⱼ| on a dot product.</item>
    /// <item>Arithmetic: each Dense output is a dot product of length n ≤ maxWidth plus a bias. The
    /// worst-case bound is γₙ·Σ|wⱼxⱼ| ≈ n·u·Σ|wⱼxⱼ| (Higham, Accuracy and Stability of Numerical
    /// Algorithms, §3.1); when rounding errors are independent and of random sign it is
    /// λ·√n·u·Σ|wⱼxⱼ| with probability ≥ 1 − 2n·exp(−λ²/2) (Higham and Mary 2019, Theorem 3.1),
    /// so λ = 6 makes a failure from this source vanishingly rare. The activation (exp, tanh, the
    /// softmax sums) adds a few u.</item>
    /// <item>Propagation: an error e in a layer's input reaches the next Dense output as W·e. With
    /// PyTorch's default initialization U(−1/√n, 1/√n) each row has ‖w‖₂ ≈ 1/√3, so errors of random
    /// sign are not amplified relative to the magnitudes Σ|wⱼxⱼ| they are measured against.
    /// Activations have slope ≤ 1, except ELU (≤ α ≤ 2) and LogSoftmax (Jacobian ∞-norm ≤ 2); so the
    /// per-layer errors add, with a factor of at most 2: depth layers give ≲ depth·2·(λ·√n·u + 4u)
    /// with the representation and activation terms.</item>
    /// <item>Constant: with λ = 6 this is depth·(12·√n + 8)·u ≤ depth·16·√n·u for n ≥ 4, and for
    /// n &lt; 4 the √n-free terms are covered because the random-sign estimate λ√n overstates short sums
    /// (the worst case n·u is then below 4u). So c = 16. At depth 6, width 64 the tolerance is
    /// 16·6·8·2^-24 ≈ 4.6e-5, still orders of magnitude below the error of a wrong derivative or formula
    /// (of order 1).</item>
    /// </list>
    /// </remarks>
    public static double Float32Tolerance(int depth, int maxWidth) =>
        Float32Constant * depth * Math.Sqrt(maxWidth) * DType.Float32.UnitRoundoff();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var m in measured.Values)
        {
            output.WriteLine(m.ToString());
        }
    }

    private WorstSeen Measure(string what)
    {
        if (!measured.TryGetValue(what, out var found))
        {
            found = new WorstSeen(what);
            measured.Add(what, found);
        }

        return found;
    }
}
