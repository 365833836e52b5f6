using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Functional.Nets.Tests.Layers;
using TorchSharp;
using Xunit.Abstractions;
using static Functional.Nets.Tests.Recurrent.RecurrentHarness;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// <see cref="GruCell"/> in PyTorch's form and the lecture's (reset before W_hn): two steps from the zero or a
/// given carry agree across backends, with central differences, with TorchSharp's <c>nn.GRUCell</c> given the same
/// weights (PyTorch's form), and with the lecture's equations evaluated in the test; purity; names; errors.
/// </summary>
public sealed class GruCellTests(ITestOutputHelper output)
{
    /// <summary>
    /// GRU cells of 1–8 inputs and hidden units, either form, with and without bias, on batches of 1–6, from the
    /// zero carry or a given one. Two steps: depth 2. The lecture's candidate runs a second product (r ⊙ h) W_hnᵀ
    /// after r's own product in the same step, so a step is two products deep there: depth 4; the longest dot
    /// product is x·w_ih + h·w_hh, length F + H.
    /// </summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 6)
        from inputs in Gen.Choose(1, 8)
        from hidden in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        from before in Gen.Elements(true, false)
        from given in Gen.Elements(true, false)
        select ((Layer)new TwoSteps(new GruCell(inputs, hidden, bias, before), batch, given), new Shape(batch, inputs), before ? 4 : 2, inputs + hidden)));

    /// <summary>Outputs and gradients (parameters, input, initial carry) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"GRU cells on {combination}: worst output and gradient error as a fraction of the tolerance");
        Law.Check(Cases, c =>
        {
            var (o, g) = LayerLaws.Agree(combination, c);
            worst.Record(Math.Max(o, g), () => $"output {o:G3}, gradient {g:G3} of the tolerance, {c}");
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Reference gradients match central differences within 1e-6 per leaf (σ and tanh: no kink).</summary>
    [Fact]
    public void Reference_gradients_match_central_differences()
    {
        var worst = new WorstSeen("GRU cells: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 50);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Steps are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>
    /// Two steps of PyTorch's form equal <c>nn.GRUCell</c>'s with the same weights in float64: h₂ within 1e-12,
    /// gradients of Σ h₂ ⊙ r (parameters, x, h0) within 1e-10 per tensor.
    /// </summary>
    [Fact]
    public void Matches_nn_GRUCell()
    {
        var backend = ReferenceBackend.Instance;
        PeerTests.EnsureTorch();
        var worst = new WorstSeen("GruCell vs nn.GRUCell in float64: worst error over outputs and gradients");
        Law.Check(Cases, c =>
        {
            var harness = (TwoSteps)c.Layer;
            var cell = (GruCell)harness.Cell;
            if (cell.ResetBeforeWeight)
            {
                return;
            }

            var p = c.Parameters(backend);
            var weights = Weights(cell, p, backend);
            var ours = c.Layer.Apply(p, c.Input(backend)).ToArray();
            var (_, grads) = Grad.ValueAndGrad(c.Objective(backend), c.Arguments(backend));

            using var scope = NewDisposeScope();
            using var peer = nn.GRUCell(cell.Inputs, cell.Hidden, bias: cell.HasBias, dtype: float64);
            using (no_grad())
            {
                foreach (var (name, leaf) in weights)
                {
                    peer.get_parameter(name)!.copy_(ToTorch(leaf));
                }
            }

            var x = ToTorch(c.Input(backend)).requires_grad_(true);
            var h0 = harness.FromGiven ? ToTorch(p["h0"]).requires_grad_(true) : null;
            var h2 = peer.forward(x, peer.forward(x, h0));
            var r = tensor(Key.FromSeed(c.Seed).Fold(2).Normal(checked((int)h2.numel())), h2.shape, float64);
            (h2 * r).sum().backward();

            const string Peer = "nn.GRUCell";
            var e = Expect("h₂", Peer, ours, Values(h2), PeerTests.Tolerance, c);
            e = Math.Max(e, Expect("gradient of x", Peer, grads["x.x"].ToArray(), Values(x.grad!), LayerLaws.GradientTolerance, c));
            if (h0 is not null)
            {
                e = Math.Max(e, Expect("gradient of h0", Peer, grads["p.h0"].ToArray(), Values(h0.grad!), LayerLaws.GradientTolerance, c));
            }

            foreach (var (name, _) in weights)
            {
                e = Math.Max(e, Expect($"gradient of {name}", Peer, grads["p." + name].ToArray(), Values(peer.get_parameter(name)!.grad!), LayerLaws.GradientTolerance, c));
            }

            worst.Record(e, () => c.ToString());
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// One step of either form equals its equations evaluated here entry by entry in doubles, within 1e-12:
    /// PyTorch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), the lecture's n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn);
    /// h' = (1 − z) ⊙ n + z ⊙ h in both.
    /// </summary>
    [Fact]
    public void Step_is_its_equations()
    {
        var backend = ReferenceBackend.Instance;
        var worst = new WorstSeen("GruCell vs its equations: worst relative error of h'");
        Law.Check(Cases, c =>
        {
            var cell = (GruCell)((TwoSteps)c.Layer).Cell;
            int n = c.InputShape[0], f = cell.Inputs, hs = cell.Hidden;
            var p = cell.Init(Key.FromSeed(c.Seed), backend);
            var x = c.Input(backend).ToArray();
            var h = Key.FromSeed(c.Seed).Fold(3).Normal(n * hs);
            var step = cell.Step(p, backend.FromArray(x, n, f), TensorTree.Of(("h", backend.FromArray(h, n, hs))));

            double[] wi = p["weight_ih"].ToArray(), wh = p["weight_hh"].ToArray();
            double[] bi = cell.HasBias ? p["bias_ih"].ToArray() : new double[3 * hs], bh = cell.HasBias ? p["bias_hh"].ToArray() : new double[3 * hs];
            static double Sigma(double v) => 1 / (1 + Math.Exp(-v));
            var expected = new double[n * hs];
            for (var b = 0; b < n; b++)
            {
                // Row k·H + u of W_ih·x + b_ih, and of W_hh·v + b_hh for a vector v [H].
                double FromX(int k, int u) => bi[k * hs + u] + Enumerable.Range(0, f).Sum(j => wi[(k * hs + u) * f + j] * x[b * f + j]);
                double FromH(int k, int u, double[] v) => bh[k * hs + u] + Enumerable.Range(0, hs).Sum(j => wh[(k * hs + u) * hs + j] * v[j]);
                var hb = h.Skip(b * hs).Take(hs).ToArray();
                var r = Enumerable.Range(0, hs).Select(u => Sigma(FromX(0, u) + FromH(0, u, hb))).ToArray();
                var resetH = hb.Select((v, u) => r[u] * v).ToArray();
                for (var u = 0; u < hs; u++)
                {
                    var z = Sigma(FromX(1, u) + FromH(1, u, hb));
                    var candidate = Math.Tanh(FromX(2, u) + (cell.ResetBeforeWeight ? FromH(2, u, resetH) : r[u] * FromH(2, u, hb)));
                    expected[b * hs + u] = (1 - z) * candidate + z * hb[u];
                }
            }

            worst.Record(Expect("h'", "the equations", step.Output.ToArray(), expected, PeerTests.Tolerance, c), () => c.ToString());
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Parameters have nn.GRUCell's names and shapes; the lecture's form has no biases; the carry is h, zeros.</summary>
    [Fact]
    public void Has_PyTorch_names_and_a_zero_carry()
    {
        var backend = ReferenceBackend.Instance;
        var cell = new GruCell(3, 5);
        var p = cell.Init(Key.FromSeed(6), backend);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], p.Names);
        Assert.Equal(new Shape(15, 3), p["weight_ih"].Shape);
        Assert.Equal(new Shape(15, 5), p["weight_hh"].Shape);
        Assert.Equal(new Shape(15), p["bias_ih"].Shape);
        Assert.Equal(cell.ParameterCount, p.ParameterCount);
        Assert.All(p.Values.SelectMany(t => t.ToArray()), v => Assert.InRange(v, -1 / Math.Sqrt(5), 1 / Math.Sqrt(5)));
        var lecture = GruCell.Lecture(3, 5);
        Assert.Equal(["weight_ih", "weight_hh"], lecture.Init(Key.FromSeed(6), backend).Names);
        Assert.Equal("GruCell(3→5, reset before W_hn, no bias)", lecture.Describe());
        var carry = cell.InitialCarry(2, backend);
        Assert.Equal(["h"], carry.Names);
        Assert.All(carry["h"].ToArray(), v => Assert.Equal(0, v));
        var step = cell.Step(p, backend.FromArray(new double[6], 2, 3), carry);
        Assert.Same(step.Output, step.Carry["h"]);
    }

    /// <summary>A step of the wrong width or a carry of the wrong shape is an error naming the cell, the expected and the actual.</summary>
    [Fact]
    public void Wrong_shapes_are_clear_errors()
    {
        var backend = ReferenceBackend.Instance;
        foreach (var cell in new[] { new GruCell(3, 5), GruCell.Lecture(3, 5) })
        {
            var p = cell.Init(Key.FromSeed(7), backend);
            var e = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[4], 2, 2), cell.InitialCarry(2, backend)));
            Assert.Contains($"{cell.Describe()}: expected input x_t [N, 3], got [2, 2]", e.Message, StringComparison.Ordinal);
            var h = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), cell.InitialCarry(4, backend)));
            Assert.Contains($"{cell.Describe()}: expected input carry h [2, 5]", h.Message, StringComparison.Ordinal);
            Assert.Contains("got [4, 5]", h.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), TensorTree.Empty));
            var w = Assert.Throws<ShapeMismatchException>(() => cell.Step(TensorTree.Of(("weight_ih", backend.FromArray(new double[9], 3, 3))).Merge(p.Without(n => n == "weight_ih")), backend.FromArray(new double[6], 2, 3), cell.InitialCarry(2, backend)));
            Assert.Contains("parameter 'weight_ih' has shape [3, 3], expected [15, 3]", w.Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new GruCell(3, 0));
    }
}
