using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// <see cref="Lstm"/>, a PyTorch-form <see cref="Gru"/> and <see cref="Rnn"/> (tanh or ReLU) run their whole stack (every
/// layer and direction) in one call of the backend's <see cref="IFusedRecurrence"/> when no dropout mask is drawn and no
/// step is padded (Torch: <c>torch.lstm</c>/<c>torch.gru</c>/<c>torch.rnn_tanh</c>/<c>torch.rnn_relu</c> with num_layers
/// and bidirectional, as <c>nn.LSTM</c> itself). These laws hold
/// that path to the layer-by-layer loop it replaces (the same layer inside <see cref="Capabilities.PlainOnly"/>):
/// outputs, h_n, c_n and the gradients in every weight, x, h0 and c0, on Torch float64 within 1e-12 (values) and
/// 1e-10 (gradients) relative per tensor, the bounds of <see cref="FusedScanTests"/> for the same sums.
/// </summary>
public sealed class FusedStackTests(ITestOutputHelper output)
{
    /// <summary>The layers of the law.</summary>
    public enum StackKind
    {
        /// <summary><see cref="Lstm"/>.</summary>
        Lstm,

        /// <summary><see cref="Gru"/> in PyTorch's form.</summary>
        Gru,

        /// <summary><see cref="Rnn"/> with tanh.</summary>
        RnnTanh,

        /// <summary><see cref="Rnn"/> with ReLU.</summary>
        RnnRelu,
    }

    /// <summary>A generated stack: the layer, sizes, depth, directions, layout, bias, given initial states, seed.</summary>
    public sealed record StackCase(StackKind Kind, int Batch, int Steps, int Inputs, int Hidden, int Layers, bool Bidirectional, bool BatchFirst, bool Bias, bool GivenStates, long Seed);

    private static Arbitrary<StackCase> Cases { get; } = Arb.From(
        from kind in Gen.Elements(StackKind.Lstm, StackKind.Gru, StackKind.RnnTanh, StackKind.RnnRelu)
        from batch in Gen.Choose(1, 3)
        from steps in Gen.Choose(1, 5)
        from inputs in Gen.Choose(1, 5)
        from hidden in Gen.Choose(1, 5)
        from layers in Gen.Choose(1, 3)
        from bidirectional in Gen.Elements(true, false)
        from batchFirst in Gen.Elements(true, false)
        from bias in Gen.Elements(true, false)
        from given in Gen.Elements(true, false)
        from seed in Gen.Choose(0, int.MaxValue)
        select new StackCase(kind, batch, steps, inputs, hidden, layers, bidirectional, batchFirst, bias, given, seed));

    /// <summary>Whole stack vs layer by layer on Torch float64: Σ y ⊙ u + Σ h_n ⊙ v (+ Σ c_n ⊙ w) and its gradients.</summary>
    [Fact]
    public void Fused_stack_equals_the_layer_loop()
    {
        var backend = TorchBackend.CpuFloat64;
        var worst = new WorstSeen("fused stack vs layer loop on Torch float64, worst relative error per tensor");
        Law.Check(Cases, c =>
        {
            var (leaves, loss) = Setup(c, backend);
            FusedPathLaw.FusedEqualsPlain(leaves, loss, worst, c);
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// The stack is the path taken on Torch (a few handles for the whole model, where layer-by-layer calls make a
    /// handful per layer and direction), and not taken with dropout drawn in train mode, padding, the lecture's GRU or
    /// inside PlainOnly, so the law above never compares the loop with itself.
    /// </summary>
    [Fact]
    public void Torch_takes_the_stack_only_where_it_applies()
    {
        var backend = TorchBackend.CpuFloat32;
        var x = backend.FromArray(Key.FromSeed(1).Uniform(2 * 6 * 3, -1, 1), new Shape(2, 6, 3));
        var train = Context.Train(Key.FromSeed(3));
        RecurrentLayer[] layers =
        [
            new Lstm(3, 4, layers: 3, bidirectional: true, dropout: 0.5), new Gru(3, 4, layers: 3, bidirectional: true, dropout: 0.5),
            new Gru(3, 4, layers: 3, bidirectional: true, resetBeforeWeight: true),
            new Rnn(3, 4, layers: 3, bidirectional: true, dropout: 0.5), new Rnn(3, 4, layers: 3, bidirectional: true, dropout: 0.5, nonlinearity: RnnNonlinearity.ReLU),
        ];
        foreach (var layer in layers)
        {
            var p = layer.Init(Key.FromSeed(2), backend);
            layer.Run(p, x); // warm: the scripts compile once per process
            using var scope = backend.Scope();
            var stacked = FusedPathLaw.Handles(() => layer.Run(p, x));
            var dropped = FusedPathLaw.Handles(() => layer.Run(p, x, train));
            var padded = FusedPathLaw.Handles(() => layer.Run(p, x, lengths: [6, 5]));
            long plain;
            using (Capabilities.PlainOnly())
            {
                plain = FusedPathLaw.Handles(() => layer.Run(p, x));
            }

            var expectStack = layer is not Gru { ResetBeforeWeight: true };
            var message = $"{layer.Describe()}: {stacked} handles whole, {dropped} with dropout, {padded} padded, {plain} plain; stack expected: {expectStack}";
            Assert.True(expectStack ? stacked < 20 : stacked >= plain, message);
            Assert.True(dropped > 30 && padded > 30 && plain > 30, message);
        }
    }

    // The weights, x and the initial states as leaves (the states only when given), cotangents u, v, w, all from
    // U(−2, 2), and the scalar loss through the layer's Run.
    private static (TensorTree Leaves, Func<TensorTree, Tensor> Loss) Setup(StackCase c, Backend backend)
    {
        RecurrentLayer layer = c.Kind switch
        {
            StackKind.Lstm => new Lstm(c.Inputs, c.Hidden, c.Layers, c.Bidirectional, c.BatchFirst, bias: c.Bias),
            StackKind.Gru => new Gru(c.Inputs, c.Hidden, c.Layers, c.Bidirectional, c.BatchFirst, bias: c.Bias),
            _ => new Rnn(c.Inputs, c.Hidden, c.Layers, c.Bidirectional, c.BatchFirst, bias: c.Bias,
                nonlinearity: c.Kind == StackKind.RnnRelu ? RnnNonlinearity.ReLU : RnnNonlinearity.Tanh),
        };
        var isLstm = c.Kind == StackKind.Lstm;
        var keys = Key.FromSeed(c.Seed).Split(7);
        Tensor Draw(int i, Shape shape) => backend.FromArray(keys[i].Uniform(checked((int)shape.Size), -2, 2), shape);
        var weights = layer.Init(keys[0], backend).Map(t => t * 2.0 * Math.Sqrt(c.Hidden));
        var d = c.Bidirectional ? 2 : 1;
        var state = new Shape(c.Layers * d, c.Batch, c.Hidden);
        var leaves = weights.Merge(TensorTree.Of(("x", Draw(1, c.BatchFirst ? new Shape(c.Batch, c.Steps, c.Inputs) : new Shape(c.Steps, c.Batch, c.Inputs)))));
        if (c.GivenStates)
        {
            leaves = leaves.Merge(isLstm ? TensorTree.Of(("h0", Draw(2, state)), ("c0", Draw(3, state))) : TensorTree.Of(("h0", Draw(2, state))));
        }

        var u = Draw(4, layer.OutputShape(leaves["x"].Shape));
        var v = Draw(5, state);
        var w = Draw(6, state);
        Tensor Loss(TensorTree p)
        {
            var r = layer.Run(
                p.Without(n => n is "x" or "h0" or "c0"),
                p["x"],
                h0: c.GivenStates ? p["h0"] : null,
                c0: c.GivenStates && isLstm ? p["c0"] : null);
            var loss = (r.Outputs * u).Sum() + (r.Hidden * v).Sum();
            return r.Cell is { } cell ? loss + (cell * w).Sum() : loss;
        }

        return (leaves, Loss);
    }
}
