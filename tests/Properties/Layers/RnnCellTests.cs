using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// <see cref="RnnCell"/>, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh): two steps from the zero carry (so the
/// carry path and W_hh are exercised) agree across backends, with central differences and with TorchSharp's
/// <c>nn.RNNCell</c> given the same weights; purity; names; errors.
/// </summary>
public sealed class RnnCellTests(ITestOutputHelper output)
{
    /// <summary>Cells of 1–8 inputs and hidden units, with and without bias, on batches of 1–6.</summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 6)
        from inputs in Gen.Choose(1, 8)
        from hidden in Gen.Choose(1, 8)
        from bias in Gen.Elements(true, false)
        select ((Layer)new TwoSteps(new RnnCell(inputs, hidden, bias)), new Shape(batch, inputs), 2, inputs + hidden)));

    /// <summary>Outputs and gradients (parameters and input) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"RnnCell on {combination}: worst output and gradient error as a fraction of the tolerance");
        Law.Check(Cases, c =>
        {
            var (o, g) = LayerLaws.Agree(combination, c);
            worst.Record(Math.Max(o, g), () => $"output {o:G3}, gradient {g:G3} of the tolerance, {c}");
        });
        output.WriteLine(worst.ToString());
    }

    /// <summary>Reference gradients match central differences within 1e-6 per leaf.</summary>
    [Fact]
    public void Reference_gradients_match_central_differences()
    {
        var worst = new WorstSeen("RnnCell: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 50);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Steps are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>
    /// Two steps equal <c>nn.RNNCell</c>'s with the same weights in float64: outputs within 1e-12, gradients of
    /// Σ h₂ ⊙ r within 1e-10 per tensor (ours on the Reference backend, theirs from libtorch autograd).
    /// </summary>
    [Fact]
    public void Matches_nn_RNNCell()
    {
        var backend = ReferenceBackend.Instance;
        PeerTests.EnsureTorch();
        Law.Check(Cases, c =>
        {
            var cell = ((TwoSteps)c.Layer).Cell;
            var (value, grads) = Grad.ValueAndGrad(c.Objective(backend), c.Arguments(backend));
            var ours = c.Layer.Apply(c.Parameters(backend), c.Input(backend)).ToArray();

            using var scope = NewDisposeScope();
            using var peer = nn.RNNCell(cell.Inputs, cell.Hidden, bias: cell.HasBias, dtype: float64);
            var p = c.Parameters(backend);
            using (no_grad())
            {
                foreach (var (name, leaf) in p)
                {
                    peer.get_parameter(name)!.copy_(tensor(leaf.ToArray(), leaf.Shape.Dims.Select(d => (long)d).ToArray(), float64));
                }
            }

            var x = tensor(c.Input(backend).ToArray(), c.InputShape.Dims.Select(d => (long)d).ToArray(), float64).requires_grad_(true);
            var h2 = peer.forward(x, peer.forward(x, null));
            var r = tensor(TwoStepsCotangent(c), h2.shape, float64);
            (h2 * r).sum().backward();
            Expect("output", ours, h2.data<double>().ToArray(), PeerTests.Tolerance, c);
            Expect("gradient of x", grads["x.x"].ToArray(), x.grad!.data<double>().ToArray(), LayerLaws.GradientTolerance, c);
            foreach (var (name, _) in p)
            {
                Expect($"gradient of {name}", grads["p." + name].ToArray(), peer.get_parameter(name)!.grad!.data<double>().ToArray(), LayerLaws.GradientTolerance, c);
            }

            _ = value;
        });
    }

    /// <summary>Parameters have nn.RNNCell's names and shapes; the carry is <c>h</c>, zeros to begin with.</summary>
    [Fact]
    public void Has_PyTorch_names_and_a_zero_carry()
    {
        var backend = ReferenceBackend.Instance;
        var cell = new RnnCell(3, 5);
        var p = cell.Init(Key.FromSeed(6), backend);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], p.Names);
        Assert.Equal(new Shape(5, 3), p["weight_ih"].Shape);
        Assert.Equal(new Shape(5, 5), p["weight_hh"].Shape);
        Assert.Equal(cell.ParameterCount, p.ParameterCount);
        Assert.All(p.Values.SelectMany(t => t.ToArray()), v => Assert.InRange(v, -1 / Math.Sqrt(5), 1 / Math.Sqrt(5)));
        var carry = cell.InitialCarry(2, backend);
        Assert.Equal(["h"], carry.Names);
        Assert.All(carry["h"].ToArray(), v => Assert.Equal(0, v));
        var step = cell.Step(p, backend.FromArray(new double[6], 2, 3), carry);
        Assert.Same(step.Output, step.Carry["h"]);
    }

    /// <summary>A step of the wrong width or a carry of the wrong shape is an error naming the cell.</summary>
    [Fact]
    public void Wrong_shapes_are_clear_errors()
    {
        var backend = ReferenceBackend.Instance;
        var cell = new RnnCell(3, 5);
        var p = cell.Init(Key.FromSeed(7), backend);
        var e = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[4], 2, 2), cell.InitialCarry(2, backend)));
        Assert.Contains("RnnCell(3→5): expected input x_t [N, 3], got [2, 2]", e.Message, StringComparison.Ordinal);
        var h = Assert.Throws<LayerShapeException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), cell.InitialCarry(4, backend)));
        Assert.Contains("carry h [2, 5]", h.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => cell.Step(p, backend.FromArray(new double[6], 2, 3), TensorTree.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnCell(0, 5));
    }

    private static double[] TwoStepsCotangent(LayerCase c) =>
        Key.FromSeed(c.Seed).Fold(2).Normal(checked((int)c.Layer.OutputShape(c.InputShape).Size));

    private static void Expect(string what, double[] ours, double[] peer, double tolerance, LayerCase c)
    {
        var e = RelativeError.Of(ours, peer);
        if (!(e.Value <= tolerance))
        {
            throw new LawViolation($"{what} of {c} vs nn.RNNCell: {e} exceeds {tolerance:G} (a = ours, b = peer)");
        }
    }

    /// <summary>A test harness (not a library layer): y = h₂ with h₁ = cell(x, 0) and h₂ = cell(x, h₁).</summary>
    private sealed class TwoSteps(RnnCell cell) : Layer
    {
        public RnnCell Cell => cell;

        public override long ParameterCount => cell.ParameterCount;

        public override string Describe() => $"TwoSteps({cell.Describe()})";

        public override Shape OutputShape(Shape input) => new(input[0], cell.Hidden);

        public override TensorTree Init(Key key, Backend backend) => cell.Init(key, backend);

        public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
        {
            var h1 = cell.Step(parameters, input, cell.InitialCarry(input.Shape[0], input.Backend));
            return (cell.Step(parameters, input, h1.Carry).Output, state);
        }
    }
}
