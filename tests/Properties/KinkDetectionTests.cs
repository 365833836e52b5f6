using Functional.Nets.Reference;

namespace Functional.Nets.Tests;

/// <summary>
/// The finite-difference check detects kinks rather than tolerating them: a case built so that a
/// ReLU pre-activation sits 3e-7 from 0 (inside the step h = 1e-6) has that entry rejected, and the
/// naive central difference there would indeed be wrong.
/// </summary>
public sealed class KinkDetectionTests
{
    [Fact]
    public void An_entry_whose_step_straddles_a_ReLU_kink_is_rejected()
    {
        var backend = ReferenceBackend.Instance;
        var c = NetworkCase.Create(seed: 7, inputWidth: 3, batch: 4, widths: [5, 2], activations: [new(ActivationKind.ReLU), new(ActivationKind.Identity)], loss: LossKind.MeanSquaredError);
        var parameters = c.Parameters(backend);
        var x = c.Input(backend);
        var loss = c.LossFunction(backend);

        // Move unit 0's bias so that sample 0's pre-activation is +3e-7.
        var (_, pre) = c.Evaluate(parameters, x, loss);
        var bias = parameters["0.bias"].ToArray();
        bias[0] += 3e-7 - pre[0][0];
        var nearKink = parameters.With(TensorTree.Of(("0.bias", backend.FromArray(bias, new Shape(5)))));
        var (_, preNear) = c.Evaluate(nearKink, x, loss);
        Assert.InRange(preNear[0][0], 1e-7, 5e-7);

        var (gradients, report) = CentralDifferences.Run(c, nearKink);
        Assert.Contains(("0.bias", 0), report.Rejected);
        Assert.DoesNotContain(report.Leaves.Single(l => l.Leaf == "0.bias").Indices, i => i == 0);

        // Without the detection, the central difference averages the two one-sided slopes and is wrong.
        var h = CentralDifferences.Step;
        double At(double b0)
        {
            var moved = (double[])bias.Clone();
            moved[0] = b0;
            return c.Evaluate(nearKink.With(TensorTree.Of(("0.bias", backend.FromArray(moved, new Shape(5))))), x, loss).Loss;
        }

        var naive = (At(bias[0] + h) - At(bias[0] - h)) / ((bias[0] + h) - (bias[0] - h));
        var analytic = gradients["0.bias"].ToArray()[0];
        Assert.True(RelativeError.Of([analytic], [naive]).Value > 1e-3, $"analytic {analytic:R}, naive central difference {naive:R}");

        // Entries away from the kink are still checked.
        Assert.True(report.Accepted > 10, $"only {report.Accepted} entries accepted");
    }
}
