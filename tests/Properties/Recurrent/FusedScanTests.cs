using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// <see cref="Scan"/> over an <see cref="LstmCell"/>, a PyTorch-form <see cref="GruCell"/> or an <see cref="RnnCell"/>
/// (tanh or ReLU) runs the whole sequence through the backend's <see cref="IFusedRecurrence"/> when every step is valid
/// (Torch: libtorch's <c>lstm</c>, <c>gru</c>, <c>rnn_tanh</c> and <c>rnn_relu</c>). These laws hold that path to the step loop it replaces (the same scan inside
/// <see cref="Capabilities.PlainOnly"/>): outputs, final carry and the gradients in the weights, x and the initial
/// carry, on Torch float64, within 1e-12 (values) and 1e-10 (gradients) relative per tensor: the two do the same
/// sums with a different blocking of the products. The float32 kernel (oneDNN's RNN on CPU) is held to the Reference
/// backend, with the derived float32 bound, by <see cref="GatedScanTests"/> and <see cref="SequenceLayerTests"/>,
/// which take this path on Torch.
/// </summary>
public sealed class FusedScanTests(ITestOutputHelper output)
{
    /// <summary>A generated scan: cell kind (0 LSTM, 1 GRU, 2 RNN tanh, 3 RNN ReLU), sizes, bias, direction, padding, and the seed of every value.</summary>
    public sealed record FusedCase(int Kind, int Batch, int Steps, int Inputs, int Hidden, bool Bias, bool Reverse, long Seed);

    private static Arbitrary<FusedCase> Cases { get; } = Arb.From(
        from kind in Gen.Choose(0, 3)
        from batch in Gen.Choose(1, 4)
        from steps in Gen.Choose(1, 6)
        from inputs in Gen.Choose(1, 6)
        from hidden in Gen.Choose(1, 6)
        from bias in Gen.Elements(true, false)
        from reverse in Gen.Elements(true, false)
        from seed in Gen.Choose(0, int.MaxValue)
        select new FusedCase(kind, batch, steps, inputs, hidden, bias, reverse, seed));

    /// <summary>Fused vs step loop on Torch float64: Σ y ⊙ u + Σ h_n ⊙ v (+ Σ c_n ⊙ w) and its gradients.</summary>
    [Fact]
    public void Fused_sequence_equals_the_step_loop()
    {
        var backend = TorchBackend.CpuFloat64;
        var worst = new WorstSeen("fused vs step-loop Scan on Torch float64, worst relative error per tensor");
        Law.Check(Cases, c =>
        {
            var (leaves, loss) = Setup(c, backend);
            FusedPathLaw.FusedEqualsPlain(leaves, loss, worst, c);
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// The fused path is the one taken on Torch (a long sequence creates a handful of tensor handles, where the loop
    /// creates several per step), and not taken when a sequence is padded, for the lecture's GRU form, or inside
    /// PlainOnly: there the loop runs, so these laws never compare the loop with itself.
    /// </summary>
    [Fact]
    public void Torch_takes_the_fused_path_only_where_it_applies()
    {
        var backend = TorchBackend.CpuFloat32;
        const int steps = 40;
        var x = backend.FromArray(Key.FromSeed(1).Uniform(2 * steps * 3, -1, 1), new Shape(2, steps, 3));
        foreach (var cell in new Cell[] { new LstmCell(3, 4), new GruCell(3, 4), new GruCell(3, 4, resetBeforeWeight: true), new RnnCell(3, 4), new RnnCell(3, 4, nonlinearity: RnnNonlinearity.ReLU) })
        {
            var scan = new Scan(cell);
            var p = scan.Init(Key.FromSeed(2), backend);
            scan.Run(p, x); // warm: the scripts compile once per process
            using var scope = backend.Scope();
            var fused = FusedPathLaw.Handles(() => scan.Run(p, x));
            var padded = FusedPathLaw.Handles(() => scan.Run(p, TensorTree.Empty, x, null, [steps, steps - 1], Context.Eval));
            long plain;
            using (Capabilities.PlainOnly())
            {
                plain = FusedPathLaw.Handles(() => scan.Run(p, x));
            }

            var expectFused = cell is not GruCell { ResetBeforeWeight: true };
            Assert.True(padded >= steps && plain >= steps, $"{cell.Describe()}: the step loop created {padded} (padded) and {plain} (PlainOnly) handles for {steps} steps");
            Assert.True(expectFused ? fused < 12 : fused >= steps, $"{cell.Describe()}: {fused} handles for {steps} steps, fused path expected: {expectFused}");
        }
    }

    // The weights, x [N, T, F] and the initial carry as leaves, cotangents u, v, w, all from U(−2, 2) (the curved parts
    // of σ and tanh), and the scalar loss through Scan.
    private static (TensorTree Leaves, Func<TensorTree, Tensor> Loss) Setup(FusedCase c, Backend backend)
    {
        var gates = c.Kind switch { 0 => 4, 1 => 3, _ => 1 };
        Cell cell = c.Kind switch
        {
            0 => new LstmCell(c.Inputs, c.Hidden, c.Bias),
            1 => new GruCell(c.Inputs, c.Hidden, c.Bias),
            _ => new RnnCell(c.Inputs, c.Hidden, c.Bias, c.Kind == 3 ? RnnNonlinearity.ReLU : RnnNonlinearity.Tanh),
        };
        var keys = Key.FromSeed(c.Seed).Split(10);
        Tensor Draw(int i, Shape shape) => backend.FromArray(keys[i].Uniform(checked((int)shape.Size), -2, 2), shape);
        var state = new Shape(c.Batch, c.Hidden);
        var leaves = new List<(string, Tensor)>
        {
            ("weight_ih", Draw(0, new Shape(gates * c.Hidden, c.Inputs))),
            ("weight_hh", Draw(1, new Shape(gates * c.Hidden, c.Hidden))),
            ("x", Draw(2, new Shape(c.Batch, c.Steps, c.Inputs))),
            ("h0", Draw(3, state)),
        };
        if (c.Kind == 0)
        {
            leaves.Add(("c0", Draw(4, state)));
        }

        if (c.Bias)
        {
            leaves.Add(("bias_ih", Draw(5, new Shape(gates * c.Hidden))));
            leaves.Add(("bias_hh", Draw(6, new Shape(gates * c.Hidden))));
        }

        var u = Draw(7, new Shape(c.Batch, c.Steps, c.Hidden));
        var v = Draw(8, state);
        var w = Draw(9, state);
        var scan = new Scan(cell, c.Reverse);
        Tensor Loss(TensorTree p)
        {
            var weights = p.Without(n => n is "x" or "h0" or "c0");
            var carry = c.Kind == 0 ? TensorTree.Of(("h", p["h0"]), ("c", p["c0"])) : TensorTree.Of(("h", p["h0"]));
            var r = scan.Run(weights, p["x"], carry);
            var loss = (r.Outputs * u).Sum() + (r.Carry["h"] * v).Sum();
            return c.Kind == 0 ? loss + (r.Carry["c"] * w).Sum() : loss;
        }

        return (TensorTree.Of(leaves.ToArray()), Loss);
    }
}
