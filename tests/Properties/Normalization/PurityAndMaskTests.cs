using FsCheck;
using FsCheck.Fluent;
using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// Law 5 of DESIGN.md (purity) for the stochastic and stateful layers, and where dropout masks come from:
/// the same key gives the same mask (bit for bit, on every backend, and the same on the Reference and Torch
/// backends), different keys give different masks, two dropout layers in one model draw independent masks, and
/// applying a network with BatchNorm twice gives identical outputs and states without mutating anything.
/// </summary>
public sealed class PurityAndMaskTests
{
    /// <summary>Generated cases per property.</summary>
    public const int Cases = 100;

    /// <summary>A dropout case: p, kind, shape [rows, cols] with at least 256 entries, and a seed.</summary>
    public sealed record MaskCase(long Seed, double P, DropoutKind Kind, int Rows, int Cols)
    {
        /// <summary>The arbitrary.</summary>
        public static Arbitrary<MaskCase> Arbitrary { get; } = Arb.From(
            from seed in Gen.Choose(0, int.MaxValue)
            from p in Gen.Choose(1, 9)
            from classic in Gen.Elements(false, true)
            from rows in Gen.Choose(16, 40)
            from cols in Gen.Choose(16, 40)
            select new MaskCase(seed, p / 10.0, classic ? DropoutKind.Classic : DropoutKind.Inverted, rows, cols));

        /// <summary>The input: N(0, 1) entries shifted away from 0 (|x| ≥ 0.1), so a zero output means a dropped entry.</summary>
        public double[] Input() => Key.FromSeed(Seed).Normal(Rows * Cols).Select(v => v + (v >= 0 ? 0.1 : -0.1)).ToArray();

        /// <summary>The key of the mask.</summary>
        public Key MaskKey => Key.FromSeed(Seed).Fold(1);
    }

    /// <summary>
    /// The same key gives bit-identical outputs; a different key gives a different mask. With n ≥ 256 entries and
    /// p ∈ [0.1, 0.9], two independent masks coincide with probability (p² + (1 − p)²)ⁿ ≤ 0.82²⁵⁶ ≈ 1e-22.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Same_key_same_mask_different_key_different_mask(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(MaskCase.Arbitrary, c =>
        {
            using var scope = backend.Scope();
            var values = c.Input();
            var x = backend.FromArray(values, c.Rows, c.Cols);
            foreach (Layer layer in new Layer[] { new Dropout(c.P, c.Kind), new DropConnect(c.Cols, 16, c.P, c.Kind) })
            {
                var p = layer.Init(Key.FromSeed(c.Seed).Fold(2), backend);
                var y1 = layer.Apply(p, TensorTree.Empty, x, Context.Train(c.MaskKey)).Output.ToArray();
                var y2 = layer.Apply(p, TensorTree.Empty, x, Context.Train(c.MaskKey)).Output.ToArray();
                var y3 = layer.Apply(p, TensorTree.Empty, x, Context.Train(c.MaskKey.Fold(7))).Output.ToArray();
                if (!Bits(y1).SequenceEqual(Bits(y2)))
                {
                    throw new LawViolation($"{layer.Describe()} on {combination}: the same key gave different outputs in {c}");
                }

                if (Bits(y1).SequenceEqual(Bits(y3)))
                {
                    throw new LawViolation($"{layer.Describe()} on {combination}: different keys gave the same output in {c}");
                }
            }

            if (!Bits(x.ToArray()).SequenceEqual(Bits(backend.FromArray(values, c.Rows, c.Cols).ToArray())))
            {
                throw new LawViolation($"the input was mutated on {combination} in {c}");
            }
        }, Cases);
    }

    /// <summary>
    /// The same key gives the same mask on the Reference and Torch float64 backends: the outputs are bit-identical
    /// (one multiplication by the same mask value per entry, exact in IEEE arithmetic on both).
    /// </summary>
    [Fact]
    public void Reference_and_torch_draw_the_same_mask()
    {
        var torch = TorchBackend.CpuFloat64;
        Law.Check(MaskCase.Arbitrary, c =>
        {
            using var scope = torch.Scope();
            var layer = new Dropout(c.P, c.Kind);
            var context = Context.Train(c.MaskKey);
            var a = layer.Apply(TensorTree.Empty, TensorTree.Empty, ReferenceBackend.Instance.FromArray(c.Input(), c.Rows, c.Cols), context).Output.ToArray();
            var b = layer.Apply(TensorTree.Empty, TensorTree.Empty, torch.FromArray(c.Input(), c.Rows, c.Cols), context).Output.ToArray();
            if (!Bits(a).SequenceEqual(Bits(b)))
            {
                var i = Enumerable.Range(0, a.Length).First(j => BitConverter.DoubleToInt64Bits(a[j]) != BitConverter.DoubleToInt64Bits(b[j]));
                throw new LawViolation($"masks differ at flat index {i}: Reference {a[i]:R}, Torch {b[i]:R}, in {c}");
            }
        }, Cases);
    }

    /// <summary>Two dropout layers in one Sequential get keys folded with their positions, so their masks differ.</summary>
    [Fact]
    public void Dropouts_in_one_model_draw_independent_masks()
    {
        var backend = ReferenceBackend.Instance;
        Law.Check(MaskCase.Arbitrary, c =>
        {
            var x = backend.FromArray(Enumerable.Repeat(1.0, c.Rows * c.Cols).ToArray(), c.Rows, c.Cols);
            var context = Context.Train(c.MaskKey);
            var first = new Sequential(new Dropout(c.P, DropoutKind.Classic), new Identity());
            var second = new Sequential(new Identity(), new Dropout(c.P, DropoutKind.Classic));
            var m1 = first.Apply(TensorTree.Empty, TensorTree.Empty, x, context).Output.ToArray();
            var m2 = second.Apply(TensorTree.Empty, TensorTree.Empty, x, context).Output.ToArray();
            if (m1.SequenceEqual(m2))
            {
                throw new LawViolation($"dropout at positions 0 and 1 drew the same mask in {c}");
            }
        }, Cases);
    }

    /// <summary>
    /// Applying a network with Dropout, DropConnect and BatchNorm twice (same parameters, state, input and key)
    /// gives bit-identical outputs and states, in both modes, and mutates neither parameters, state nor input.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Networks_with_normalization_are_pure(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NormalizationCase.Arbitrary, c =>
        {
            using var scope = backend.Scope();
            var model = c.Model();
            var p = c.Parameters(backend);
            var s = c.State(backend);
            var x = c.Input(backend);
            var before = p.Concat(s).ToDictionary(l => l.Key, l => Bits(l.Value.ToArray()));
            var xBefore = Bits(x.ToArray());
            var (y1, s1) = model.Apply(p, s, x, c.Context);
            var (y2, s2) = model.Apply(p, s, x, c.Context);
            Identical("output", y1, y2, c, combination);
            foreach (var (name, leaf) in s1)
            {
                Identical($"state '{name}'", leaf, s2[name], c, combination);
            }

            foreach (var (name, leaf) in p.Concat(s))
            {
                if (!before[name].SequenceEqual(Bits(leaf.ToArray())))
                {
                    throw new LawViolation($"'{name}' was mutated by Apply on {combination} in {c}");
                }
            }

            if (!xBefore.SequenceEqual(Bits(x.ToArray())))
            {
                throw new LawViolation($"the input was mutated by Apply on {combination} in {c}");
            }

            if (c.Mode == Mode.Eval && !ReferenceEquals(s1, s))
            {
                // Evaluation returns the state it was given: Sequential rebuilds the tree, so compare leaves.
                foreach (var (name, leaf) in s)
                {
                    Identical($"state '{name}' after evaluation", leaf, s1[name], c, combination);
                }
            }
        }, Cases);
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static void Identical(string what, Tensor a, Tensor b, NormalizationCase c, string combination)
    {
        if (!Bits(a.ToArray()).SequenceEqual(Bits(b.ToArray())))
        {
            throw new LawViolation($"{what} of the second Apply differs on {combination} in {c}");
        }
    }
}
