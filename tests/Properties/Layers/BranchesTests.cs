using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// <see cref="Branches"/> and <see cref="Join"/>: branches on one input merged by sum, product or concatenation.
/// Backend agreement on every combination, central differences, purity, names and shape errors.
/// </summary>
public sealed class BranchesTests(ITestOutputHelper output)
{
    /// <summary>Two or three smooth branches of one width (sum, product) or of different widths (concat along the features).</summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 6)
        from width in Gen.Choose(1, 8)
        from a in Gen.Choose(1, 8)
        from b in Gen.Choose(1, 8)
        from kind in Gen.Choose(0, 3)
        select kind switch
        {
            0 => ((Layer)new Branches(Join.Sum, new Dense(width, a), new Sequential(new Dense(width, a), new Tanh()), new Dense(width, a, bias: false)), new Shape(batch, width), 1, width),
            1 => (new Branches(Join.Product, new Sequential(new Dense(width, a), new Sigmoid()), new Dense(width, a)), new Shape(batch, width), 1, width),
            2 => (new Sequential(new Branches(Join.Concat(), new Dense(width, a), new Sequential(new Dense(width, b), new Tanh())), new Dense(a + b, 2)), new Shape(batch, width), 2, Math.Max(width, a + b)),
            _ => (new Branches(Join.Concat(0), new Identity(), new Sequential(new Dense(width, width), new Tanh())), new Shape(batch, width), 1, width),
        }));

    /// <summary>Outputs and gradients (parameters and input) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"Branches on {combination}: worst output and gradient error as a fraction of the tolerance");
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
        var worst = new WorstSeen("Branches: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 50);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Apply and ValueAndGrad are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>Branch i's leaves are <c>i.*</c>; the joins compute a + b, a ⊙ b and [a, b]; ApplyBranches returns the parts.</summary>
    [Fact]
    public void Names_branches_by_position_and_joins_them()
    {
        var backend = Reference.ReferenceBackend.Instance;
        var x = backend.FromArray([1, -2, 3, 0.5], 2, 2);
        var block = new Branches(Join.Sum, new Dense(2, 3), new Sequential(new Dense(2, 3), new Tanh()));
        var p = block.Init(Key.FromSeed(4), backend);
        Assert.Equal(["0.weight", "0.bias", "1.0.weight", "1.0.bias"], p.Names);

        var parts = block.ApplyBranches(p, TensorTree.Empty, x, Context.Eval).Outputs;
        Assert.Equal((parts[0] + parts[1]).ToArray(), block.Apply(p, x).ToArray());
        Assert.Equal((parts[0] * parts[1]).ToArray(), Join.Product.Apply(parts).ToArray());

        var concat = new Branches(Join.Concat(), new Identity(), new Tanh());
        Assert.Equal(new Shape(2, 4), concat.OutputShape(new Shape(2, 2)));
        Assert.Equal([1, -2, Math.Tanh(1), Math.Tanh(-2), 3, 0.5, Math.Tanh(3), Math.Tanh(0.5)], concat.Apply(TensorTree.Empty, x).ToArray());
    }

    /// <summary>Branches that a join cannot merge are an error naming the block, the join and every branch's shape.</summary>
    [Fact]
    public void Unjoinable_branches_are_a_clear_error()
    {
        var backend = Reference.ReferenceBackend.Instance;
        var model = new Sequential(new Branches(Join.Sum, new Dense(2, 3), new Dense(2, 1)));
        var e = Assert.Throws<LayerShapeException>(() => model.Apply(model.Init(Key.FromSeed(5), backend), backend.FromArray(new double[4], 2, 2)));
        Assert.Equal("0", e.Path);
        Assert.Contains("Branches(sum of 2 branches) at [0]", e.Message, StringComparison.Ordinal);
        Assert.Contains("no broadcasting", e.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3], [2, 1]", e.Message, StringComparison.Ordinal);

        var concat = Assert.Throws<LayerShapeException>(() => new Branches(Join.Concat(0), new Dense(2, 3), new Dense(2, 1)).OutputShape(new Shape(2, 2)));
        Assert.Contains("agree on every axis but 0", concat.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Branches(Join.Sum));
    }
}
