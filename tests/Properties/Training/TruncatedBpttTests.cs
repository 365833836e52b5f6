using Functional.Nets.Reference;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// <see cref="TruncatedBptt"/>: a chunk's gradient is the full-sequence gradient of that chunk's loss with the carry
/// held constant (and differs from the untruncated one), the carry flows from chunk to chunk (training differs from
/// resetting it), clipping bounds each update, the Reference and Torch float64 runs agree, and bad arguments are
/// refused. The model stacks an LSTM and a GRU scan, so the carry is nested (<c>0.h</c>, <c>0.c</c>, <c>1.h</c>).
/// </summary>
public sealed class TruncatedBpttTests(ITestOutputHelper output)
{
    private const int N = 3;
    private const int T = 9;
    private const int Truncation = 3;

    private static Sequential Network() => new(new Scan(new LstmCell(3, 4)), new Scan(new GruCell(4, 2)));

    /// <summary>
    /// The objective's gradient on chunk 2 (steps 6..8, after chunks 0 and 1 passed their carry on) equals the gradient of
    /// the same loss computed as one run over steps 0..8 in which steps 0..5 see the parameters as constants: the carry
    /// held constant. Both do the same operations on the same values, so 1e-12 relative per leaf in float64. The
    /// untruncated gradient (steps 0..5 differentiated too) differs by far more, so the check can fail.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void A_chunk_gradient_is_the_full_gradient_with_the_carry_held_constant(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var network = Network();
        var model = TruncatedBptt.Model(network);
        var (x, y) = Sequence(backend, 5);
        var p = network.Init(Key.FromSeed(1), backend);
        var key = Key.FromSeed(2);
        var objective = TruncatedBptt.Objective(model, Losses.MeanSquaredError);
        var chunks = TruncatedBptt.Chunks(x, y, Truncation).ToArray();
        Assert.Equal(3, chunks.Length);

        var state = network.InitState(backend);
        state = objective(p, state, chunks[0], key).State;
        state = objective(p, state, chunks[1], key).State;
        var (_, truncated) = Grad.ValueAndGrad(q => objective(q, state, chunks[2], key).Loss, p);

        Tensor Full(TensorTree q, bool holdCarry)
        {
            var prefix = model(holdCarry ? q.Map(t => t.StopGradient()) : q, TensorTree.Empty, x.Slice(1, 0, 6), null, Context.Train(key));
            var last = model(q, TensorTree.Empty, x.Slice(1, 6, 3), prefix.Carry, Context.Train(key));
            return Losses.MeanSquaredError(last.Output, y.Slice(1, 6, 3));
        }

        var (_, held) = Grad.ValueAndGrad(q => Full(q, holdCarry: true), p);
        var (_, untruncated) = Grad.ValueAndGrad(q => Full(q, holdCarry: false), p);
        var (leaf, error) = RelativeError.WorstLeaf(truncated, held);
        var (_, cut) = RelativeError.WorstLeaf(truncated, untruncated);
        output.WriteLine($"{combination}: chunk vs held-carry gradient {error.Value:G3} ({leaf}); vs untruncated {cut.Value:G3}");
        Assert.True(error.Value <= 1e-12, $"{combination}: leaf {leaf} differs by {error}");
        Assert.True(cut.Value > 1e-6, $"{combination}: the untruncated gradient should differ, got {cut.Value:G3}");
    }

    /// <summary>
    /// The carry flows: the state after a run holds the final carry (h, c of the LSTM, h of the GRU, [N, hidden]);
    /// chunk 0's loss is the same either way, and from chunk 1 on the losses and the final parameters differ from a run
    /// that resets the carry before every chunk.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void The_carry_flows_from_chunk_to_chunk(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var network = Network();
        var (x, y) = Sequence(backend, 7);
        var trainer = TruncatedBptt.Trainer(TruncatedBptt.Model(network), Losses.MeanSquaredError);
        var start = Start(network, backend);
        var (carried, losses) = TruncatedBptt.Run(trainer, start, x, y, Truncation);

        var reset = start;
        var resetLosses = new List<double>();
        foreach (var chunk in TruncatedBptt.Chunks(x, y, Truncation))
        {
            var (next, m) = trainer.Step(TruncatedBptt.ResetCarry(reset), chunk);
            reset = next;
            resetLosses.Add(m.Loss);
        }

        var carry = TruncatedBptt.CarryOf(carried);
        Assert.Equal(["0.h", "0.c", "1.h"], carry.Names.ToArray());
        Assert.Equal(new Shape(N, 4), carry["0.c"].Shape);
        Assert.Equal(new Shape(N, 2), carry["1.h"].Shape);
        Assert.Empty(TruncatedBptt.CarryOf(TruncatedBptt.ResetCarry(carried)));
        Assert.Equal(resetLosses[0], losses[0].Loss, 12);
        Assert.True(Math.Abs(resetLosses[1] - losses[1].Loss) > 1e-9 * Math.Abs(losses[1].Loss), "chunk 1's loss should see the carry");
        var (leaf, error) = RelativeError.WorstLeaf(carried["model"].Parameters, reset["model"].Parameters);
        Assert.True(error.Value > 1e-6, $"the parameters should differ when the carry flows; worst {leaf} {error.Value:G3}");
    }

    /// <summary>
    /// Clipping bounds each update: with SGD at rate η after clipping to global norm m, one chunk moves the parameters by
    /// at most η·m in the global norm (within rounding), and by exactly η·m when the gradient's norm exceeds m (it does
    /// here: m is far below the unclipped norm, which the test measures first).
    /// </summary>
    [Fact]
    public void Clipping_bounds_each_update()
    {
        var backend = ReferenceBackend.Instance;
        var network = Network();
        var (x, y) = Sequence(backend, 9);
        const double Rate = 0.5, MaxNorm = 1e-3;
        var optimizer = TruncatedBptt.Optimizer(Optim.Sgd(Rate), MaxNorm);
        var trainer = TruncatedBptt.Trainer(TruncatedBptt.Model(network), Losses.MeanSquaredError);
        var start = MultiPartState.Create(Key.FromSeed(4), backend, (Trainer.PartName, (Layer)network, optimizer));
        var chunk = TruncatedBptt.Chunks(x, y, Truncation).First();
        var p = start["model"].Parameters;
        var (_, g) = Grad.ValueAndGrad(q => TruncatedBptt.Objective(TruncatedBptt.Model(network), Losses.MeanSquaredError)(q, TensorTree.Empty, chunk, start.StepKey).Loss, p);
        var norm = Norm(g.Values.Select(t => t.ToArray()));
        Assert.True(norm > 10 * MaxNorm, "the gradient should exceed the clipping norm");
        var (next, _) = trainer.Step(start, chunk);
        var moved = Norm(p.Zip(next["model"].Parameters, (a, b) => a - b).Values.Select(t => t.ToArray()));

        // PyTorch's clip_grad_norm_ scales by m/(‖g‖ + 10⁻⁶), so the step is η·m·‖g‖/(‖g‖ + 10⁻⁶).
        var expected = Rate * MaxNorm * norm / (norm + ClipByGlobalNorm.NormEpsilon);
        Assert.True(moved <= Rate * MaxNorm, $"moved {moved}, above η·m = {Rate * MaxNorm}");
        Assert.Equal(expected, moved, 1e-15);
    }

    /// <summary>
    /// A whole run (three chunks, SGD with clipping active) on Torch float64 equals the Reference run: per-chunk losses
    /// within 1e-12 relative, final parameters and carry within 1e-10 relative per leaf (the gradient bound, as the
    /// parameters are sums of gradients).
    /// </summary>
    [Fact]
    public void Reference_and_Torch_agree()
    {
        var network = Network();
        (MultiPartState State, IReadOnlyList<StepMetrics> Metrics) RunOn(Backend backend)
        {
            var (x, y) = Sequence(backend, 11);
            var trainer = TruncatedBptt.Trainer(TruncatedBptt.Model(network), Losses.MeanSquaredError);
            return TruncatedBptt.Run(trainer, Start(network, backend), x, y, Truncation);
        }

        var reference = RunOn(ReferenceBackend.Instance);
        var torchBackend = BackendCombinations.Resolve(BackendCombinations.TorchCpuFloat64);
        using var scope = torchBackend.Scope();
        var torch = RunOn(torchBackend);
        for (var i = 0; i < reference.Metrics.Count; i++)
        {
            var a = reference.Metrics[i].Loss;
            var b = torch.Metrics[i].Loss;
            Assert.True(Math.Abs(a - b) <= 1e-12 * Math.Abs(a), $"chunk {i}: loss {a} vs {b}");
        }

        var (leaf, error) = RelativeError.WorstLeaf(reference.State["model"].Parameters, torch.State["model"].Parameters.ToBackend(ReferenceBackend.Instance));
        var (carryLeaf, carryError) = RelativeError.WorstLeaf(TruncatedBptt.CarryOf(reference.State), TruncatedBptt.CarryOf(torch.State).ToBackend(ReferenceBackend.Instance));
        output.WriteLine($"Reference vs Torch float64: parameters {error.Value:G3} ({leaf}), carry {carryError.Value:G3} ({carryLeaf})");
        Assert.True(error.Value <= 1e-10, $"parameter {leaf}: {error}");
        Assert.True(carryError.Value <= 1e-10, $"carry {carryLeaf}: {carryError}");
    }

    /// <summary>A truncation length that is not positive, or targets of another length, are refused with the values named.</summary>
    [Fact]
    public void Bad_arguments_are_refused()
    {
        var backend = ReferenceBackend.Instance;
        var (x, y) = Sequence(backend, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TruncatedBptt.Chunks(x, y, 0));
        Assert.Contains("got 0", e.Message, StringComparison.Ordinal);
        var s = Assert.Throws<ShapeMismatchException>(() => TruncatedBptt.Chunks(x, y.Slice(1, 0, 4), 3));
        Assert.Contains("[3, 9, 3] and [3, 4, 2]", s.Message, StringComparison.Ordinal);
    }

    // SGD after clipping to global norm 0.05: on these sizes the gradient's norm is above it, so clipping takes part.
    private static MultiPartState Start(Sequential network, Backend backend) =>
        MultiPartState.Create(Key.FromSeed(3), backend, (Trainer.PartName, (Layer)network, TruncatedBptt.Optimizer(Optim.Sgd(0.5), 0.05)));

    private static (Tensor X, Tensor Y) Sequence(Backend backend, long seed)
    {
        var keys = Key.FromSeed(seed).Split(2);
        return (backend.FromArray(keys[0].Uniform(N * T * 3, -1, 1), new Shape(N, T, 3)), backend.FromArray(keys[1].Uniform(N * T * 2, -1, 1), new Shape(N, T, 2)));
    }

    private static double Norm(IEnumerable<double[]> parts) => Math.Sqrt(parts.Sum(p => p.Sum(v => v * v)));
}
