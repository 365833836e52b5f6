using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests.Normalization;

/// <summary>A generated peer run: layout, hyperparameters and a seed for γ, β and the 21 batches.</summary>
/// <param name="Seed">Seed of every value.</param>
/// <param name="Channels">C (1–8).</param>
/// <param name="Trailing">Trailing dimensions: none ([N, C]), [L] ([N, C, L]) or [H, W] (BatchNorm2d).</param>
/// <param name="Momentum">Momentum (PyTorch's convention).</param>
/// <param name="Epsilon">ε.</param>
/// <param name="Affine">Whether γ and β are used.</param>
/// <param name="Track">Whether running statistics are kept.</param>
public sealed record PeerRun(long Seed, int Channels, int[] Trailing, double Momentum, double Epsilon, bool Affine, bool Track)
{
    /// <summary>The arbitrary.</summary>
    public static Arbitrary<PeerRun> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from channels in Gen.Choose(1, 8)
        from rank in Gen.Choose(2, 4)
        from trailing in Gen.ArrayOf(Gen.Choose(1, 4), rank - 2)
        from momentum in Gen.Elements(0.1, 0.01, 0.3, 0.9, 1.0, 0.0)
        from epsilon in Gen.Elements(1e-5, 1e-3)
        from affine in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from track in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        select new PeerRun(seed, channels, trailing, momentum, epsilon, affine, track));

    /// <summary>The batch size of step <paramref name="step"/> (2–10, different from step to step).</summary>
    public int BatchOf(int step) => 2 + (int)(Root.Fold(200 + (ulong)step).Bits(0) % 9);

    /// <summary>The shape of step <paramref name="step"/>'s batch.</summary>
    public long[] Dims(int step) => [BatchOf(step), Channels, .. Trailing.Select(t => (long)t)];

    /// <summary>Step <paramref name="step"/>'s batch: N(μ, s²) with a per-step mean μ ~ N(0, 1) and scale s ∈ [0.5, 2].</summary>
    public double[] Batch(int step)
    {
        var key = Root.Fold(300 + (ulong)step);
        var size = (int)Dims(step).Aggregate(1L, (a, b) => a * b);
        var mean = key.Fold(0).Normal(1)[0];
        var scale = key.Fold(1).Uniform(1, 0.5, 2)[0];
        return key.Fold(2).Normal(size).Select(z => mean + scale * z).ToArray();
    }

    /// <summary>γ ~ U(0.5, 1.5).</summary>
    public double[] Gamma() => Root.Fold(0).Uniform(Channels, 0.5, 1.5);

    /// <summary>β ~ N(0, 1).</summary>
    public double[] Beta() => Root.Fold(1).Normal(Channels);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"PeerRun(seed {Seed}, [N, {Channels}{string.Concat(Trailing.Select(t => $", {t}"))}], momentum {Momentum:G}, ε {Epsilon:G}, affine {Affine}, track {Track})");

    private Key Root => Key.FromSeed(Seed);
}

/// <summary>
/// Law 6 of DESIGN.md (peers) for batch norm: with the same γ and β, our <see cref="BatchNorm"/> matches
/// TorchSharp's <c>nn.BatchNorm1d</c> ([N, C] and [N, C, L]) and <c>nn.BatchNorm2d</c> ([N, C, H, W]) in float64:
/// the outputs of 20 training steps on different batches (sizes 2–10), the running mean, running variance and
/// <c>num_batches_tracked</c> after them, and the output in evaluation mode on a 21st batch. Runs on every float64
/// combination; the peer runs on the CPU. 100 generated runs per combination; the worst mismatches are printed.
/// </summary>
public sealed class BatchNormPeerTests(ITestOutputHelper output)
{
    /// <summary>Training steps per run.</summary>
    public const int Steps = 20;

    /// <summary>Generated runs per combination.</summary>
    public const int Cases = 100;

    /// <summary>Per-tensor relative tolerance against the peer.</summary>
    public const double Tolerance = 1e-12;

    /// <summary>Our batch norm follows nn.BatchNorm1d / nn.BatchNorm2d step by step.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void BatchNorm_matches_nn_BatchNorm(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var train = new WorstSeen($"{combination}: training outputs (all 20 steps) vs peer");
        var eval = new WorstSeen($"{combination}: evaluation outputs vs peer");
        var means = new WorstSeen($"{combination}: running_mean after {Steps} steps vs peer");
        var variances = new WorstSeen($"{combination}: running_var after {Steps} steps vs peer");
        var counts = new WorstSeen($"{combination}: |num_batches_tracked − peer's| after {Steps} steps");

        // Loads libtorch through the Torch backend's loader before any direct TorchSharp call.
        _ = Functional.Nets.Torch.TorchBackend.CpuFloat64;
        Law.Check(PeerRun.Arbitrary, run =>
        {
            var layer = new BatchNorm(run.Channels, run.Momentum, run.Epsilon, run.Affine, run.Track);
            using var ours = backend.Scope();
            var p = run.Affine
                ? TensorTree.Of(("weight", backend.FromArray(run.Gamma(), run.Channels)), ("bias", backend.FromArray(run.Beta(), run.Channels)))
                : TensorTree.Empty;
            var state = layer.InitState(backend);

            using var theirs = NewDisposeScope();
            using var peer = run.Trailing.Length == 2
                ? (nn.Module<TorchTensor, TorchTensor>)nn.BatchNorm2d(run.Channels, run.Epsilon, run.Momentum, run.Affine, run.Track, dtype: float64)
                : nn.BatchNorm1d(run.Channels, run.Epsilon, run.Momentum, run.Affine, run.Track, dtype: float64);
            var norm = (NormBase)(object)peer;
            if (run.Affine)
            {
                using var noGrad = no_grad();
                norm.weight!.copy_(tensor(run.Gamma(), new long[] { run.Channels }, float64));
                norm.bias!.copy_(tensor(run.Beta(), new long[] { run.Channels }, float64));
            }

            peer.train();
            var largestInput = 0.0;
            for (var step = 0; step < Steps; step++)
            {
                var x = run.Batch(step);
                largestInput = Math.Max(largestInput, x.Max(Math.Abs));
                var dims = run.Dims(step);
                var (y, s) = layer.Apply(p, state, backend.FromArray(x, new Shape([.. dims.Select(d => (int)d)])), Context.TrainDeterministic);
                state = s;
                var expected = peer.forward(tensor(x, dims, float64)).detach().data<double>().ToArray();
                Expect(train, $"training output at step {step}", y.ToArray(), expected, run);
            }

            if (run.Track)
            {
                // The running mean is a weighted sum (weights ≤ 1 in all) of batch means, which can cancel to near 0
                // (one channel, momentum 1): its rounding error is at most (n + Steps)·u·max|x| with n ≤ 160 values
                // per channel, so it is measured against the largest input it was summed from, not its own size.
                Expect(means, "running_mean", state["running_mean"].ToArray(), norm.running_mean!.data<double>().ToArray(), run, largestInput);
                Expect(variances, "running_var", state["running_var"].ToArray(), norm.running_var!.data<double>().ToArray(), run);
                var count = state["num_batches_tracked"].Item();
                var peerCount = norm.num_batches_tracked!.to(int64).item<long>();
                counts.Record(Math.Abs(count - peerCount), () => $"{count} vs {peerCount} in {run}");
                if (count != peerCount)
                {
                    throw new LawViolation($"num_batches_tracked of {run} on {combination}: {count}, peer {peerCount}");
                }
            }

            peer.eval();
            var xe = run.Batch(Steps);
            var de = run.Dims(Steps);
            var (ye, se) = layer.Apply(p, state, backend.FromArray(xe, new Shape([.. de.Select(d => (int)d)])), Context.Eval);
            Expect(eval, "evaluation output", ye.ToArray(), peer.forward(tensor(xe, de, float64)).detach().data<double>().ToArray(), run);
            if (!ReferenceEquals(se, state))
            {
                throw new LawViolation($"evaluation mode changed the state of {run} on {combination}");
            }
        }, Cases);

        foreach (var w in new[] { train, eval, means, variances, counts })
        {
            output.WriteLine(w.ToString());
        }
    }

    private static void Expect(WorstSeen worst, string what, double[] ours, double[] peer, PeerRun run, double floor = RelativeError.DefaultFloor)
    {
        var e = RelativeError.Of(ours, peer, floor);
        worst.Record(e.Value, () => $"{what}: {e} in {run}");
        if (!(e.Value <= Tolerance))
        {
            throw new LawViolation($"{what} of {run}: {e} exceeds {Tolerance:G} (a = ours, b = peer)");
        }
    }
}
