using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// The fused cell primitives <see cref="Tensor.LstmCell"/> and <see cref="Tensor.GruCell"/>: on the Reference backend
/// (one tape node, hand-derived VJP) their values and every gradient equal those of the same cell composed in the test
/// from the core's elementary operations (Linear, Chunk, σ, tanh, products; each with its own VJP), in float64 within
/// 1e-12 relative per tensor. The two paths do the same arithmetic up to the order of a few sums, so the bound is a
/// few ulps of the largest entry, not a tolerance for a different formula. (Reference vs Torch for the cells is
/// <see cref="LstmCellTests"/> and <see cref="GruCellTests"/>, which now run through these primitives.)
/// </summary>
public sealed class FusedCellTests(ITestOutputHelper output)
{
    /// <summary>A generated step: sizes, bias or not, and the seed of every value (weights, x, h, c, cotangents).</summary>
    public sealed record StepCase(int Batch, int Inputs, int Hidden, bool Bias, long Seed);

    private static Arbitrary<StepCase> Cases { get; } = Arb.From(
        from batch in Gen.Choose(1, 7)
        from inputs in Gen.Choose(1, 9)
        from hidden in Gen.Choose(1, 9)
        from bias in Gen.Elements(true, false)
        from seed in Gen.Choose(0, int.MaxValue)
        select new StepCase(batch, inputs, hidden, bias, seed));

    private static readonly Backend R = ReferenceBackend.Instance;

    /// <summary>The LSTM step: [h′ | c′] and the gradients of Σ h′ ⊙ u + Σ c′ ⊙ v in x, h, c and all weights.</summary>
    [Fact]
    public void Fused_LSTM_equals_the_composed_cell()
    {
        var worst = new WorstSeen("fused vs composed LSTM cell, float64, worst relative error per tensor");
        Law.Check(Cases, c =>
        {
            var leaves = Leaves(c, 4, withCell: true);
            var keys = Key.FromSeed(c.Seed + 1).Split(2);
            var u = Draw(keys[0], new Shape(c.Batch, c.Hidden));
            var v = Draw(keys[1], new Shape(c.Batch, c.Hidden));
            Tensor Loss(TensorTree p, bool fused)
            {
                var (h, cc) = fused ? FusedLstm(p) : ComposedLstm(p);
                return (h * u).Sum() + (cc * v).Sum();
            }

            Compare(worst, c, leaves, p => Loss(p, fused: true), p => Loss(p, fused: false));
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>The GRU step (PyTorch's form): h′ and the gradients of Σ h′ ⊙ u in x, h and all weights.</summary>
    [Fact]
    public void Fused_GRU_equals_the_composed_cell()
    {
        var worst = new WorstSeen("fused vs composed GRU cell, float64, worst relative error per tensor");
        Law.Check(Cases, c =>
        {
            var leaves = Leaves(c, 3, withCell: false);
            var u = Draw(Key.FromSeed(c.Seed + 1), new Shape(c.Batch, c.Hidden));
            Compare(worst, c, leaves, p => (FusedGru(p) * u).Sum(), p => (ComposedGru(p) * u).Sum());
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>The layers step through the fused primitives: a traced LstmCell / GruCell step has one node of each.</summary>
    [Fact]
    public void The_cells_record_one_fused_node()
    {
        var key = Key.FromSeed(3);
        var x = Draw(key, new Shape(2, 3));
        foreach (var (cell, name) in new (Cell, string)[] { (new LstmCell(3, 4), Primitive.LstmCell.Name), (new GruCell(3, 4), Primitive.GruCell.Name) })
        {
            var p = cell.Init(key, R);
            var trace = ReferenceBackend.Instance.Trace((q, _) => cell.Step(q, x, cell.InitialCarry(2, R)).Output.Sum(), p, TensorTree.Empty);
            Assert.Equal(1, trace.Nodes.Count(n => n.Primitive == name));
        }
    }

    private static (Tensor H, Tensor C) FusedLstm(TensorTree p) =>
        Tensor.LstmCell(p["x"], p["h"], p["c"], p["weight_ih"], p["weight_hh"], Bias(p, "bias_ih"), Bias(p, "bias_hh"));

    // The cell as the lecture composes it: a = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh) = [i|f|g|o],
    // c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g), h′ = σ(o) ⊙ tanh(c′).
    private static (Tensor H, Tensor C) ComposedLstm(TensorTree p)
    {
        var a = (p["x"].Linear(p["weight_ih"], Bias(p, "bias_ih")) + p["h"].Linear(p["weight_hh"], Bias(p, "bias_hh"))).Chunk(4, 1);
        var next = a[1].Sigmoid() * p["c"] + a[0].Sigmoid() * a[2].Tanh();
        return (a[3].Sigmoid() * next.Tanh(), next);
    }

    private static Tensor FusedGru(TensorTree p) =>
        Tensor.GruCell(p["x"], p["h"], p["weight_ih"], p["weight_hh"], Bias(p, "bias_ih"), Bias(p, "bias_hh"));

    // r = σ(p_r + q_r), z = σ(p_z + q_z), n = tanh(p_n + r ⊙ q_n), h′ = n + z ⊙ (h − n), p = x W_ihᵀ + b_ih, q = h W_hhᵀ + b_hh.
    private static Tensor ComposedGru(TensorTree p)
    {
        var pi = p["x"].Linear(p["weight_ih"], Bias(p, "bias_ih")).Chunk(3, 1);
        var q = p["h"].Linear(p["weight_hh"], Bias(p, "bias_hh")).Chunk(3, 1);
        var r = (pi[0] + q[0]).Sigmoid();
        var z = (pi[1] + q[1]).Sigmoid();
        var n = (pi[2] + r * q[2]).Tanh();
        return n + z * (p["h"] - n);
    }

    private static Tensor? Bias(TensorTree p, string name) => p.TryGet(name, out var b) ? b : null;

    private static TensorTree Leaves(StepCase c, int gates, bool withCell)
    {
        var keys = Key.FromSeed(c.Seed).Split(7);
        var leaves = new List<(string, Tensor)>
        {
            ("x", Draw(keys[0], new Shape(c.Batch, c.Inputs))),
            ("h", Draw(keys[1], new Shape(c.Batch, c.Hidden))),
            ("weight_ih", Draw(keys[3], new Shape(gates * c.Hidden, c.Inputs))),
            ("weight_hh", Draw(keys[4], new Shape(gates * c.Hidden, c.Hidden))),
        };
        if (withCell)
        {
            leaves.Add(("c", Draw(keys[2], new Shape(c.Batch, c.Hidden))));
        }

        if (c.Bias)
        {
            leaves.Add(("bias_ih", Draw(keys[5], new Shape(gates * c.Hidden))));
            leaves.Add(("bias_hh", Draw(keys[6], new Shape(gates * c.Hidden))));
        }

        return TensorTree.Of(leaves.ToArray());
    }

    // Values in (−2, 2): the gates' pre-activations reach the curved parts of σ and tanh.
    private static Tensor Draw(Key key, Shape shape) => R.FromArray(key.Uniform(checked((int)shape.Size), -2, 2), shape);

    private static void Compare(WorstSeen worst, StepCase c, TensorTree leaves, Func<TensorTree, Tensor> fused, Func<TensorTree, Tensor> composed)
    {
        var (vf, gf) = Grad.ValueAndGrad(fused, leaves);
        var (vc, gc) = Grad.ValueAndGrad(composed, leaves);
        var value = RelativeError.Of(vf, vc).Value;
        var (leaf, error) = RelativeError.WorstLeaf(gf, gc);
        worst.Record(Math.Max(value, error.Value), () => $"value {value:G3}, gradient {leaf} {error.Value:G3}, {c}");
        Assert.True(value <= 1e-12, $"value differs by {value:G3} relative, {c}");
        Assert.True(error.Value <= 1e-12, $"gradient {leaf} differs by {error.Value:G3} relative ({error}), {c}");
    }
}
