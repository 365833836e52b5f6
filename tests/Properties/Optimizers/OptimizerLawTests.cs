using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// Issue 4, test (d): laws every optimizer obeys exactly (bit for bit, on every backend combination, float32
/// included): a zero gradient without decay leaves the parameters unchanged; chaining with the identity is the
/// same optimizer; frozen leaves never change; an update is a pure function of its arguments. The laws are exact
/// whatever the gradients, so most use random gradient sequences (cheaper than differentiating a loss).
/// </summary>
public sealed class OptimizerLawTests
{
    /// <summary>Generated cases per optimizer and combination.</summary>
    public const int Cases = 10;

    /// <summary>(d) With every decay off, 50 steps of zero gradients leave every parameter exactly unchanged.</summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnAllBackends), MemberType = typeof(OptimizerCatalog))]
    public void Zero_gradient_without_decay_leaves_parameters_unchanged(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                using var scope = backend.Scope();
                var start = c.Parameters(backend);
                var zero = start.Map(p => backend.FromArray(new double[p.Size], p.Shape));
                var opt = OptimizerCatalog.Build(optimizer, decay: false);
                var (p, s) = (start, opt.Init(start));
                for (var t = 0; t < OptimizerCase.Steps; t++)
                {
                    (p, s) = opt.Step(zero, s, p);
                }

                ExpectIdentical($"{opt.Describe()} after 50 zero gradients on {combination}", p, start, c);
            },
            Cases);
    }

    /// <summary>(d) Chain(identity, X) and Chain(X, identity) move the parameters exactly as X does.</summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnAllBackends), MemberType = typeof(OptimizerCatalog))]
    public void Chain_with_identity_is_the_same_optimizer(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(
            OptimizerCase.RandomSequences,
            c =>
            {
                var alone = c.Run(OptimizerCatalog.Build(optimizer), backend);
                var before = c.Run(Optim.Chain(Optim.Identity(), OptimizerCatalog.Build(optimizer)), backend);
                var after = c.Run(Optim.Chain(OptimizerCatalog.Build(optimizer), Optim.Identity()), backend);
                ExpectIdentical($"Chain(identity, {optimizer}) vs {optimizer} on {combination}", before, alone, c);
                ExpectIdentical($"Chain({optimizer}, identity) vs {optimizer} on {combination}", after, alone, c);
            },
            Cases);
    }

    /// <summary>
    /// (d) Frozen leaves never change, even when their gradients are NaN; the optimizer keeps no state for them;
    /// and the trainable leaves move exactly as the optimizer moves them when the frozen leaves do not exist.
    /// </summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnAllBackends), MemberType = typeof(OptimizerCatalog))]
    public void Frozen_leaves_never_change(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(
            FrozenCase.Arbitrary,
            f =>
            {
                var c = f.Case;
                var names = c.Names;
                var trainable = names.Where((_, i) => f.Trainable(i)).ToHashSet();
                if (!trainable.Any(OptimizerCatalog.EvenLeaves) && OptimizerCatalog.Build(optimizer) is Masked)
                {
                    return; // the catalog's masked entry trains only weights: nothing left to train here
                }

                var masked = Optim.Masked(OptimizerCatalog.Build(optimizer), trainable.Contains);
                using var scope = backend.Scope();
                var start = c.Parameters(backend);
                var (p, s) = (start, masked.Init(start));
                var sub = OptimizerCatalog.Build(optimizer);
                var subStart = TensorTree.Of(start.Where(l => trainable.Contains(l.Key)));
                var (q, r) = (subStart, sub.Init(subStart));
                foreach (var stateLeaf in s.Names)
                {
                    foreach (var frozen in names.Where(n => !trainable.Contains(n)))
                    {
                        if (stateLeaf.StartsWith(frozen + ".", StringComparison.Ordinal) || stateLeaf.Contains("." + frozen + ".", StringComparison.Ordinal))
                        {
                            throw new LawViolation($"{masked.Describe()}: state leaf '{stateLeaf}' belongs to frozen leaf '{frozen}' in {f}");
                        }
                    }
                }

                for (var t = 0; t < OptimizerCase.Steps; t++)
                {
                    var g = c.RandomGradient(t);
                    var withNaN = c.Tree(backend, [.. g.Select((v, i) => trainable.Contains(names[i]) ? v : v.Select(_ => double.NaN).ToArray())]);
                    (p, s) = masked.Step(withNaN, s, p);
                    var subGradient = TensorTree.Of(c.Tree(backend, g).Where(l => trainable.Contains(l.Key)));
                    (q, r) = sub.Step(subGradient, r, q);
                }

                ExpectIdentical(
                    $"{masked.Describe()} frozen leaves on {combination}",
                    TensorTree.Of(p.Where(l => !trainable.Contains(l.Key))),
                    TensorTree.Of(start.Where(l => !trainable.Contains(l.Key))),
                    c);
                ExpectIdentical($"{masked.Describe()} trainable leaves vs the unmasked optimizer on them alone, on {combination}", TensorTree.Of(p.Where(l => trainable.Contains(l.Key))), q, c);
            },
            Cases);
    }

    /// <summary>(d) An update is pure: the same arguments twice give identical results, and the arguments are not changed.</summary>
    [Theory]
    [MemberData(nameof(OptimizerCatalog.AllOnAllBackends), MemberType = typeof(OptimizerCatalog))]
    public void Update_is_pure(string optimizer, string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                using var scope = backend.Scope();
                var opt = OptimizerCatalog.Build(optimizer);
                var p = c.Parameters(backend);
                var s = opt.Init(p);
                for (var t = 0; t < 3; t++)
                {
                    (p, s) = opt.Step(c.Gradient(t, p), s, p);
                }

                var g = c.Gradient(3, p);
                var (pCopy, sCopy, gCopy) = (Snapshot(p), Snapshot(s), Snapshot(g));
                var (u1, s1) = opt.Update(g, s, p);
                var (u2, s2) = opt.Update(g, s, p);
                ExpectIdentical($"{optimizer}: updates of two identical calls on {combination}", u1, u2, c);
                ExpectIdentical($"{optimizer}: states of two identical calls on {combination}", s1, s2, c);
                ExpectIdentical($"{optimizer}: parameters after Update on {combination}", p, pCopy, c);
                ExpectIdentical($"{optimizer}: state after Update on {combination}", s, sCopy, c);
                ExpectIdentical($"{optimizer}: gradients after Update on {combination}", g, gCopy, c);
            },
            Cases);
    }

    /// <summary>Path prefixes select whole subtrees: "0" covers "0.weight" and "0.1.bias", not "10.weight".</summary>
    [Fact]
    public void Freeze_and_TrainOnly_select_by_path_prefix()
    {
        Assert.True(Masked.IsUnder("0.weight", "0"));
        Assert.True(Masked.IsUnder("0.1.bias", "0"));
        Assert.True(Masked.IsUnder("0.1.bias", "0.1"));
        Assert.True(Masked.IsUnder("0", "0"));
        Assert.False(Masked.IsUnder("10.weight", "1"));
        Assert.False(Masked.IsUnder("0.weight", "0.w"));

        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var p = TensorTree.Of(
            ("0.weight", backend.FromArray([1.0, 2.0], new Shape(2))),
            ("0.bias", backend.FromArray([3.0], new Shape(1))),
            ("10.weight", backend.FromArray([4.0], new Shape(1))));
        var g = p.Map(t => t * 0 + 1);
        var frozen = Optim.Freeze(Optim.Sgd(0.5), "0");
        var (next, state) = frozen.Step(g, frozen.Init(p), p);
        Assert.Equal(new[] { 1.0, 2.0 }, next["0.weight"].ToArray());
        Assert.Equal(new[] { 3.0 }, next["0.bias"].ToArray());
        Assert.Equal(new[] { 3.5 }, next["10.weight"].ToArray());
        Assert.Equal(new[] { "step" }, state.Names);

        var only = Optim.TrainOnly(Optim.Adam(0.1), "0");
        Assert.Equal(new[] { "0.0.weight.exp_avg", "0.0.bias.exp_avg" }, only.Init(p).Names.Where(n => n.EndsWith(".exp_avg", StringComparison.Ordinal)));
        var (moved, _) = only.Step(g, only.Init(p), p);
        Assert.Equal(new[] { 4.0 }, moved["10.weight"].ToArray());

        var error = Assert.Throws<ArgumentException>(() => Optim.Freeze(Optim.Sgd(0.1), "0", "10").Init(p));
        Assert.Contains("no leaf is trainable", error.Message, StringComparison.Ordinal);
    }

    private static TensorTree Snapshot(TensorTree tree) =>
        tree.Map(t => t.Backend.FromArray(t.ToArray(), t.Shape));

    private static void ExpectIdentical(string what, TensorTree actual, TensorTree expected, OptimizerCase c) =>
        ExpectIdentical(what, actual.ToDictionary(l => l.Key, l => l.Value.ToArray()), expected.ToDictionary(l => l.Key, l => l.Value.ToArray()), c);

    private static void ExpectIdentical(string what, Dictionary<string, double[]> actual, Dictionary<string, double[]> expected, OptimizerCase c)
    {
        if (!actual.Keys.Order().SequenceEqual(expected.Keys.Order()))
        {
            throw new LawViolation($"{what}: leaves [{string.Join(", ", actual.Keys)}] differ from [{string.Join(", ", expected.Keys)}] in {c}");
        }

        foreach (var (name, a) in actual)
        {
            var b = expected[name];
            for (var i = 0; i < a.Length; i++)
            {
                if (!a[i].Equals(b[i]))
                {
                    throw new LawViolation($"{what}: leaf '{name}' entry {i} is {a[i]:R}, expected exactly {b[i]:R}, in {c}");
                }
            }
        }
    }

    /// <summary>An <see cref="OptimizerCase"/> with a non-empty set of trainable leaves (a bit mask over the leaves).</summary>
    /// <param name="Case">The parameter record and gradients.</param>
    /// <param name="Mask">Bit i set: leaf i is trainable (at least one bit among the case's leaves is set).</param>
    public sealed record FrozenCase(OptimizerCase Case, int Mask)
    {
        /// <summary>The arbitrary (shrinks the case, keeping the mask valid).</summary>
        public static Arbitrary<FrozenCase> Arbitrary { get; } = Arb.From(
            from c in OptimizerCase.RandomSequences.Generator
            from mask in Gen.Choose(1, (1 << c.Leaves) - 1)
            select new FrozenCase(c, mask),
            f => OptimizerCase.RandomSequences.Shrinker(f.Case)
                .Select(c => new FrozenCase(c, f.Mask & ((1 << c.Leaves) - 1)))
                .Where(s => s.Mask != 0));

        /// <summary>Whether leaf <paramref name="i"/> is trainable.</summary>
        public bool Trainable(int i) => (Mask & (1 << i)) != 0;

        /// <inheritdoc />
        public override string ToString() =>
            $"{Case} with trainable leaves [{string.Join(", ", Case.Names.Where((_, i) => Trainable(i)))}]";
    }
}
