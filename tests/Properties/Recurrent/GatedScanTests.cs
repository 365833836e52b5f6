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
/// <see cref="Scan"/> over the gated cells (<see cref="LstmCell"/>, <see cref="PeepholeLstmCell"/>,
/// <see cref="GruCell"/> in both forms) on batch-first sequences [N, T, F], forward and reversed, from the zero
/// carry or a given one: backend agreement on every combination, central differences, purity, and TorchSharp's
/// one-layer <c>nn.LSTM</c> and <c>nn.GRU</c> (batch_first) with the same weights (reversed: the peer on the
/// time-flipped input, its outputs flipped back), outputs, h_n, c_n and gradients.
/// </summary>
public sealed class GatedScanTests(ITestOutputHelper output)
{
    /// <summary>
    /// Scans of 1–5 steps of 1–6 inputs and hidden units, with and without bias, either direction, on batches of
    /// 1–4, half from a given initial carry. Depth counts products along the longest path: one per step (two for
    /// the lecture's GRU, whose candidate multiplies r ⊙ h after r's own product); the longest dot product is
    /// x·w_ih + h·w_hh, length F + H.
    /// </summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 4)
        from steps in Gen.Choose(1, 5)
        from inputs in Gen.Choose(1, 6)
        from hidden in Gen.Choose(1, 6)
        from bias in Gen.Elements(true, false)
        from kind in Gen.Choose(0, 3)
        from peepholes in Gen.Choose(0, 7)
        from reverse in Gen.Elements(true, false)
        from given in Gen.Elements(true, false)
        let cell = kind switch
        {
            0 => (Cell)new LstmCell(inputs, hidden, bias),
            1 => new GruCell(inputs, hidden, bias),
            2 => new PeepholeLstmCell(inputs, hidden, (LstmPeepholes)peepholes, bias),
            _ => new GruCell(inputs, hidden, bias, resetBeforeWeight: true),
        }
        select ((Layer)new ScanFrom(new Scan(cell, reverse), batch, given), new Shape(batch, steps, inputs), kind == 3 ? 2 * steps : steps, inputs + hidden)));

    /// <summary>Outputs and gradients (parameters, input, initial carry) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"gated scans on {combination}: worst output and gradient error as a fraction of the tolerance");
        Law.Check(Cases, c =>
        {
            var (o, g) = LayerLaws.Agree(combination, c);
            worst.Record(Math.Max(o, g), () => $"output {o:G3}, gradient {g:G3} of the tolerance, {c}");
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Reference gradients match central differences within 1e-6 per leaf (backpropagation through time on the tape).</summary>
    [Fact]
    public void Reference_gradients_match_central_differences()
    {
        var worst = new WorstSeen("gated scans: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 40);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Apply and ValueAndGrad are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>
    /// Scan(LstmCell) equals <c>nn.LSTM(batch_first: true)</c> and Scan(GruCell) <c>nn.GRU</c> with the same weights
    /// (ours <c>weight_ih</c>, theirs <c>weight_ih_l0</c>) in float64: outputs, h_n and c_n within 1e-12, gradients of
    /// Σ y ⊙ r (parameters, input, h0, c0) within 1e-10 per tensor.
    /// </summary>
    [Fact]
    public void Matches_nn_LSTM_and_nn_GRU()
    {
        var backend = ReferenceBackend.Instance;
        PeerTests.EnsureTorch();
        var worst = new WorstSeen("Scan(LstmCell/GruCell) vs nn.LSTM/nn.GRU in float64: worst error over outputs, final carries and gradients");
        Law.Check(Cases, c =>
        {
            var harness = (ScanFrom)c.Layer;
            var scan = harness.Scan;
            if (scan.Cell is not (LstmCell or GruCell { ResetBeforeWeight: false }))
            {
                return;
            }

            var p = c.Parameters(backend);
            var x = c.Input(backend);
            var weights = Weights(scan.Cell, p, backend);
            var carry = harness.FromGiven ? CarryOf(scan.Cell, p, x.Shape[0], backend) : null;
            var ours = scan.Run(weights, x, carry);
            var (_, grads) = Grad.ValueAndGrad(c.Objective(backend), c.Arguments(backend));

            using var scope = NewDisposeScope();
            var lstm = scan.Cell as LstmCell;
            var gru = scan.Cell as GruCell;
            var (inputs, hidden, bias) = lstm is not null ? (lstm.Inputs, lstm.Hidden, lstm.HasBias) : (gru!.Inputs, gru.Hidden, gru.HasBias);
            using torch.nn.Module peer = lstm is not null
                ? nn.LSTM(inputs, hidden, numLayers: 1, bias: bias, batchFirst: true, dtype: float64)
                : nn.GRU(inputs, hidden, numLayers: 1, bias: bias, batchFirst: true, dtype: float64);
            var name = lstm is not null ? "nn.LSTM" : "nn.GRU";
            using (no_grad())
            {
                foreach (var (leaf, value) in weights)
                {
                    peer.get_parameter(leaf + "_l0")!.copy_(ToTorch(value));
                }
            }

            var xt = ToTorch(x).requires_grad_(true);
            var h0 = harness.FromGiven ? ToTorch(p["h0"]).unsqueeze(0).requires_grad_(true) : null;
            var c0 = harness.FromGiven && lstm is not null ? ToTorch(p["c0"]).unsqueeze(0).requires_grad_(true) : null;
            var input = scan.Reverse ? xt.flip(1) : xt;
            torch.Tensor flat, hn;
            torch.Tensor? cn = null;
            if (peer is TorchSharp.Modules.LSTM l)
            {
                (flat, hn, cn) = l.forward(input, h0 is null ? null : (h0, c0!));
            }
            else
            {
                (flat, hn) = ((TorchSharp.Modules.GRU)peer).forward(input, h0);
            }

            var y = scan.Reverse ? flat.flip(1) : flat;
            var r = tensor(Key.FromSeed(c.Seed).Fold(2).Normal(checked((int)y.numel())), y.shape, float64);
            (y * r).sum().backward();

            var e = Expect("outputs", name, ours.Outputs.ToArray(), Values(y), PeerTests.Tolerance, c);
            e = Math.Max(e, Expect("h_n", name, ours.Carry["h"].ToArray(), Values(hn), PeerTests.Tolerance, c));
            if (cn is not null)
            {
                e = Math.Max(e, Expect("c_n", name, ours.Carry["c"].ToArray(), Values(cn), PeerTests.Tolerance, c));
            }

            e = Math.Max(e, Expect("gradient of x", name, grads["x.x"].ToArray(), Values(xt.grad!), LayerLaws.GradientTolerance, c));
            if (h0 is not null)
            {
                e = Math.Max(e, Expect("gradient of h0", name, grads["p.h0"].ToArray(), Values(h0.grad!), LayerLaws.GradientTolerance, c));
            }

            if (c0 is not null)
            {
                e = Math.Max(e, Expect("gradient of c0", name, grads["p.c0"].ToArray(), Values(c0.grad!), LayerLaws.GradientTolerance, c));
            }

            foreach (var (leaf, _) in weights)
            {
                e = Math.Max(e, Expect($"gradient of {leaf}", name, grads["p." + leaf].ToArray(), Values(peer.get_parameter(leaf + "_l0")!.grad!), LayerLaws.GradientTolerance, c));
            }

            worst.Record(e, () => c.ToString());
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>A sequence of the wrong feature width, or an initial carry of the wrong shape, is an error naming the scan, the cell, the expected and the actual.</summary>
    [Fact]
    public void Wrong_shapes_are_clear_errors()
    {
        var backend = ReferenceBackend.Instance;
        foreach (var cell in new Cell[] { new LstmCell(3, 5), new GruCell(3, 5), new PeepholeLstmCell(3, 5) })
        {
            var scan = new Scan(cell);
            var p = scan.Init(Key.FromSeed(10), backend);
            var features = Assert.Throws<LayerShapeException>(() => scan.Apply(p, backend.FromArray(new double[16], 2, 2, 4)));
            Assert.Contains($"Scan({cell.Describe()})", features.Message, StringComparison.Ordinal);
            Assert.Contains("[N, T ≥ 1, 3]", features.Message, StringComparison.Ordinal);
            Assert.Contains("[2, 2, 4]", features.Message, StringComparison.Ordinal);
            var carry = Assert.Throws<LayerShapeException>(() => scan.Run(p, backend.FromArray(new double[12], 2, 2, 3), cell.InitialCarry(4, backend)));
            Assert.Contains($"Scan({cell.Describe()})", carry.Message, StringComparison.Ordinal);
            Assert.Contains("carry h [2, 5]", carry.Message, StringComparison.Ordinal);
            Assert.Contains("[4, 5]", carry.Message, StringComparison.Ordinal);
        }
    }
}
