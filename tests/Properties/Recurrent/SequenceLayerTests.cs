using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Functional.Nets.Tests.Layers;
using Functional.Nets.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static Functional.Nets.Tests.Recurrent.RecurrentHarness;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// The sequence layers <see cref="Rnn"/>, <see cref="Lstm"/>, <see cref="Gru"/> over generated networks (cell kind, sizes,
/// layers, directions, layout, lengths with padding, initial states): backend agreement on every combination, central
/// differences, purity; TorchSharp's <c>nn.RNN</c> (tanh and ReLU), <c>nn.LSTM</c> and <c>nn.GRU</c> with the same weights
/// (variable lengths through <c>pack_padded_sequence</c>); dropout between layers; shape and length errors.
/// </summary>
public sealed class SequenceLayerTests(ITestOutputHelper output)
{
    /// <summary>
    /// Networks of 1–2 layers, either direction set, either layout, 1–4 inputs and hidden units, with and without
    /// bias, on 1–3 sequences of 1–4 steps; half of them with lengths (padding), half from given h0 (and c0). Depth
    /// counts cell steps on the longest path: T per layer (2T for the lecture's GRU, whose candidate multiplies r ⊙ h
    /// after r's own product), L layers; the longest dot product is x·w_ih + h·w_hh, at most max(F, D·H) + H.
    /// </summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from kind in Gen.Choose(0, 4)
        from inputs in Gen.Choose(1, 4)
        from hidden in Gen.Choose(1, 4)
        from layers in Gen.Choose(1, 2)
        from bidirectional in Gen.Elements(true, false)
        from batchFirst in Gen.Elements(true, false)
        from bias in Gen.Elements(true, false)
        from batch in Gen.Choose(1, 3)
        from steps in Gen.Choose(1, 4)
        from given in Gen.Elements(true, false)
        from padded in Gen.Elements(true, false)
        from lengths in Gen.ArrayOf(Gen.Choose(1, steps), batch)
        let layer = kind switch
        {
            0 => (RecurrentLayer)new Rnn(inputs, hidden, layers, bidirectional, batchFirst, bias: bias),
            1 => new Rnn(inputs, hidden, layers, bidirectional, batchFirst, bias: bias, nonlinearity: RnnNonlinearity.ReLU),
            2 => new Lstm(inputs, hidden, layers, bidirectional, batchFirst, bias: bias),
            3 => new Gru(inputs, hidden, layers, bidirectional, batchFirst, bias: bias),
            _ => new Gru(inputs, hidden, layers, bidirectional, batchFirst, bias: bias, resetBeforeWeight: true),
        }
        let shape = batchFirst ? new Shape(batch, steps, inputs) : new Shape(steps, batch, inputs)
        select ((Layer)new SequenceRun(layer, batch, given, padded ? lengths : null), shape,
            (kind == 4 ? 2 : 1) * steps * layers, Math.Max(inputs, layer.Directions * hidden) + hidden)));

    /// <summary>Outputs, h_n, c_n and gradients (parameters, input, h0, c0) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"sequence layers on {combination}: worst output and gradient error as a fraction of the tolerance");
        Law.Check(Cases, c =>
        {
            var (o, g) = LayerLaws.Agree(combination, c);
            worst.Record(Math.Max(o, g), () => $"output {o:G3}, gradient {g:G3} of the tolerance, {c}");
        }, cases: 60);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Reference gradients (backpropagation through time on the tape, padding included) match central differences within 1e-6 per leaf; ReLU networks are left out (kinks).</summary>
    [Fact]
    public void Reference_gradients_match_central_differences()
    {
        var worst = new WorstSeen("sequence layers: Reference vs central differences, per leaf");
        Law.Check(Cases, c =>
        {
            if (((SequenceRun)c.Layer).Layer is Rnn { Nonlinearity: RnnNonlinearity.ReLU })
            {
                return;
            }

            worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString());
        }, cases: 25);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Apply and ValueAndGrad are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 15);

    /// <summary>
    /// Each layer equals TorchSharp's <c>nn.RNN</c> / <c>nn.LSTM</c> / <c>nn.GRU</c> built with the same arguments and
    /// loaded with our tree under the same names (which must be exactly its state_dict's), in float64: outputs, h_n and c_n
    /// within 1e-12, and the gradients of the same objective (every parameter, x, h0, c0) within 1e-10 per tensor, ours from
    /// the Reference VJPs, theirs from libtorch autograd. With lengths, the peer runs on
    /// <c>pack_padded_sequence(x, lengths, enforce_sorted: false)</c> and its outputs are padded back with
    /// <c>pad_packed_sequence(total_length: T)</c>.
    /// </summary>
    [Fact]
    public void Matches_nn_RNN_LSTM_GRU()
    {
        var backend = ReferenceBackend.Instance;
        PeerTests.EnsureTorch();
        var worst = new WorstSeen("Rnn/Lstm/Gru vs nn.RNN/nn.LSTM/nn.GRU in float64: worst error over outputs, final states and gradients");
        Law.Check(Cases, c =>
        {
            var harness = (SequenceRun)c.Layer;
            var layer = harness.Layer;
            if (layer is Gru { ResetBeforeWeight: true })
            {
                return;
            }

            var p = c.Parameters(backend);
            var x = c.Input(backend);
            var ours = harness.Run(p, x);
            var (_, grads) = Grad.ValueAndGrad(c.Objective(backend), c.Arguments(backend));

            using var scope = NewDisposeScope();
            using torch.nn.Module peer = layer switch
            {
                Rnn rnn => nn.RNN(
                    layer.Inputs, layer.Hidden, layer.Layers, rnn.Nonlinearity == RnnNonlinearity.ReLU ? nn.NonLinearities.ReLU : nn.NonLinearities.Tanh,
                    layer.HasBias, layer.BatchFirst, bidirectional: layer.Bidirectional, dtype: float64),
                Lstm => nn.LSTM(layer.Inputs, layer.Hidden, layer.Layers, layer.HasBias, layer.BatchFirst, bidirectional: layer.Bidirectional, dtype: float64),
                _ => nn.GRU(layer.Inputs, layer.Hidden, layer.Layers, layer.HasBias, layer.BatchFirst, bidirectional: layer.Bidirectional, dtype: float64),
            };
            var name = layer switch { Rnn => "nn.RNN", Lstm => "nn.LSTM", _ => "nn.GRU" };
            var weights = p.Without(n => n is "h0" or "c0");
            var theirNames = peer.state_dict().Keys.ToList();
            if (!theirNames.SequenceEqual(weights.Names))
            {
                throw new LawViolation($"names of {c}: ours [{string.Join(", ", weights.Names)}], {name}'s state_dict [{string.Join(", ", theirNames)}]");
            }

            using (no_grad())
            {
                foreach (var (leaf, value) in weights)
                {
                    peer.get_parameter(leaf)!.copy_(ToTorch(value));
                }
            }

            var xt = ToTorch(x).requires_grad_(true);
            var h0 = harness.Given ? ToTorch(p["h0"]).requires_grad_(true) : null;
            var c0 = harness.Given && layer is Lstm ? ToTorch(p["c0"]).requires_grad_(true) : null;
            var steps = x.Shape[layer.BatchFirst ? 1 : 0];
            torch.Tensor y, hn;
            torch.Tensor? cn = null;
            if (harness.Lengths is { } lengths)
            {
                var packed = nn.utils.rnn.pack_padded_sequence(xt, tensor(lengths.Select(l => (long)l).ToArray()), layer.BatchFirst, enforce_sorted: false);
                nn.utils.rnn.PackedSequence result;
                switch (peer)
                {
                    case TorchSharp.Modules.LSTM lstm:
                        (result, hn, cn) = lstm.call(packed, h0 is null ? null : (h0, c0!));
                        break;
                    case TorchSharp.Modules.GRU gru:
                        (result, hn) = gru.call(packed, h0);
                        break;
                    default:
                        (result, hn) = ((TorchSharp.Modules.RNN)peer).call(packed, h0);
                        break;
                }

                (y, _) = nn.utils.rnn.pad_packed_sequence(result, layer.BatchFirst, total_length: steps);
            }
            else
            {
                switch (peer)
                {
                    case TorchSharp.Modules.LSTM lstm:
                        (y, hn, cn) = lstm.forward(xt, h0 is null ? null : (h0, c0!));
                        break;
                    case TorchSharp.Modules.GRU gru:
                        (y, hn) = gru.forward(xt, h0);
                        break;
                    default:
                        (y, hn) = ((TorchSharp.Modules.RNN)peer).forward(xt, h0);
                        break;
                }
            }

            // The objective of the harness: Σ [y | h_n | c_n] ⊙ r, with the same r.
            var flat = cat(cn is null ? [y.flatten(), hn.flatten()] : [y.flatten(), hn.flatten(), cn.flatten()], 0);
            (flat * ToTorch(c.Cotangent(backend))).sum().backward();

            var e = Expect("outputs", name, ours.Outputs.ToArray(), Values(y), PeerTests.Tolerance, c);
            e = Math.Max(e, Expect("h_n", name, ours.Hidden.ToArray(), Values(hn), PeerTests.Tolerance, c));
            if (cn is not null)
            {
                e = Math.Max(e, Expect("c_n", name, ours.Cell!.ToArray(), Values(cn), PeerTests.Tolerance, c));
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
                e = Math.Max(e, Expect($"gradient of {leaf}", name, grads["p." + leaf].ToArray(), Values(peer.get_parameter(leaf)!.grad!), LayerLaws.GradientTolerance, c));
            }

            worst.Record(e, () => c.ToString());
        }, cases: 60);
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// Padding: outputs at padded steps are exactly zero, the padded input steps get exactly zero gradient, and the result
    /// for each sequence equals the layer run on that sequence alone, cut to its length (so padding changes nothing).
    /// </summary>
    [Fact]
    public void Padded_steps_change_nothing()
    {
        var backend = ReferenceBackend.Instance;
        var layer = new Lstm(2, 3, layers: 2, bidirectional: true);
        var p = layer.Init(Key.FromSeed(21), backend);
        int[] lengths = [4, 1, 3];
        var x = backend.FromArray(Key.FromSeed(22).Normal(3 * 4 * 2), 3, 4, 2);
        var all = layer.Run(p, x, lengths);
        var (_, grads) = Grad.ValueAndGrad(tree => (layer.Run(p, tree["x"], lengths).Outputs.Square().Sum() + layer.Run(p, tree["x"], lengths).Hidden.Sum()), TensorTree.Of(("x", x)));
        for (var i = 0; i < 3; i++)
        {
            var alone = layer.Run(p, x.Slice(0, i, 1).Slice(1, 0, lengths[i]));
            Assert.Equal(alone.Outputs.ToArray(), all.Outputs.Slice(0, i, 1).Slice(1, 0, lengths[i]).ToArray());
            Assert.Equal(alone.Hidden.ToArray(), all.Hidden.Slice(1, i, 1).ToArray());
            Assert.Equal(alone.Cell!.ToArray(), all.Cell!.Slice(1, i, 1).ToArray());
            if (lengths[i] < 4)
            {
                Assert.All(all.Outputs.Slice(0, i, 1).Slice(1, lengths[i], 4 - lengths[i]).ToArray(), v => Assert.Equal(0.0, v));
                Assert.All(grads["x"].Slice(0, i, 1).Slice(1, lengths[i], 4 - lengths[i]).ToArray(), v => Assert.Equal(0.0, v));
            }

            Assert.Contains(grads["x"].Slice(0, i, 1).Slice(1, 0, lengths[i]).ToArray(), v => v != 0);
        }
    }

    /// <summary>
    /// Dropout between layers: in evaluation it is off; in training the output of layer l (never the last) is multiplied by
    /// the inverted mask drawn from the context's key folded with l (entry kept when its uniform number is ≥ p, scaled
    /// 1/(1 − p)), written out here with two one-layer runs; and both backends give the same outputs and gradients.
    /// </summary>
    [Fact]
    public void Dropout_between_layers_follows_the_key()
    {
        var backend = ReferenceBackend.Instance;
        const double p = 0.4;
        var layer = new Gru(3, 4, layers: 2, bidirectional: true, dropout: p);
        Assert.True(layer.IsStochastic);
        Assert.False(new Gru(3, 4, layers: 1, dropout: p).IsStochastic);
        var weights = layer.Init(Key.FromSeed(31), backend);
        var x = backend.FromArray(Key.FromSeed(32).Normal(2 * 5 * 3), 2, 5, 3);
        var key = Key.FromSeed(33);
        var train = layer.Run(weights, x, Context.Train(key));
        var eval = layer.Run(weights, x, Context.Eval);

        // By hand: layer 0 alone, the mask, layer 1 alone (its parameters renamed _l1 → _l0).
        var first = new Gru(3, 4, bidirectional: true);
        var second = new Gru(8, 4, bidirectional: true);
        var y0 = first.Run(weights.Where(n => n.Contains("_l0", StringComparison.Ordinal)), x);
        var mask = key.Fold(0).Uniform(2 * 5 * 8).Select(u => u >= p ? 1 / (1 - p) : 0).ToArray();
        var l1 = weights.Where(n => n.Contains("_l1", StringComparison.Ordinal)).Rename(n => n.Replace("_l1", "_l0", StringComparison.Ordinal));
        var byHand = second.Run(l1, y0.Outputs * backend.FromArray(mask, 2, 5, 8));
        Assert.Equal(byHand.Outputs.ToArray(), train.Outputs.ToArray());
        Assert.Equal(second.Run(l1, y0.Outputs).Outputs.ToArray(), eval.Outputs.ToArray());
        Assert.NotEqual(eval.Outputs.ToArray(), train.Outputs.ToArray());

        var torchBackend = TorchBackend.CpuFloat64;
        using var scope = torchBackend.Scope();
        var r = backend.FromArray(Key.FromSeed(34).Normal(2 * 5 * 8), 2, 5, 8);
        Func<TensorTree, Tensor> Objective(Backend b)
        {
            var rb = r.ToBackend(b);
            return tree => (layer.Run(tree.Child("p"), tree["x.x"], Context.Train(key)).Outputs * rb).Sum();
        }

        TensorTree Arguments(Backend b) => TensorTree.Nest([("p", weights.ToBackend(b)), ("x", TensorTree.Of(("x", x.ToBackend(b))))]);
        var onTorch = layer.Run(weights.ToBackend(torchBackend), x.ToBackend(torchBackend), Context.Train(key));
        Assert.True(RelativeError.Of(train.Outputs, onTorch.Outputs).Value <= LayerLaws.OutputTolerance);
        var (_, gRef) = Grad.ValueAndGrad(Objective(backend), Arguments(backend));
        var (_, gTorch) = Grad.ValueAndGrad(Objective(torchBackend), Arguments(torchBackend));
        var (leaf, g) = RelativeError.WorstLeaf(gRef, gTorch);
        Assert.True(g.Value <= LayerLaws.GradientTolerance, $"gradient of {leaf}: {g}");
        var missing = Assert.Throws<InvalidOperationException>(() => layer.Run(weights, x, new Context(Mode.Train)));
        Assert.Contains("Gru(3→4, 2 layers, bidirectional, dropout 0.4)", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A sequence of the wrong feature width, lengths outside [1, T] or of the wrong count, an initial state of the wrong
    /// shape: the library's exception naming the layer, the expected and the actual, the same message on both backends.
    /// </summary>
    [Fact]
    public void Bad_input_is_a_clear_error_on_both_backends()
    {
        var messages = new List<string>[2];
        Backend[] backends = [ReferenceBackend.Instance, TorchBackend.CpuFloat64];
        for (var b = 0; b < 2; b++)
        {
            var backend = backends[b];
            using var scope = backend.Scope();
            var seen = messages[b] = [];
            var lstm = new Lstm(3, 5, layers: 2, bidirectional: true);
            var p = lstm.Init(Key.FromSeed(41), backend);
            var x = backend.FromArray(new double[2 * 4 * 3], 2, 4, 3);
            string Check<TException>(Action action, params string[] parts)
                where TException : Exception
            {
                var e = Assert.Throws<TException>(action);
                foreach (var part in parts)
                {
                    Assert.Contains(part, e.Message, StringComparison.Ordinal);
                }

                seen.Add(e.Message);
                return e.Message;
            }

            const string name = "Lstm(3→5, 2 layers, bidirectional)";
            Check<LayerShapeException>(() => lstm.Apply(p, backend.FromArray(new double[2 * 4 * 2], 2, 4, 2)), name, "[N ≥ 1, T ≥ 1, F] (batch first) with F = 3", "[2, 4, 2]");
            Check<LayerShapeException>(() => lstm.Apply(p, backend.FromArray(new double[8], 2, 4)), name, "with F = 3", "[2, 4]");
            Check<SequenceLengthException>(() => lstm.Run(p, x, [4, 5]), name, "expected lengths in [1, 4]", "[2, 4, 3]", "lengths[1] = 5");
            Check<SequenceLengthException>(() => lstm.Run(p, x, [0, 2]), name, "expected lengths in [1, 4]", "lengths[0] = 0");
            Check<LayerShapeException>(() => lstm.Run(p, x, [1, 2, 3]), name, "lengths [2]", "got [3]");
            Check<LayerShapeException>(() => lstm.Run(p, x, h0: backend.FromArray(new double[2 * 2 * 5], 2, 2, 5)), name, "h0 [4, 2, 5]", "got [2, 2, 5]");
            Check<LayerShapeException>(() => lstm.Run(p, x, c0: backend.FromArray(new double[4 * 2 * 4], 4, 2, 4)), name, "c0 [4, 2, 5]", "got [4, 2, 4]");
            var gru = new Gru(3, 5, batchFirst: false);
            var q = gru.Init(Key.FromSeed(42), backend);
            Check<LayerShapeException>(() => gru.Apply(q, backend.FromArray(new double[2 * 4 * 4], 2, 4, 4)), "Gru(3→5, time first)", "[T ≥ 1, N ≥ 1, F] (time first) with F = 3", "[2, 4, 4]");
            Check<SequenceLengthException>(() => gru.Run(q, x.SwapAxes(0, 1), [2, 7]), "Gru(3→5, time first)", "expected lengths in [1, 4]", "lengths[1] = 7");
            Check<ArgumentException>(() => gru.Run(q, x.SwapAxes(0, 1), c0: backend.FromArray(new double[10], 1, 2, 5)), "Gru(3→5, time first)", "no cell state", "[1, 2, 5]");
            Check<LayerShapeException>(() => new Rnn(3, 5).Run(new Rnn(3, 5).Init(Key.FromSeed(43), backend), x, h0: backend.FromArray(new double[10], 2, 5)), "Rnn(3→5)", "h0 [1, 2, 5]", "got [2, 5]");
        }

        Assert.Equal(messages[0], messages[1]);
    }

    /// <summary>Names, counts and descriptions: <c>nn.LSTM</c>'s state_dict order (layer-major, forward before reverse), time-first layout and ParameterCount.</summary>
    [Fact]
    public void Names_and_layout_are_pytorchs()
    {
        var backend = ReferenceBackend.Instance;
        var lstm = new Lstm(3, 4, layers: 2, bidirectional: true, batchFirst: false);
        var p = lstm.Init(Key.FromSeed(51), backend);
        Assert.Equal(
            [
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
            ],
            p.Names);
        Assert.Equal(new Shape(16, 8), p["weight_ih_l1"].Shape);
        Assert.Equal(p.ParameterCount, lstm.ParameterCount);
        Assert.Equal(new Shape(5, 2, 8), lstm.OutputShape(new Shape(5, 2, 3)));
        var x = backend.FromArray(Key.FromSeed(52).Normal(5 * 2 * 3), 5, 2, 3);
        var timeFirst = lstm.Run(p, x);
        var batchFirst = new Lstm(3, 4, layers: 2, bidirectional: true).Run(p, x.SwapAxes(0, 1));
        Assert.Equal(batchFirst.Outputs.SwapAxes(0, 1).ToArray(), timeFirst.Outputs.ToArray());
        Assert.Equal(batchFirst.Hidden.ToArray(), timeFirst.Hidden.ToArray());
        Assert.Equal(new Shape(4, 2, 4), timeFirst.Hidden.Shape);
        Assert.Equal(["weight_ih_l0", "weight_hh_l0"], new Gru(2, 3, bias: false).Init(Key.FromSeed(53), backend).Names);
    }
}

/// <summary>
/// A sequence layer run from the zero state or from given h0 (and c0) [L·D, N, H], held as parameters so their gradients
/// are checked, over fixed lengths or none; the output is [outputs | h_n | c_n] flattened and concatenated, so the laws
/// cover the final states and every gradient path into them.
/// </summary>
internal sealed class SequenceRun(RecurrentLayer layer, int batch, bool given, int[]? lengths) : Layer
{
    public RecurrentLayer Layer => layer;

    public bool Given => given;

    public int[]? Lengths => lengths;

    private int States => layer.HasCellState ? 2 : 1;

    private Shape StateShape => new(layer.Layers * layer.Directions, batch, layer.Hidden);

    public override long ParameterCount => layer.ParameterCount + (given ? States * StateShape.Size : 0);

    public override string Describe() =>
        $"SequenceRun({layer.Describe()}{(given ? ", given h0" : "")}{(lengths is null ? "" : $", lengths [{string.Join(", ", lengths)}]")})";

    public override Shape OutputShape(Shape input) =>
        new(checked((int)(layer.OutputShape(input).Size + States * StateShape.Size)));

    public override TensorTree Init(Key key, Backend backend)
    {
        var weights = layer.Init(key.Fold(0), backend);
        if (!given)
        {
            return weights;
        }

        var size = checked((int)StateShape.Size);
        var states = Enumerable.Range(0, States).Select(i =>
            (i == 0 ? "h0" : "c0", backend.FromArray(key.Fold(1).Fold((ulong)i).Normal(size).Select(v => v / 2).ToArray(), StateShape)));
        return weights.Merge(TensorTree.Of(states.ToArray()));
    }

    public RecurrentResult Run(TensorTree parameters, Tensor input) =>
        layer.Run(
            parameters.Without(n => n is "h0" or "c0"), input, lengths,
            given ? parameters["h0"] : null, given && layer.HasCellState ? parameters["c0"] : null);

    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var r = Run(parameters, input);
        Tensor Flat(Tensor t) => t.Reshape(checked((int)t.Shape.Size));
        var parts = r.Cell is null ? new[] { Flat(r.Outputs), Flat(r.Hidden) } : [Flat(r.Outputs), Flat(r.Hidden), Flat(r.Cell)];
        return (Tensor.Concat(parts, 0), state);
    }
}
