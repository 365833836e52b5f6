using Functional.Nets.Tests.Checkpoints;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// Two laws over every optimizer of the catalog. (1) The fused step and the plain one agree:
/// <see cref="Optimizer.Step"/> (a chain folds its trailing rate into the last direction's map, and
/// <see cref="ScaleByAdam"/>, AMSGrad included, writes θ + c·u in one pass) against <see cref="Optimizer.Update"/>
/// then <see cref="Optimizer.ApplyUpdates"/>, 50 steps in float64, within 1e-10 relative per leaf
/// (<see cref="TrajectoryError"/>). (2) Optimizer state survives a checkpoint: k steps, <c>Checkpoint.Save</c>,
/// <c>Checkpoint.Load</c>, and the remaining steps give bit for bit the parameters and state of the
/// uninterrupted run, on every combination, float32 included (a state leaf that the optimizer also remembers on
/// the host, such as the step counter or NAdam's <c>mu_product</c>, must remember what the tensor holds).
/// </summary>
public sealed class StepPathTests(ITestOutputHelper output)
{
    /// <summary>Per-leaf relative tolerance between the two paths in float64, as for the backends.</summary>
    public const double Tolerance = 1e-10;

    /// <summary>Generated cases per optimizer and combination.</summary>
    public const int Cases = 10;

    /// <summary>Every entry on every float64 combination.</summary>
    public static TheoryData<string, string> AllOnFloat64
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var combination in OptimizerCatalog.Combinations(BackendCombinations.Float64))
            {
                foreach (var name in OptimizerCatalog.Names)
                {
                    data.Add(name, combination);
                }
            }

            return data;
        }
    }

    /// <summary>(1) Step and Update + ApplyUpdates take the same 50 steps.</summary>
    [Theory]
    [MemberData(nameof(AllOnFloat64))]
    public void Fused_step_agrees_with_update_then_apply(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"{optimizer}, Step vs Update + ApplyUpdates on {combination}, 50 steps, per leaf");
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                var initial = c.Names.Zip(c.InitialValues()).ToDictionary(p => p.First, p => p.Second);
                var fused = c.Run(OptimizerCatalog.Build(optimizer), backend);
                var plain = RunPlain(c, OptimizerCatalog.Build(optimizer), backend);
                var e = TrajectoryError.Of(fused, plain, initial);
                worst.Record(e.Value, () => $"{e} in {c}");
                if (!(e.Value <= Tolerance))
                {
                    throw new LawViolation($"{optimizer}: {e} exceeds {Tolerance:G} (a = Step, b = Update + ApplyUpdates, on {combination}) in {c}");
                }
            },
            Cases);
        output.WriteLine(worst.ToString());
    }

    /// <summary>(2) Saving and loading the state after k steps does not change the rest of the run.</summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnAllBackends), MemberType = typeof(OptimizerCatalog))]
    public void A_checkpointed_state_resumes_exactly(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var path = dir.File("state.safetensors");
        Law.Check(
            OptimizerCase.RandomSequences,
            c =>
            {
                using var scope = backend.Scope();
                var opt = OptimizerCatalog.Build(optimizer);
                var split = 1 + (int)(c.Seed % (OptimizerCase.Steps - 1));
                var (p, s) = Steps(c, opt, c.Parameters(backend), null, 0, split);
                Checkpoint.Save(path, new TrainState(p, TensorTree.Empty, s, split, Key.FromSeed(0)));
                var loaded = Checkpoint.Load(path, backend);
                var uninterrupted = Steps(c, opt, p, s, split, OptimizerCase.Steps);
                var resumed = Steps(c, opt, loaded.Parameters, loaded.OptimizerState, split, OptimizerCase.Steps);
                Bits.Identical($"{optimizer} on {combination}: parameters after {split} steps, save/load, and the rest, against the uninterrupted run, in {c}", uninterrupted.Parameters, resumed.Parameters);
                Bits.Identical($"{optimizer} on {combination}: state after {split} steps, save/load, and the rest, against the uninterrupted run, in {c}", uninterrupted.State, resumed.State);
            },
            Cases);
    }

    private static (TensorTree Parameters, TensorTree State) Steps(OptimizerCase c, Optimizer optimizer, TensorTree p, TensorTree? s, int from, int to)
    {
        var state = s ?? optimizer.Init(p);
        for (var t = from; t < to; t++)
        {
            (p, state) = optimizer.Step(c.Gradient(t, p), state, p);
        }

        return (p, state);
    }

    private static Dictionary<string, double[]> RunPlain(OptimizerCase c, Optimizer optimizer, Backend backend)
    {
        using var scope = backend.Scope();
        var p = c.Parameters(backend);
        var s = optimizer.Init(p);
        for (var t = 0; t < OptimizerCase.Steps; t++)
        {
            var (updates, next) = optimizer.Update(c.Gradient(t, p), s, p);
            (p, s) = (Optimizer.ApplyUpdates(p, updates), next);
        }

        return p.ToDictionary(l => l.Key, l => l.Value.ToArray());
    }
}
