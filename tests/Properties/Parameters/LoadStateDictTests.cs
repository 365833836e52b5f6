using Functional.Nets.Reference;
using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Parameters;

/// <summary>
/// <see cref="TensorTree.LoadStateDict"/> and <see cref="Checkpoint.LoadInto"/> behave as PyTorch's
/// <c>load_state_dict</c>: the report lists exactly the matched, missing, unexpected and mismatched
/// leaves; strict loading throws on any of them, non-strict loading keeps missing leaves and skips
/// unexpected ones but still throws on a shape mismatch; loaded leaves are the source's values on the
/// target leaf's backend; the file path and the tree path give the same result.
/// </summary>
public sealed class LoadStateDictTests
{
    /// <summary>The source of a case: some target leaves dropped, some reshaped, maybe one extra, all with fresh values, on the Reference backend.</summary>
    private static (TensorTree Source, List<string> Missing, List<string> Mismatched, List<string> Unexpected) Source(NamedTreeCase c)
    {
        var backend = ReferenceBackend.Instance;
        var leaves = new List<KeyValuePair<string, Tensor>>();
        var missing = new List<string>();
        var mismatched = new List<string>();
        for (var i = 0; i < c.Leaves.Length; i++)
        {
            var (name, shape) = c.Leaves[i];
            switch ((c.Seed >> (2 * i)) & 3)
            {
                case 1:
                    missing.Add(name);
                    continue;
                case 2:
                    mismatched.Add(name);
                    shape = new Shape([.. shape.Dims, 2]);
                    break;
            }

            leaves.Add(KeyValuePair.Create(name, backend.FromArray(Key.FromSeed(c.Seed + 1).Fold((ulong)i).Normal((int)shape.Size), shape)));
        }

        var unexpected = new List<string>();
        if (c.Seed % 2 == 0)
        {
            unexpected.Add("extra.weight");
            leaves.Insert(leaves.Count / 2, KeyValuePair.Create("extra.weight", backend.FromArray([1.0, 2.0, 3.0], 3)));
        }

        // The source lists its leaves in reverse: loading follows the target's order, not the source's.
        leaves.Reverse();
        return (TensorTree.Of(leaves), missing, mismatched, unexpected);
    }

    /// <summary>The report is exact, strict and non-strict loading throw or load as PyTorch does, and loaded leaves are the source's on the target's backend.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void LoadStateDict_reports_and_loads_as_PyTorch(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            using var target = c.Tree(backend);
            var (source, missing, mismatched, unexpected) = Source(c);
            var report = target.CompareStructure(source);
            Assert.Equal(missing, report.Missing.Select(m => m.Name));
            Assert.Equal(mismatched, report.ShapeMismatched.Select(m => m.Name));
            Assert.Equal(unexpected, report.Unexpected.Select(m => m.Name));
            Assert.Equal(c.Leaves.Select(l => l.Name).Except(missing).Except(mismatched), report.Matched);
            Assert.All(report.ShapeMismatched, m => Assert.Equal(new Shape([.. m.Expected.Dims, 2]), m.Actual));
            Assert.All(report.ShapeMismatched, m => Assert.Equal(target[m.Name].Shape, m.Expected));

            foreach (var strict in new[] { true, false })
            {
                if (mismatched.Count > 0 || (strict && !report.IsExact))
                {
                    var e = Assert.Throws<ArgumentException>(() => target.LoadStateDict(source, strict));
                    Assert.StartsWith(
                        mismatched.Count > 0 && !strict ? "LoadStateDict: shapes differ, which never loads, strict or not" : "LoadStateDict: the source does not fit the target",
                        e.Message,
                        StringComparison.Ordinal);
                    RequireListed(e.Message, report);
                    continue;
                }

                var (loaded, r) = target.LoadStateDict(source, strict);
                Assert.Equal(report.Describe(), r.Describe());
                Assert.Equal(target.Names, loaded.Names);
                foreach (var (name, value) in loaded)
                {
                    Assert.Equal(backend, value.Backend);
                    if (missing.Contains(name))
                    {
                        Assert.Same(target[name], value);
                    }
                    else
                    {
                        using var expected = TensorTree.Of(("x", source[name].ToBackend(backend)));
                        Bits.Identical($"{combination}, {name} of {c}", expected, TensorTree.Of(("x", value)));
                    }
                }
            }

            source.Dispose();
        });
    }

    /// <summary>LoadInto with a prefix gives what LoadStateDict on that child gives, leaves the rest of the target as it was, and reports under the prefix.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void LoadInto_a_subtree_equals_LoadStateDict_on_the_child(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        Law.Check(NamedTreeCase.Arbitrary, c =>
        {
            var path = dir.File("part.safetensors");
            using var part = c.Tree(backend);
            using var other = c.Tree(backend);
            var target = TensorTree.Nest([("body", part), ("head", other)]);
            var (source, missing, mismatched, _) = Source(c);
            SafeTensors.Write(path, source);
            if (mismatched.Count > 0)
            {
                var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(path, target, "body", strict: false));
                Assert.StartsWith($"checkpoint '{path}': LoadInto (prefix 'body'): shapes differ, which never loads, strict or not", e.Message, StringComparison.Ordinal);
                Assert.NotNull(e.Report);
                Assert.Equal(mismatched.Select(m => "body." + m), e.Report.ShapeMismatched.Select(m => m.Name));
                RequireListed(e.Message, e.Report);
                return;
            }

            var (loaded, report) = Checkpoint.LoadInto(path, target, "body", strict: false);
            var (expected, expectedReport) = part.LoadStateDict(source, strict: false);
            Assert.Equal(missing.Select(m => "body." + m), report.Missing.Select(m => m.Name));
            Assert.Equal(expectedReport.Unexpected, report.Unexpected);
            Assert.Equal(target.Names, loaded.Names);
            Bits.Identical($"{combination}, body of {c}", expected, loaded.Child("body"));
            Assert.All(loaded.Child("body"), l => Assert.Equal(backend, l.Value.Backend));
            Trees.Same($"head of {c}", [.. other], loaded.Child("head"));
            source.Dispose();
        });
    }

    /// <summary>A pretrained backbone's checkpoint loads into child "0" of a larger model; a strict mismatch names the file, the leaves and their shapes.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backbone_checkpoint_loads_into_a_larger_model(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var path = dir.File("backbone.safetensors");
        var backbone = new Sequential(new Dense(3, 4), new BatchNorm(4), new Tanh());
        var state = TrainState.Create(backbone, Optim.Adam(), Key.FromSeed(7), ReferenceBackend.Instance);
        Checkpoint.Save(path, state);

        var model = new Sequential(backbone, new Dense(4, 2));
        var fresh = model.Init(Key.FromSeed(8), backend);
        var (parameters, report) = Checkpoint.LoadInto(path, fresh, prefix: "0");
        Assert.True(report.IsExact, report.Describe());
        Assert.Equal(fresh.Names, parameters.Names);
        Bits.Identical(combination, state.Parameters.ToBackend(backend), parameters.Child("0"));
        Assert.Same(fresh["1.weight"], parameters["1.weight"]);

        var (layerState, stateReport) = Checkpoint.LoadInto(path, model.InitState(backend), prefix: "0", part: CheckpointPart.LayerState);
        Assert.True(stateReport.IsExact, stateReport.Describe());
        Assert.Equal(state.LayerState.Names.Select(n => "0." + n), stateReport.Matched);
        Bits.Identical($"{combination}, layer state", state.LayerState.ToBackend(backend), layerState.Child("0"));

        // Into the whole model without a prefix: the head is missing, the file's names are unexpected.
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(path, fresh));
        Assert.Equal(path, e.Path);
        Assert.StartsWith(
            $"checkpoint '{path}': LoadInto: the source does not fit the target: 4 missing from the source: 0.0.weight [4, 3], 0.0.bias [4], 0.1.weight [4], 0.1.bias [4]; "
            + "2 unexpected in the source: 0.weight [4, 3], 0.bias [4]; 2 of another shape: 1.weight (expected [2, 4], got [4]), 1.bias (expected [2], got [4])",
            e.Message,
            StringComparison.Ordinal);
        Assert.NotNull(e.Report);

        // A head of another width: a shape mismatch, which fails even non-strict.
        var wider = new Sequential(new Sequential(new Dense(3, 5), new BatchNorm(5), new Tanh()), new Dense(5, 2)).Init(Key.FromSeed(8), backend);
        e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(path, wider, "0", strict: false));
        Assert.Contains("LoadInto (prefix '0'): shapes differ, which never loads, strict or not (as PyTorch's load_state_dict): 4 of another shape: 0.0.weight (expected [5, 3], got [4, 3]), 0.0.bias (expected [5], got [4]), 0.1.weight (expected [5], got [4]), 0.1.bias (expected [5], got [4])", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, e.Report!.ShapeMismatched.Count);

        var bad = Assert.Throws<ArgumentException>(() => Checkpoint.LoadInto(path, fresh, "0."));
        Assert.StartsWith("LoadInto: a prefix is one or more name segments without a trailing dot (e.g. 'backbone' or '0.1'), got '0.'", bad.Message, StringComparison.Ordinal);
    }

    /// <summary>Throws unless <paramref name="message"/> lists every problem of <paramref name="report"/> with its shapes.</summary>
    private static void RequireListed(string message, LoadReport report)
    {
        foreach (var m in report.Missing.Concat(report.Unexpected))
        {
            Assert.Contains($"{m.Name} {m.Shape}", message, StringComparison.Ordinal);
        }

        foreach (var m in report.ShapeMismatched)
        {
            Assert.Contains($"{m.Name} (expected {m.Expected}, got {m.Actual})", message, StringComparison.Ordinal);
        }
    }
}
