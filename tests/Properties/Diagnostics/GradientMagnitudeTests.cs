using Functional.Nets.Diagnostics;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Diagnostics;

/// <summary>Per-layer mean |∂L/∂W|: grouping by layer prefix, the weight-only default, the history and the table.</summary>
public sealed class GradientMagnitudeTests
{
    private static readonly ReferenceBackend Backend = ReferenceBackend.Instance;

    /// <summary>Leaves group by the prefix before their last dot, in order; biases are left out unless asked for.</summary>
    [Fact]
    public void Groups_leaves_by_layer_prefix()
    {
        var grads = TensorTree.Of(
            ("0.weight", Backend.FromArray([1, -3, 2, 2], 2, 2)),
            ("0.bias", Backend.FromArray([100, 100], 2)),
            ("2.0.weight", Backend.FromArray([-0.5, 0.5], 1, 2)),
            ("2.1.weight", Backend.FromArray([4.0], 1, 1)));
        var model = new Sequential(new Dense(2, 2), new ReLU(), new Sequential(new Dense(2, 1), new Dense(1, 1)));
        var rows = GradientMagnitudes.ByLayer(grads, model);
        Assert.Equal(["0", "2.0", "2.1"], rows.Select(r => r.Layer));
        Assert.Equal([2.0, 0.5, 4.0], rows.Select(r => r.MeanAbsolute));
        Assert.Equal(["Dense(2→2)", "Dense(2→1)", "Dense(1→1)"], rows.Select(r => r.Description));
        Assert.Equal([4L, 2, 1], rows.Select(r => r.Count));

        var all = GradientMagnitudes.ByLayer(grads, leaves: _ => true);
        Assert.Equal((8 + 200) / 6.0, all[0].MeanAbsolute, 12);
        Assert.Equal("0", all[0].Description);

        var growth = GradientMagnitudes.GrowthPerLayer(rows);
        Assert.True(double.IsNaN(growth[0]));
        Assert.Equal([0.25, 8.0], growth.Skip(1));
        Assert.Contains("mean |∂L/∂W|", GradientMagnitudes.Table(rows), StringComparison.Ordinal);
    }

    /// <summary>The history keeps one series per layer and averages them.</summary>
    [Fact]
    public void History_records_series_per_layer()
    {
        var history = new GradientHistory();
        history.Record(0, TensorTree.Of(("0.weight", Backend.FromArray([1.0], 1, 1)), ("1.weight", Backend.FromArray([10.0], 1, 1))));
        history.Record(5, TensorTree.Of(("0.weight", Backend.FromArray([-3.0], 1, 1)), ("1.weight", Backend.FromArray([30.0], 1, 1))));
        Assert.Equal([0, 5], history.Steps);
        Assert.Equal(["0", "1"], history.Layers);
        Assert.Equal([1.0, 3.0], history.Series("0"));
        Assert.Equal([2.0, 20.0], history.Average().Select(r => r.MeanAbsolute));
    }

    /// <summary>
    /// The lecture's effect at small scale: in a deep sigmoid network with small weights, mean |∂L/∂W| grows
    /// towards the output by about 1/(¼·σ·√width) per layer (here 1/(¼·0.04·√100) = 10).
    /// </summary>
    [Fact]
    public void Deep_sigmoid_gradients_vanish_towards_the_input()
    {
        var layers = new List<Layer>();
        var width = 30;
        for (var i = 0; i < 4; i++)
        {
            layers.Add(new Dense(width, 100, weightInit: Initializer.Normal(0, 0.04), biasInit: Initializer.Zeros));
            layers.Add(new Sigmoid());
            width = 100;
        }

        layers.Add(new Dense(100, 5, weightInit: Initializer.Normal(0, 0.04), biasInit: Initializer.Zeros));
        var model = new Sequential(layers);
        var p = model.Init(Key.FromSeed(1), Backend);
        var x = Backend.FromArray(Key.FromSeed(2).Uniform(16 * 30), 16, 30);
        var (_, g) = Grad.ValueAndGrad(q => Losses.SoftmaxCrossEntropy(model.Apply(q, x), Enumerable.Range(0, 16).Select(i => i % 5).ToArray()), p);
        var growth = GradientMagnitudes.GrowthPerLayer(GradientMagnitudes.ByLayer(g, model));
        foreach (var ratio in growth.Skip(1).Take(3))
        {
            Assert.InRange(ratio, 5, 20);
        }
    }
}
