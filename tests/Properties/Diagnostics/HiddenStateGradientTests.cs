using Functional.Nets.Diagnostics;
using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Diagnostics;

/// <summary>
/// <see cref="HiddenStateGradients"/>: the known answer of a linear recurrence, Reference vs Torch in float64 for an
/// RNN, an LSTM and a GRU, central differences on the hidden state.
/// </summary>
public sealed class HiddenStateGradientTests
{
    private static readonly ReferenceBackend Reference = ReferenceBackend.Instance;

    /// <summary>The loss of the tests: Σ tanh(h_{T−1}) h_{T−1} + mean y², reading the final hidden state only.</summary>
    private static Tensor FinalLoss(Tensor outputs, TensorTree carry) => (carry["h"].Tanh() * carry["h"]).Sum() + outputs.Square().Mean();

    private static Tensor Sequence(Backend backend, int n, int t, int f, int seed)
    {
        var random = new Random(seed);
        return backend.FromArray(Enumerable.Range(0, n * t * f).Select(_ => random.NextDouble() * 2 - 1).ToArray(), n, t, f);
    }

    /// <summary>
    /// h_t = w·h_{t−1} + u·x_t (a ReLU RNN kept positive, hence linear) with L = Σ h_{T−1}: ∂L/∂h_k = w^(T−1−k), per example.
    /// </summary>
    [Fact]
    public void Linear_recurrence_gives_powers_of_w()
    {
        const double w = 0.8, u = 0.5;
        const int steps = 7, batch = 2;
        var cell = new RnnCell(1, 1, bias: false, nonlinearity: RnnNonlinearity.ReLU);
        var p = TensorTree.Of(("weight_ih", Reference.FromArray([u], 1, 1)), ("weight_hh", Reference.FromArray([w], 1, 1)));
        var x = Reference.FromArray(Enumerable.Range(0, batch * steps).Select(i => 0.1 + 0.05 * i).ToArray(), batch, steps, 1);
        var gradients = HiddenStateGradients.Of(cell, p, x, (_, carry) => carry["h"].Sum());
        for (var k = 0; k < steps; k++)
        {
            var expected = Math.Pow(w, steps - 1 - k);
            foreach (var g in gradients[k].ToArray())
            {
                Assert.Equal(expected, g, 1e-14);
            }
        }

        var norms = HiddenStateGradients.Norms(cell, p, x, (_, carry) => carry["h"].Sum());
        Assert.Equal(Math.Sqrt(batch) * Math.Pow(w, steps - 1), norms[0], 1e-14);
    }

    /// <summary>The three cells' ∂L/∂h_k agree between the Reference tape and libtorch autograd in float64 (≤ 1e-10 relative per step).</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Reference_and_torch_agree(int kind)
    {
        var cell = Cells(3, 4)[kind];
        var torch = TorchBackend.CpuFloat64;
        var p = cell.Init(Key.FromSeed(11 + kind), Reference);
        var x = Sequence(Reference, 2, 6, 3, kind);
        var ours = HiddenStateGradients.Of(cell, p, x, FinalLoss);
        var theirs = HiddenStateGradients.Of(cell, p.ToBackend(torch), x.ToBackend(torch), FinalLoss);
        for (var k = 0; k < ours.Count; k++)
        {
            var e = RelativeError.Of(ours[k].ToArray(), theirs[k].ToArray());
            Assert.True(e.Value <= 1e-10, $"{cell.Describe()} step {k}: {e}");
        }
    }

    /// <summary>
    /// ∂L/∂h_k against central differences, for k = 0 … T − 1, with a loss reading the outputs yₜ = hₜ and the final
    /// carry: L as a function of h_k is the loss of the outputs before k (constants), h_k itself as y_k, and the scan of
    /// the steps after k from the carry (h_k, and c_k for the LSTM), computed here with
    /// <see cref="Scan.Run(TensorTree, Tensor, TensorTree?)"/> independently of the diagnostic.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Matches_central_differences(int kind)
    {
        var cell = Cells(2, 3)[kind];
        var p = cell.Init(Key.FromSeed(5 + kind), Reference);
        const int steps = 4;
        var x = Sequence(Reference, 1, steps, 2, 20 + kind);
        var gradients = HiddenStateGradients.Of(cell, p, x, FinalLoss);
        var scan = new Scan(cell);
        for (var k = 0; k < steps; k++)
        {
            var prefix = scan.Run(p, x.Slice(1, 0, k + 1));
            var carry = prefix.Carry;
            var h = carry["h"].ToArray();
            var g = gradients[k].ToArray();
            for (var i = 0; i < h.Length; i++)
            {
                const double eps = 1e-5;
                double At(double d)
                {
                    var shifted = (double[])h.Clone();
                    shifted[i] += d;
                    var hk = Reference.FromArray(shifted, carry["h"].Shape);
                    var c = carry.With(TensorTree.Of(("h", hk)));
                    var parts = new List<Tensor>();
                    if (k > 0)
                    {
                        parts.Add(prefix.Outputs.Slice(1, 0, k));
                    }

                    parts.Add(hk.Unsqueeze(1)); // y_k = h_k
                    if (k == steps - 1)
                    {
                        return FinalLoss(Tensor.Concat(parts, 1), c).ToArray()[0];
                    }

                    var r = scan.Run(p, x.Slice(1, k + 1, steps - 1 - k), c);
                    parts.Add(r.Outputs);
                    return FinalLoss(Tensor.Concat(parts, 1), r.Carry).ToArray()[0];
                }

                var numeric = (At(eps) - At(-eps)) / (2 * eps);
                Assert.True(Math.Abs(numeric - g[i]) <= 1e-7 * Math.Max(1, Math.Abs(numeric)), $"{cell.Describe()} step {k} unit {i}: {g[i]} vs {numeric}");
            }
        }
    }

    /// <summary>
    /// A loss reading only the last output (a head on y_{T−1}, the long-dependency task's loss): ∂L/∂h_{T−1} is the
    /// head's own gradient wᵀ, not zero, and Reference and Torch agree on every step.
    /// </summary>
    [Fact]
    public void Last_output_loss_reaches_the_last_step()
    {
        var cell = new GruCell(2, 3);
        var p = cell.Init(Key.FromSeed(3), Reference);
        var x = Sequence(Reference, 2, 5, 2, 7);
        double[] w = [0.5, -1.5, 2.0];
        Tensor Loss(Tensor outputs, TensorTree _) =>
            (outputs.Slice(1, 4, 1).Reshape(2, 3) * outputs.Backend.FromArray(w, 1, 3)).Sum();
        var ours = HiddenStateGradients.Of(cell, p, x, Loss);
        Assert.Equal([.. w, .. w], ours[4].ToArray());
        var torch = TorchBackend.CpuFloat64;
        var theirs = HiddenStateGradients.Of(cell, p.ToBackend(torch), x.ToBackend(torch), Loss);
        for (var k = 0; k < ours.Count; k++)
        {
            var e = RelativeError.Of(ours[k].ToArray(), theirs[k].ToArray());
            Assert.True(e.Value <= 1e-10, $"step {k}: {e}");
        }
    }

    private static Cell[] Cells(int inputs, int hidden) => [new RnnCell(inputs, hidden), new LstmCell(inputs, hidden), new GruCell(inputs, hidden)];
}
