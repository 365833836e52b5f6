using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// <see cref="Scan"/> over an <see cref="RnnCell"/> on batch-first sequences [N, T, F], forward and reversed, from
/// the zero carry or a given one: backend agreement on every combination, central differences, purity,
/// TorchSharp's <c>nn.RNN(batch_first: true)</c> with the same weights (reversed: nn.RNN on the time-flipped
/// input, its outputs flipped back), names and shape errors.
/// </summary>
public sealed class ScanTests(ITestOutputHelper output)
{
    /// <summary>
    /// Scans of 1–5 steps over cells of 1–6 inputs and hidden units, with and without bias, either direction,
    /// on batches of 1–4; half of them from a given initial carry (a parameter h0 of the harness, so its
    /// gradient is checked too). Depth counts steps (a scan of T steps is T cell layers deep on its longest
    /// path, x₀ → h₀ → ... → h_{T−1}); the longest dot product of a step is x_t·w_ih + h·w_hh, length F + H.
    /// </summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 4)
        from steps in Gen.Choose(1, 5)
        from inputs in Gen.Choose(1, 6)
        from hidden in Gen.Choose(1, 6)
        from bias in Gen.Elements(true, false)
        from reverse in Gen.Elements(true, false)
        from given in Gen.Elements(true, false)
        let scan = new Scan(new RnnCell(inputs, hidden, bias), reverse)
        select (given ? (Layer)new FromGivenCarry(scan, batch) : scan, new Shape(batch, steps, inputs), steps, inputs + hidden)));

    /// <summary>Outputs and gradients (parameters, input, initial carry) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"Scan on {combination}: worst output and gradient error as a fraction of the tolerance");
        Law.Check(Cases, c =>
        {
            var (o, g) = LayerLaws.Agree(combination, c);
            worst.Record(Math.Max(o, g), () => $"output {o:G3}, gradient {g:G3} of the tolerance, {c}");
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Reference gradients match central differences within 1e-6 per leaf (tanh cells: no kink).</summary>
    [Fact]
    public void Reference_gradients_match_central_differences()
    {
        var worst = new WorstSeen("Scan: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 40);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Apply and ValueAndGrad are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>
    /// The scan equals <c>nn.RNN(tanh, batch_first: true)</c> with the same weights (ours <c>weight_ih</c>, theirs
    /// <c>weight_ih_l0</c>) in float64: outputs and final carry within 1e-12, gradients of Σ y ⊙ r (parameters,
    /// input, h0) within 1e-10 per tensor, ours from the Reference VJPs, theirs from libtorch autograd. A reversed
    /// scan is nn.RNN on x flipped along time, its outputs flipped back.
    /// </summary>
    [Fact]
    public void Matches_nn_RNN()
    {
        var backend = ReferenceBackend.Instance;
        PeerTests.EnsureTorch();
        var worst = new WorstSeen("Scan vs nn.RNN in float64: worst error over outputs, carries and gradients");
        Law.Check(Cases, c =>
        {
            var given = c.Layer as FromGivenCarry;
            var scan = given?.Scan ?? (Scan)c.Layer;
            var cell = (RnnCell)scan.Cell;
            var p = c.Parameters(backend);
            var x = c.Input(backend);
            var carry = given is null ? null : TensorTree.Of(("h", p[FromGivenCarry.Carry]));
            var weights = given is null ? p : p.Without(FromGivenCarry.Carry);
            var ours = scan.Run(weights, x, carry);
            var (_, grads) = Grad.ValueAndGrad(c.Objective(backend), c.Arguments(backend));

            using var scope = NewDisposeScope();
            // nn.RNN's nonlinearity defaults to tanh, the cell's.
            using var peer = nn.RNN(cell.Inputs, cell.Hidden, numLayers: 1, bias: cell.HasBias, batchFirst: true, dtype: float64);
            using (no_grad())
            {
                foreach (var (name, leaf) in weights)
                {
                    peer.get_parameter(name + "_l0")!.copy_(ToTorch(leaf));
                }
            }

            var xt = ToTorch(x).requires_grad_(true);
            var h0 = given is null ? null : ToTorch(p[FromGivenCarry.Carry]).unsqueeze(0).requires_grad_(true);
            var (flat, hn) = peer.forward(scan.Reverse ? xt.flip(1) : xt, h0);
            var y = scan.Reverse ? flat.flip(1) : flat;
            var r = tensor(Key.FromSeed(c.Seed).Fold(2).Normal(checked((int)y.numel())), y.shape, float64);
            (y * r).sum().backward();

            double e = 0;
            e = Math.Max(e, Expect("outputs", ours.Outputs.ToArray(), Values(y), PeerTests.Tolerance, c));
            e = Math.Max(e, Expect("final carry", ours.Carry["h"].ToArray(), Values(hn), PeerTests.Tolerance, c));
            e = Math.Max(e, Expect("gradient of x", grads["x.x"].ToArray(), Values(xt.grad!), LayerLaws.GradientTolerance, c));
            if (h0 is not null)
            {
                e = Math.Max(e, Expect("gradient of h0", grads["p." + FromGivenCarry.Carry].ToArray(), Values(h0.grad!), LayerLaws.GradientTolerance, c));
            }

            foreach (var (name, _) in weights)
            {
                e = Math.Max(e, Expect($"gradient of {name}", grads["p." + name].ToArray(), Values(peer.get_parameter(name + "_l0")!.grad!), LayerLaws.GradientTolerance, c));
            }

            worst.Record(e, () => c.ToString());
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// The parameters are the cell's, unprefixed; output t is the step that read x_t in both directions; the
    /// final carry is the last step read's; reversing equals scanning the time-flipped input and flipping back.
    /// </summary>
    [Fact]
    public void Runs_forward_and_reversed()
    {
        var backend = ReferenceBackend.Instance;
        var cell = new RnnCell(2, 3);
        var forward = new Scan(cell);
        var reversed = new Scan(cell, reverse: true);
        var p = forward.Init(Key.FromSeed(8), backend);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], p.Names);
        Assert.Equal(cell.ParameterCount, forward.ParameterCount);
        Assert.Equal("Scan(RnnCell(2→3), reversed)", reversed.Describe());

        var x = backend.FromArray(Key.FromSeed(9).Normal(2 * 4 * 2), 2, 4, 2);
        var flipped = Tensor.Stack([.. Enumerable.Range(0, 4).Select(t => x.Slice(1, 3 - t, 1).Squeeze(1))], 1);
        var f = forward.Run(p, x);
        var r = reversed.Run(p, x);
        Assert.Equal(new Shape(2, 4, 3), f.Outputs.Shape);
        Assert.Equal(f.Outputs.Slice(1, 3, 1).Squeeze(1).ToArray(), f.Carry["h"].ToArray());
        Assert.Equal(r.Outputs.Slice(1, 0, 1).Squeeze(1).ToArray(), r.Carry["h"].ToArray());
        var onFlipped = forward.Run(p, flipped).Outputs;
        for (var t = 0; t < 4; t++)
        {
            Assert.Equal(onFlipped.Slice(1, 3 - t, 1).ToArray(), r.Outputs.Slice(1, t, 1).ToArray());
        }

        // Step by step by hand: the cell from the zero carry, then from each output.
        var h = cell.InitialCarry(2, backend);
        for (var t = 0; t < 4; t++)
        {
            var step = cell.Step(p, x.Slice(1, t, 1).Squeeze(1), h);
            Assert.Equal(step.Output.ToArray(), f.Outputs.Slice(1, t, 1).Squeeze(1).ToArray());
            h = step.Carry;
        }

        // A given carry is where the first step starts: zeros given equal none given.
        Assert.Equal(f.Outputs.ToArray(), forward.Run(p, x, cell.InitialCarry(2, backend)).Outputs.ToArray());
        Assert.Equal(f.Outputs.ToArray(), forward.Apply(p, x).ToArray());
    }

    /// <summary>A sequence of the wrong rank, feature size or no steps, or a carry of the wrong shape, is an error naming the scan, what it expected and what it got.</summary>
    [Fact]
    public void Wrong_shapes_are_clear_errors()
    {
        var backend = ReferenceBackend.Instance;
        var scan = new Scan(new RnnCell(3, 5));
        var p = scan.Init(Key.FromSeed(10), backend);
        var rank = Assert.Throws<LayerShapeException>(() => scan.Apply(p, backend.FromArray(new double[6], 2, 3)));
        Assert.Contains("Scan(RnnCell(3→5))", rank.Message, StringComparison.Ordinal);
        Assert.Contains("[N, T ≥ 1, 3] (batch first)", rank.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", rank.Message, StringComparison.Ordinal);

        var features = Assert.Throws<LayerShapeException>(() => scan.Apply(p, backend.FromArray(new double[16], 2, 2, 4)));
        Assert.Contains("Scan(RnnCell(3→5))", features.Message, StringComparison.Ordinal);
        Assert.Contains("[N, T ≥ 1, 3]", features.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 2, 4]", features.Message, StringComparison.Ordinal);
        Assert.Throws<LayerShapeException>(() => scan.OutputShape(new Shape(2, 0, 3)));

        var carry = Assert.Throws<LayerShapeException>(() => scan.Run(p, backend.FromArray(new double[12], 2, 2, 3), new RnnCell(3, 5).InitialCarry(4, backend)));
        Assert.Contains("Scan(RnnCell(3→5))", carry.Message, StringComparison.Ordinal);
        Assert.Contains("carry h [2, 5]", carry.Message, StringComparison.Ordinal);

        var inSequential = Assert.Throws<LayerShapeException>(() => new Sequential(new Dense(3, 3), scan).OutputShape(new Shape(2, 3)));
        Assert.Contains("at [1]", inSequential.Message, StringComparison.Ordinal);
    }

    private static torch.Tensor ToTorch(Tensor t) => tensor(t.ToArray(), t.Shape.Dims.Select(d => (long)d).ToArray(), float64);

    private static double[] Values(torch.Tensor t) => t.contiguous().data<double>().ToArray();

    private static double Expect(string what, double[] ours, double[] peer, double tolerance, LayerCase c)
    {
        var e = RelativeError.Of(ours, peer);
        if (!(e.Value <= tolerance))
        {
            throw new LawViolation($"{what} of {c} vs nn.RNN: {e} exceeds {tolerance:G} (a = ours, b = peer)");
        }

        return e.Value;
    }

    /// <summary>
    /// A test harness (not a library layer): the scan from a given initial carry h0 [N, H], held as one more
    /// parameter (<see cref="Carry"/>, N(0, ½²)) so the laws differentiate it; the output is the scan's [N, T, H].
    /// </summary>
    internal sealed class FromGivenCarry(Scan scan, int batch) : Layer
    {
        public const string Carry = "h0";

        public Scan Scan => scan;

        public override long ParameterCount => scan.ParameterCount + (long)batch * scan.Cell.OutputSize;

        public override string Describe() => $"FromGivenCarry({scan.Describe()}, h0 [{batch}, {scan.Cell.OutputSize}])";

        public override Shape OutputShape(Shape input) => scan.OutputShape(input);

        public override TensorTree Init(Key key, Backend backend) =>
            scan.Init(key.Fold(0), backend).Merge(TensorTree.Of((Carry, backend.FromArray(key.Fold(1).Normal(batch * scan.Cell.OutputSize).Select(v => v / 2).ToArray(), batch, scan.Cell.OutputSize))));

        public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context) =>
            (scan.Run(parameters.Without(Carry), state, input, TensorTree.Of(("h", parameters[Carry])), context).Outputs, state);
    }
}

/// <summary>
/// A generated case a full run drew (seed 856092908): a one-step scan from a given carry whose tanh saturates
/// (y² = 0.993), where float32's rounding of 1 − y² is large against the shrunken gradient. It must agree with the
/// Reference within the float32 bound measured on the scale the gradient's terms are made of (see LayerLaws.Agree).
/// </summary>
public sealed class SaturatedScanRegressionTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void A_saturated_float32_scan_agrees_with_the_reference(bool bias, bool reverse)
    {
        var scan = new Scan(new RnnCell(3, 1, bias), reverse);
        var c = new LayerCase(856092908, new ScanTests.FromGivenCarry(scan, 1), new Shape(1, 1, 3), 1, 4);
        var (output, gradient) = LayerLaws.Agree(BackendCombinations.TorchCpuFloat32, c);
        Assert.InRange(output, 0, 1);
        Assert.InRange(gradient, 0, 1);
    }
}
