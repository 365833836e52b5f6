using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// Laws 1 and 2 of DESIGN.md on random networks containing Dropout, DropConnect and BatchNorm, in training
/// (same key on both backends, so the same masks) and evaluation mode: the Reference backend (hand-written
/// VJPs, the fused batch-norm primitive) and the Torch backend (libtorch autograd through composed ops) agree on
/// outputs and new state within 1e-12 and on gradients within 1e-10, relative per tensor. Cases with a
/// training-mode batch-norm channel whose batch variance is below ε are detected and regenerated
/// (<see cref="NormalizationCase.DegenerateChannel"/>); their count is printed.
/// </summary>
public sealed class NormalizationBackendAgreementTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Generated networks per property (about half in each mode; training cases with a degenerate batch-norm channel are regenerated).</summary>
    public const int Cases = 1000;

    private readonly WorstSeen outputs = new("outputs, Reference vs Torch float64");
    private readonly WorstSeen states = new("new state, Reference vs Torch float64, per leaf, floored by the magnitudes the statistics are computed from");
    private readonly WorstSeen gradients = new("gradients, Reference vs Torch float64, per leaf, floored by the magnitude each is summed from");
    private readonly WorstSeen gradientsPlain = new("gradients, Reference vs Torch float64, per leaf, plain relative error (not judged)");
    private int trainCases;
    private int evalCases;

    /// <summary>
    /// Outputs and new states agree within 1e-12 (a = Reference, b = Torch float64); states relative to the
    /// magnitudes they are computed from (<see cref="NormalizationCase.StateFloors"/>).
    /// </summary>
    [Fact]
    public void Outputs_and_state_agree_in_both_modes()
    {
        var reference = ReferenceBackend.Instance;
        var torch = TorchBackend.CpuFloat64;
        Law.Check(NormalizationCase.WellConditioned, c =>
        {
            if (c.Mode == Mode.Train)
            {
                Interlocked.Increment(ref trainCases);
            }
            else
            {
                Interlocked.Increment(ref evalCases);
            }

            var model = c.Model();
            var (yRef, sRef) = model.Apply(c.Parameters(reference), c.State(reference), c.Input(reference), c.Context);
            using var scope = torch.Scope();
            var (yTorch, sTorch) = model.Apply(c.Parameters(torch), c.State(torch), c.Input(torch), c.Context);
            var e = RelativeError.Of(yRef, yTorch);
            outputs.Record(e.Value, () => $"{e} in {c}");
            if (!(e.Value <= NormalizationTolerances.Output))
            {
                throw new LawViolation($"output of {c}: {e} exceeds {NormalizationTolerances.Output:G} (a = Reference, b = Torch float64)");
            }

            if (sRef.Count > 0)
            {
                var (leaf, se) = FlooredLeaves.Worst(sRef, sTorch, c.StateFloors());
                states.Record(se.Value, () => $"leaf '{leaf}' {se} in {c}");
                if (!(se.Value <= NormalizationTolerances.Output))
                {
                    throw new LawViolation($"state of {c}: leaf '{leaf}' {se} exceeds {NormalizationTolerances.Output:G} (a = Reference, b = Torch float64)");
                }
            }
        }, Cases);
    }

    /// <summary>
    /// Loss values agree within 1e-12 and gradients within 1e-10 per leaf, relative to the largest of both and the
    /// magnitude the leaf's gradient is summed from (<see cref="NormalizationCase.GradientFloors"/>: batch norm makes
    /// some gradients cancel to exactly zero); the auxiliary new state within 1e-12.
    /// </summary>
    [Fact]
    public void Gradients_agree_in_both_modes()
    {
        var reference = ReferenceBackend.Instance;
        var torch = TorchBackend.CpuFloat64;
        Law.Check(NormalizationCase.WellConditioned, c =>
        {
            var (vRef, auxRef, gRef) = Grad.ValueAndGradWithAux(c.Objective(reference), c.Parameters(reference));
            using var scope = torch.Scope();
            var (vTorch, auxTorch, gTorch) = Grad.ValueAndGradWithAux(c.Objective(torch), c.Parameters(torch));
            var v = RelativeError.Of(vRef, vTorch);
            if (!(v.Value <= NormalizationTolerances.Output))
            {
                throw new LawViolation($"loss of {c}: {v} exceeds {NormalizationTolerances.Output:G} (a = Reference, b = Torch float64)");
            }

            if (auxRef.Count > 0)
            {
                var (auxLeaf, ae) = FlooredLeaves.Worst(auxRef, auxTorch, c.StateFloors());
                if (!(ae.Value <= NormalizationTolerances.Output))
                {
                    throw new LawViolation($"auxiliary state of {c}: leaf '{auxLeaf}' {ae} exceeds {NormalizationTolerances.Output:G}");
                }
            }

            var (plainLeaf, plain) = RelativeError.WorstLeaf(gRef, gTorch);
            gradientsPlain.Record(plain.Value, () => $"leaf '{plainLeaf}' {plain} in {c}");
            var (leaf, e) = FlooredLeaves.Worst(gRef, gTorch, c.GradientFloors());
            gradients.Record(e.Value, () => $"leaf '{leaf}' {e} in {c}");
            if (!(e.Value <= NormalizationTolerances.Gradient))
            {
                throw new LawViolation($"gradient of {c}: leaf '{leaf}' {e} exceeds {NormalizationTolerances.Gradient:G} (a = Reference, b = Torch float64)");
            }
        }, Cases);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        output.WriteLine(outputs.ToString());
        output.WriteLine(states.ToString());
        output.WriteLine(gradients.ToString());
        output.WriteLine(gradientsPlain.ToString());
        if (trainCases + evalCases > 0)
        {
            output.WriteLine($"cases: {trainCases} in training mode, {evalCases} in evaluation mode");
        }

        output.WriteLine($"generated cases rejected for a batch-norm channel with σ² < ε (this process, all properties): {NormalizationCase.Rejected}");
    }
}

/// <summary>The float64 tolerances of DESIGN.md, relative per tensor.</summary>
public static class NormalizationTolerances
{
    /// <summary>Outputs, losses and states: a few ulps per operation, with a wide margin.</summary>
    public const double Output = 1e-12;

    /// <summary>Gradients, per leaf.</summary>
    public const double Gradient = 1e-10;
}
