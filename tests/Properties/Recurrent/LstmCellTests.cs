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
/// <see cref="LstmCell"/> (PyTorch's form) and <see cref="PeepholeLstmCell"/> (the lecture's): two steps from the
/// zero or a given carry (h and c paths both exercised) agree across backends, with central differences, with
/// TorchSharp's <c>nn.LSTMCell</c> given the same weights, and (peepholes) with their equations evaluated in the
/// test; purity; names; errors.
/// </summary>
public sealed class LstmCellTests(ITestOutputHelper output)
{
    /// <summary>
    /// LSTM cells (with and without bias) and peephole cells (any subset of peepholes) of 1–8 inputs and hidden
    /// units, on batches of 1–6, from the zero carry or a given one. Two steps: depth 2; the longest dot product is
    /// a gate's x·w_ih + h·w_hh, length F + H (a peephole adds one product and one sum to a gate, within the margin).
    /// </summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 6)
        from inputs in Gen.Choose(1, 8)
        from hidden in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        from peepholes in Gen.Choose(-1, 7)
        from given in Gen.Elements(true, false)
        let cell = peepholes < 0 ? (Cell)new LstmCell(inputs, hidden, bias) : new PeepholeLstmCell(inputs, hidden, (LstmPeepholes)peepholes, bias)
        select ((Layer)new TwoSteps(cell, batch, given), new Shape(batch, inputs), 2, inputs + hidden)));

    /// <summary>The PyTorch-form cases only, for the peer.</summary>
    private static Arbitrary<LayerCase> PlainCases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 6)
        from inputs in Gen.Choose(1, 8)
        from hidden in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        from given in Gen.Elements(true, false)
        select ((Layer)new TwoSteps(new LstmCell(inputs, hidden, bias), batch, given), new Shape(batch, inputs), 2, inputs + hidden)));

    /// <summary>Outputs and gradients (parameters, input, initial carry) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"LSTM cells on {combination}: worst output and gradient error as a fraction of the tolerance");
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
        var worst = new WorstSeen("LSTM cells: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 50);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Steps are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>
    /// Two steps equal <c>nn.LSTMCell</c>'s with the same weights in float64: [h₂ | c₂] within 1e-12, gradients of
    /// Σ [h₂ | c₂] ⊙ r (parameters, x, h0, c0) within 1e-10 per tensor, ours from the Reference VJPs, theirs from
    /// libtorch autograd.
    /// </summary>
    [Fact]
    public void Matches_nn_LSTMCell()
    {
        var backend = ReferenceBackend.Instance;
        PeerTests.EnsureTorch();
        var worst = new WorstSeen("LstmCell vs nn.LSTMCell in float64: worst error over outputs and gradients");
        Law.Check(PlainCases, c =>
        {
            var harness = (TwoSteps)c.Layer;
            var cell = (LstmCell)harness.Cell;
            var p = c.Parameters(backend);
            var weights = Weights(cell, p, backend);
            var ours = c.Layer.Apply(p, c.Input(backend)).ToArray();
            var (_, grads) = Grad.ValueAndGrad(c.Objective(backend), c.Arguments(backend));

            using var scope = NewDisposeScope();
            using var peer = nn.LSTMCell(cell.Inputs, cell.Hidden, bias: cell.HasBias, dtype: float64);
            using (no_grad())
            {
                foreach (var (name, leaf) in weights)
                {
                    peer.get_parameter(name)!.copy_(ToTorch(leaf));
                }
            }

            var x = ToTorch(c.Input(backend)).requires_grad_(true);
            var h0 = harness.FromGiven ? ToTorch(p["h0"]).requires_grad_(true) : null;
            var c0 = harness.FromGiven ? ToTorch(p["c0"]).requires_grad_(true) : null;
            // TorchSharp 0.107's LSTMCell turns a missing state into a batch of 0 rows, so zeros are passed explicitly.
            var noState = zeros(x.shape[0], cell.Hidden, dtype: float64);
            var first = peer.forward(x, (h0 ?? noState, c0 ?? noState));
            var (h2, c2) = peer.forward(x, first);
            var y = cat([h2, c2], 1);
            var r = tensor(Key.FromSeed(c.Seed).Fold(2).Normal(checked((int)y.numel())), y.shape, float64);
            (y * r).sum().backward();

            const string Peer = "nn.LSTMCell";
            var e = Expect("[h₂ | c₂]", Peer, ours, Values(y), PeerTests.Tolerance, c);
            e = Math.Max(e, Expect("gradient of x", Peer, grads["x.x"].ToArray(), Values(x.grad!), LayerLaws.GradientTolerance, c));
            if (h0 is not null)
            {
                e = Math.Max(e, Expect("gradient of h0", Peer, grads["p.h0"].ToArray(), Values(h0.grad!), LayerLaws.GradientTolerance, c));
                e = Math.Max(e, Expect("gradient of c0", Peer, grads["p.c0"].ToArray(), Values(c0!.grad!), LayerLaws.GradientTolerance, c));
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
    /// A peephole step equals the lecture's equations evaluated here entry by entry in doubles (gates from the
    /// stacked weights, i and f peeping at c, o at c'), within 1e-12; with no peepholes it is <see cref="LstmCell"/> exactly.
    /// </summary>
    [Fact]
    public void Peephole_step_is_the_lectures_equations()
    {
        var backend = ReferenceBackend.Instance;
        var worst = new WorstSeen("PeepholeLstmCell vs its equations: worst relative error of h' and c'");
        Law.Check(Cases, c =>
        {
            var harness = (TwoSteps)c.Layer;
            if (harness.Cell is not PeepholeLstmCell cell)
            {
                return;
            }

            int n = c.InputShape[0], f = cell.Inputs, hs = cell.Hidden;
            var p = Weights(cell, cell.Init(Key.FromSeed(c.Seed), backend), backend);
            var x = c.Input(backend).ToArray();
            var key = Key.FromSeed(c.Seed).Fold(3);
            var h = key.Fold(0).Normal(n * hs);
            var cPrev = key.Fold(1).Normal(n * hs);
            var step = cell.Step(p, backend.FromArray(x, n, f), TensorTree.Of(("h", backend.FromArray(h, n, hs)), ("c", backend.FromArray(cPrev, n, hs))));

            double[] Get(string name) => p.TryGet(name, out var t) ? t.ToArray() : new double[4 * hs * Math.Max(f, hs)];
            double[] wi = Get("weight_ih"), wh = Get("weight_hh"), bi = Get("bias_ih"), bh = Get("bias_hh");
            double[] wci = Get("weight_ci"), wcf = Get("weight_cf"), wco = Get("weight_co");
            static double Sigma(double v) => 1 / (1 + Math.Exp(-v));
            var hNext = new double[n * hs];
            var cNext = new double[n * hs];
            for (var b = 0; b < n; b++)
            {
                for (var u = 0; u < hs; u++)
                {
                    // Pre-activation of gate k (0 i, 1 f, 2 g, 3 o) for unit u: W_ih[kH+u]·x + W_hh[kH+u]·h + biases.
                    double Pre(int k)
                    {
                        var row = k * hs + u;
                        var s = 0.0;
                        for (var j = 0; j < f; j++)
                        {
                            s += wi[row * f + j] * x[b * f + j];
                        }

                        for (var j = 0; j < hs; j++)
                        {
                            s += wh[row * hs + j] * h[b * hs + j];
                        }

                        return s + bi[row] + bh[row];
                    }

                    var cOld = cPrev[b * hs + u];
                    var i = Sigma(Pre(0) + (cell.Peepholes.HasFlag(LstmPeepholes.Input) ? wci[u] * cOld : 0));
                    var fg = Sigma(Pre(1) + (cell.Peepholes.HasFlag(LstmPeepholes.Forget) ? wcf[u] * cOld : 0));
                    var cNew = fg * cOld + i * Math.Tanh(Pre(2));
                    var o = Sigma(Pre(3) + (cell.Peepholes.HasFlag(LstmPeepholes.Output) ? wco[u] * cNew : 0));
                    cNext[b * hs + u] = cNew;
                    hNext[b * hs + u] = o * Math.Tanh(cNew);
                }
            }

            var e = Math.Max(
                Expect("h'", "the equations", step.Output.ToArray(), hNext, PeerTests.Tolerance, c),
                Expect("c'", "the equations", step.Carry["c"].ToArray(), cNext, PeerTests.Tolerance, c));
            worst.Record(e, () => c.ToString());

            if (cell.Peepholes == LstmPeepholes.None)
            {
                var plain = new LstmCell(f, hs, cell.HasBias).Step(p, backend.FromArray(x, n, f), TensorTree.Of(("h", backend.FromArray(h, n, hs)), ("c", backend.FromArray(cPrev, n, hs))));
                Assert.Equal(plain.Output.ToArray(), step.Output.ToArray());
            }
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Parameters have nn.LSTMCell's names and shapes (peepholes: weight_ci, weight_cf, weight_co [H]); the carry is h and c, zeros.</summary>
    [Fact]
    public void Has_PyTorch_names_and_a_zero_carry()
    {
        var backend = ReferenceBackend.Instance;
        var cell = new LstmCell(3, 5);
        var p = cell.Init(Key.FromSeed(6), backend);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], p.Names);
        Assert.Equal(new Shape(20, 3), p["weight_ih"].Shape);
        Assert.Equal(new Shape(20, 5), p["weight_hh"].Shape);
        Assert.Equal(new Shape(20), p["bias_hh"].Shape);
        Assert.Equal(cell.ParameterCount, p.ParameterCount);
        Assert.All(p.Values.SelectMany(t => t.ToArray()), v => Assert.InRange(v, -1 / Math.Sqrt(5), 1 / Math.Sqrt(5)));
        Assert.Equal(["weight_ih", "weight_hh"], new LstmCell(3, 5, bias: false).Init(Key.FromSeed(6), backend).Names);
        var carry = cell.InitialCarry(2, backend);
        Assert.Equal(["h", "c"], carry.Names);
        Assert.All(carry.Values.SelectMany(t => t.ToArray()), v => Assert.Equal(0, v));
        var step = cell.Step(p, backend.FromArray(new double[6], 2, 3), carry);
        Assert.Same(step.Output, step.Carry["h"]);

        var peep = new PeepholeLstmCell(3, 5, LstmPeepholes.Input | LstmPeepholes.Output);
        var pp = peep.Init(Key.FromSeed(6), backend);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_ci", "weight_co"], pp.Names);
        Assert.Equal(new Shape(5), pp["weight_co"].Shape);
        Assert.Equal(peep.ParameterCount, pp.ParameterCount);
        Assert.Equal("PeepholeLstmCell(3→5, peepholes Input, Output)", peep.Describe());
    }

    /// <summary>A step of the wrong width or a carry of the wrong shape is an error naming the cell, the expected and the actual.</summary>
    [Fact]
    public void Wrong_shapes_are_clear_errors()
    {
        var backend = ReferenceBackend.Instance;
        foreach (var cell in new Cell[] { new LstmCell(3, 5), new PeepholeLstmCell(3, 5) })
        {
            var p = cell.Init(Key.FromSeed(7), backend);
            var e = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[4], 2, 2), cell.InitialCarry(2, backend)));
            Assert.Contains($"{cell.Describe()}: expected input x_t [N, 3], got [2, 2]", e.Message, StringComparison.Ordinal);
            var h = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), cell.InitialCarry(4, backend)));
            Assert.Contains("carry h [2, 5]", h.Message, StringComparison.Ordinal);
            Assert.Contains("[4, 5]", h.Message, StringComparison.Ordinal);
            var wrongC = TensorTree.Of(("h", backend.FromArray(new double[10], 2, 5)), ("c", backend.FromArray(new double[8], 2, 4)));
            var cShape = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), wrongC));
            Assert.Contains($"{cell.Describe()}: expected input carry c [2, 5]", cShape.Message, StringComparison.Ordinal);
            Assert.Contains("got [2, 4]", cShape.Message, StringComparison.Ordinal);
            var missing = Assert.Throws<ArgumentException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), TensorTree.Of(("h", backend.FromArray(new double[10], 2, 5)))));
            Assert.Contains("missing carry 'c'", missing.Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new LstmCell(0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeepholeLstmCell(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeepholeLstmCell(3, 5, (LstmPeepholes)8));
    }
}
