using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// <see cref="Residual"/>: y = f(x) + x, or f(x) + s(x) with a projection. Backend agreement on every
/// combination, central differences, purity, parameter names and the shape error.
/// </summary>
public sealed class ResidualTests(ITestOutputHelper output)
{
    /// <summary>Identity and projection shortcuts, one- and two-layer bodies, a block nested in a block; smooth activations only.</summary>
    public static Arbitrary<LayerCase> Cases { get; } = Arb.From(LayerCase.From(
        from batch in Gen.Choose(1, 6)
        from width in Gen.Choose(1, 8)
        from hidden in Gen.Choose(1, 8)
        from kind in Gen.Choose(0, 3)
        select kind switch
        {
            0 => ((Layer)new Residual(new Sequential(new Dense(width, width), new Tanh())), new Shape(batch, width), 1, width),
            1 => (new Residual(new Sequential(new Dense(width, hidden), new Sigmoid(), new Dense(hidden, width))), new Shape(batch, width), 2, Math.Max(width, hidden)),
            2 => (new Residual(new Sequential(new Dense(width, hidden), new Tanh()), new Dense(width, hidden, bias: false)), new Shape(batch, width), 1, width),
            _ => (new Sequential(new Residual(new Residual(new Dense(width, width)), new Dense(width, width)), new Tanh()), new Shape(batch, width), 2, width),
        }));

    /// <summary>Outputs and gradients (parameters and input) agree with the Reference backend: 1e-12/1e-10 in float64, the derived bound in float32.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Backends_agree(string combination)
    {
        var worst = new WorstSeen($"Residual on {combination}: worst output and gradient error as a fraction of the tolerance");
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
        var worst = new WorstSeen("Residual: Reference vs central differences, per leaf");
        Law.Check(Cases, c => worst.Record(LayerLaws.MatchesCentralDifferences(c), () => c.ToString()), cases: 50);
        output.WriteLine(worst.ToString());
    }

    /// <summary>Apply and ValueAndGrad are pure on every combination.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Is_pure(string combination) => Law.Check(Cases, c => LayerLaws.IsPure(combination, c), cases: 30);

    /// <summary>The body's leaves are <c>body.*</c>, the shortcut's <c>shortcut.*</c>; without a shortcut the output is f(x) + x exactly.</summary>
    [Fact]
    public void Names_its_children_body_and_shortcut_and_adds_the_input()
    {
        var backend = Reference.ReferenceBackend.Instance;
        var block = new Residual(new Sequential(new Dense(3, 4), new Tanh()), new Dense(3, 4, bias: false));
        Assert.Equal(["body.0.weight", "body.0.bias", "shortcut.weight"], block.Init(Key.FromSeed(1), backend).Names);
        Assert.Equal(new Shape(2, 4), block.OutputShape(new Shape(2, 3)));

        var plain = new Residual(new Dense(3, 3));
        var p = plain.Init(Key.FromSeed(2), backend);
        var x = backend.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        var expected = (new Dense(3, 3).Apply(p.Child("body"), x) + x).ToArray();
        Assert.Equal(expected, plain.Apply(p, x).ToArray());
    }

    /// <summary>A body that changes the shape, without a projection, is an error naming the block, its position and both shapes.</summary>
    [Fact]
    public void Shape_change_without_projection_is_a_clear_error()
    {
        var backend = Reference.ReferenceBackend.Instance;
        var model = new Sequential(new Dense(2, 3), new Residual(new Dense(3, 1)));
        var p = model.Init(Key.FromSeed(3), backend);
        var e = Assert.Throws<LayerShapeException>(() => model.Apply(p, backend.FromArray(new double[8], 4, 2)));
        Assert.Equal("1", e.Path);
        Assert.Contains("Residual(Dense(3→1)) at [1]", e.Message, StringComparison.Ordinal);
        Assert.Contains("maps [4, 3] to [4, 1]", e.Message, StringComparison.Ordinal);
        Assert.Contains("projection shortcut", e.Message, StringComparison.Ordinal);
        Assert.Throws<LayerShapeException>(() => model.OutputShape(new Shape(4, 2)));

        // A broken body is reported inside the block: the path goes through "body".
        var inner = Assert.Throws<LayerShapeException>(() => new Residual(new Dense(5, 5)).OutputShape(new Shape(4, 3)));
        Assert.Equal("body", inner.Path);
    }
}
