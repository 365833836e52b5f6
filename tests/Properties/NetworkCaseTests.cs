using Functional.Nets.Reference;

namespace Functional.Nets.Tests;

/// <summary>
/// The network generator itself: it draws every <see cref="BlockKind"/>, so the generated-network laws
/// (backend agreement, finite differences, purity, traces) reach each container; its units have the
/// documented parameter names, and the depth of the float32 bound counts scan steps.
/// </summary>
public sealed class NetworkCaseTests
{
    /// <summary>100 generated cases hold every block kind and both scan directions.</summary>
    [Fact]
    public void The_generator_draws_every_block_kind()
    {
        var seen = new HashSet<BlockKind>();
        var directions = new HashSet<bool>();
        Law.Check(NetworkCase.Arbitrary, c =>
        {
            seen.UnionWith(c.Blocks);
            directions.UnionWith(c.Model().Layers.OfType<Sequential>().SelectMany(s => s.Layers.OfType<FeaturesAsSteps>()).Select(f => f.Scan.Reverse));
        });
        Assert.Equal(Enum.GetValues<BlockKind>().Order(), seen.Order());
        Assert.Equal([false, true], directions.Order());
    }

    /// <summary>Each unit kind's parameter names, output width and the path depth of the float32 bound.</summary>
    [Fact]
    public void Units_are_built_as_documented()
    {
        var backend = ReferenceBackend.Instance;
        var c = NetworkCase.Create(
            seed: 3, inputWidth: 3, batch: 2, widths: [4, 4, 5, 3], activations: [new(ActivationKind.Tanh), new(ActivationKind.ReLU), new(ActivationKind.Sigmoid), new(ActivationKind.Tanh)],
            loss: LossKind.MeanSquaredError, blocks: [BlockKind.Scan, BlockKind.Product, BlockKind.Concat, BlockKind.Scan]);
        var p = c.Parameters(backend);
        Assert.Equal(
            ["0.0.weight", "0.0.bias", "0.2.weight_ih", "0.2.weight_hh", "0.2.bias_ih", "0.2.bias_hh",
             "1.0.0.weight", "1.0.0.bias", "1.1.weight", "1.1.bias",
             "2.0.0.weight", "2.0.0.bias", "2.1.weight", "2.1.bias",
             "3.0.weight", "3.0.bias", "3.2.weight_ih", "3.2.weight_hh", "3.2.bias_ih", "3.2.bias_hh"],
            p.Names);
        Assert.Equal(new Shape(3, 4), p["2.0.0.weight"].Shape);           // concat: 5 − ⌊5/2⌋ and ⌊5/2⌋ outputs
        Assert.Equal(new Shape(2, 4), p["2.1.weight"].Shape);
        Assert.Equal(new Shape(2, 3), c.Model().Apply(p, c.Input(backend)).Shape);
        Assert.Equal(4 + 4 + 3, c.PathDepth);                              // four units and 4 + 3 scan steps
        Assert.Equal(5, c.MaxWidth);

        // The ReLU unit's pre-activation is the product's first branch's Dense output, 4 wide.
        var (_, pre) = c.Evaluate(p, c.Input(backend), c.LossFunction(backend));
        Assert.Equal(2 * 4, Assert.Single(pre).Length);
    }

    /// <summary>A concatenation of width 1 is made plain; a scan unit wider than its step limit is refused.</summary>
    [Fact]
    public void Unbuildable_units_are_normalized_or_refused()
    {
        var plain = NetworkCase.Create(1, 2, 1, [1], [new(ActivationKind.Tanh)], LossKind.MeanSquaredError, blocks: [BlockKind.Concat]);
        Assert.Equal([BlockKind.Plain], plain.Blocks);
        Assert.Throws<ArgumentException>(() => NetworkCase.Create(1, 2, 1, [NetworkCase.MaxScanSteps + 1], [new(ActivationKind.Tanh)], LossKind.MeanSquaredError, blocks: [BlockKind.Scan]));
    }
}
