using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// <see cref="Scan"/> over an <see cref="LstmCell"/> projects the whole sequence's inputs before its steps
/// (<see cref="Cell.ProjectInputs"/>, <see cref="Tensor.LstmCellProjected"/>). These laws prove that path equal to
/// the per-step path it replaced (<see cref="Cell.Step(TensorTree, TensorTree, Tensor, TensorTree, Context)"/> on each
/// x_t, the fused <see cref="Tensor.LstmCell"/>, the outputs stacked), outputs, final carry and every gradient, on each
/// float64 backend within 1e-12 relative per tensor: the two do the same sums in the same order, x W_ihᵀ + b_ih
/// first, so only the blocking of the products differs (a few ulps). And the projected cell on Reference (composed
/// of the core's operations, each with its own VJP) against Torch (libtorch's operations, autograd): 1e-12 values,
/// 1e-10 gradients.
/// </summary>
public sealed class ProjectedScanTests(ITestOutputHelper output)
{
    /// <summary>A generated scan: sizes, bias, direction, and the seed of every value.</summary>
    public sealed record ScanCase(int Batch, int Steps, int Inputs, int Hidden, bool Bias, bool Reverse, long Seed);

    private static Arbitrary<ScanCase> Cases { get; } = Arb.From(
        from batch in Gen.Choose(1, 4)
        from steps in Gen.Choose(1, 5)
        from inputs in Gen.Choose(1, 6)
        from hidden in Gen.Choose(1, 6)
        from bias in Gen.Elements(true, false)
        from reverse in Gen.Elements(true, false)
        from seed in Gen.Choose(0, int.MaxValue)
        select new ScanCase(batch, steps, inputs, hidden, bias, reverse, seed));

    /// <summary>Projected scan vs the per-step scan on one backend: Σ y ⊙ u + Σ h_n ⊙ v + Σ c_n ⊙ w and its gradients in the weights, x, h0 and c0.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Projected_scan_equals_the_per_step_scan(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"projected vs per-step Scan(LstmCell) on {combination}, worst relative error per tensor");
        Law.Check(Cases, c =>
        {
            var (cell, leaves, loss) = Setup(c, backend);
            var (vp, gp) = Grad.ValueAndGrad(p => loss(p, true), leaves);
            var (vs, gs) = Grad.ValueAndGrad(p => loss(p, false), leaves);
            var value = RelativeError.Of(vp, vs).Value;
            var (leaf, error) = RelativeError.WorstLeaf(gp, gs);
            worst.Record(Math.Max(value, error.Value), () => $"value {value:G3}, gradient {leaf} {error.Value:G3}, {c}");
            Assert.True(value <= 1e-12, $"value differs by {value:G3} relative, {c}");
            Assert.True(error.Value <= 1e-12, $"gradient {leaf} differs by {error.Value:G3} relative ({error}), {c}");
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>The projected scan on Reference vs Torch float64: values 1e-12, gradients 1e-10 relative per tensor.</summary>
    [Fact]
    public void Projected_scan_agrees_across_backends()
    {
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        var torch = BackendCombinations.Resolve(BackendCombinations.TorchCpuFloat64);
        var worst = new WorstSeen("projected Scan(LstmCell), Reference vs Torch float64, worst relative error per tensor");
        Law.Check(Cases, c =>
        {
            var (_, lr, fr) = Setup(c, reference);
            var (_, lt, ft) = Setup(c, torch);
            var (vr, gr) = Grad.ValueAndGrad(p => fr(p, true), lr);
            var (vt, gt) = Grad.ValueAndGrad(p => ft(p, true), lt);
            var value = RelativeError.Of(vr, vt).Value;
            var (leaf, error) = RelativeError.WorstLeaf(gr, gt);
            worst.Record(Math.Max(value, error.Value), () => $"value {value:G3}, gradient {leaf} {error.Value:G3}, {c}");
            Assert.True(value <= 1e-12, $"value differs by {value:G3} relative, {c}");
            Assert.True(error.Value <= 1e-10, $"gradient {leaf} differs by {error.Value:G3} relative ({error}), {c}");
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Scan takes the projected path for an LstmCell, and a cell without it refuses StepProjected by name.</summary>
    [Fact]
    public void Only_cells_that_project_take_the_projected_path()
    {
        Assert.True(new LstmCell(2, 3).ProjectsInputs);
        var gru = new GruCell(2, 3);
        Assert.False(gru.ProjectsInputs);
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        Assert.Null(gru.ProjectInputs(TensorTree.Empty, reference.FromArray(new double[2], new Shape(1, 2))));
        var e = Assert.Throws<NotSupportedException>(() =>
            gru.StepProjected(TensorTree.Empty, TensorTree.Empty, reference.FromArray(new double[9], new Shape(1, 9)), TensorTree.Empty, Context.Eval));
        Assert.Contains(gru.Describe(), e.Message, StringComparison.Ordinal);
    }

    // The cell's weights, x [N, T, F], h0 and c0 as leaves and the cotangents u, v, w, all drawn from U(−2, 2) (the
    // curved parts of σ and tanh), and the loss through either path.
    private static (LstmCell Cell, TensorTree Leaves, Func<TensorTree, bool, Tensor> Loss) Setup(ScanCase c, Backend backend)
    {
        var cell = new LstmCell(c.Inputs, c.Hidden, c.Bias);
        var keys = Key.FromSeed(c.Seed).Split(7);
        Tensor Draw(int i, Shape shape) => backend.FromArray(keys[i].Uniform(checked((int)shape.Size), -2, 2), shape);
        var state = new Shape(c.Batch, c.Hidden);
        var leaves = new List<(string, Tensor)>
        {
            ("weight_ih", Draw(0, new Shape(4 * c.Hidden, c.Inputs))),
            ("weight_hh", Draw(1, new Shape(4 * c.Hidden, c.Hidden))),
            ("x", Draw(2, new Shape(c.Batch, c.Steps, c.Inputs))),
            ("h0", Draw(3, state)),
            ("c0", Draw(4, state)),
        };
        if (c.Bias)
        {
            leaves.Add(("bias_ih", Draw(5, new Shape(4 * c.Hidden))));
            leaves.Add(("bias_hh", Draw(6, new Shape(4 * c.Hidden))));
        }

        var more = Key.FromSeed(c.Seed + 1).Split(3);
        Tensor Cotangent(int i, Shape shape) => backend.FromArray(more[i].Uniform(checked((int)shape.Size), -2, 2), shape);
        var u = Cotangent(0, new Shape(c.Batch, c.Steps, c.Hidden));
        var v = Cotangent(1, state);
        var w = Cotangent(2, state);
        Tensor Loss(TensorTree p, bool projected)
        {
            var weights = p.Without(n => n is "x" or "h0" or "c0");
            var carry = TensorTree.Of(("h", p["h0"]), ("c", p["c0"]));
            var (outputs, last) = projected ? Projected(new Scan(cell, c.Reverse), weights, p["x"], carry) : PerStep(cell, c.Reverse, weights, p["x"], carry);
            return (outputs * u).Sum() + (last["h"] * v).Sum() + (last["c"] * w).Sum();
        }

        return (cell, TensorTree.Of(leaves.ToArray()), Loss);
    }

    // The projected step loop; PlainOnly keeps Torch off its fused whole-sequence kernel (FusedScanTests holds that one).
    private static (Tensor, TensorTree) Projected(Scan scan, TensorTree weights, Tensor x, TensorTree carry)
    {
        using var plain = Capabilities.PlainOnly();
        var r = scan.Run(weights, x, carry);
        return (r.Outputs, r.Carry);
    }

    // The path Scan took before: x_t sliced out, the cell's Step (the fused LstmCell primitive), the outputs stacked.
    private static (Tensor, TensorTree) PerStep(LstmCell cell, bool reverse, TensorTree weights, Tensor x, TensorTree carry)
    {
        int n = x.Shape[0], steps = x.Shape[1];
        var outputs = new Tensor[steps];
        for (var i = 0; i < steps; i++)
        {
            var t = reverse ? steps - 1 - i : i;
            var step = cell.Step(weights, x.Slice(1, t, 1).Reshape(n, x.Shape[2]), carry);
            outputs[t] = step.Output;
            carry = step.Carry;
        }

        return (Tensor.Stack(outputs, 1), carry);
    }
}
