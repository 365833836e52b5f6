using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// A generated case for one container or cell: the layer, the shape of its input, and the seed of every
/// value (parameters from <c>Key.FromSeed(Seed).Fold(0)</c>, input N(0, 1) from fold 1, the cotangent of the
/// test objective Σ y ⊙ r from fold 2), so it reproduces from its printed form on every backend.
/// </summary>
/// <param name="Seed">The seed.</param>
/// <param name="Layer">The layer under test.</param>
/// <param name="InputShape">The input's shape.</param>
/// <param name="Depth">Dense layers (or cell steps) on the longest path from input to output, for the float32 bound.</param>
/// <param name="MaxWidth">The longest dot product the layer computes, for the float32 bound.</param>
public sealed record LayerCase(long Seed, Layer Layer, Shape InputShape, int Depth, int MaxWidth)
{
    /// <summary>The parameters on <paramref name="backend"/> (the same draws everywhere, rounded to its dtype).</summary>
    public TensorTree Parameters(Backend backend) => Layer.Init(Root.Fold(0), backend);

    /// <summary>The input, standard normal.</summary>
    public Tensor Input(Backend backend) => backend.FromArray(Root.Fold(1).Normal(checked((int)InputShape.Size)), InputShape);

    /// <summary>
    /// The scalar objective whose gradients are compared: Σ y ⊙ r with r ~ N(0, 1) of the output's shape, as a
    /// function of a tree holding the parameters under <c>p.*</c> and the input as <c>x.x</c>, so the input's
    /// gradient is checked too.
    /// </summary>
    public Func<TensorTree, Tensor> Objective(Backend backend)
    {
        var r = Cotangent(backend);
        return tree => (Layer.Apply(tree.Child("p"), tree["x.x"]) * r).Sum();
    }

    /// <summary>The cotangent r of <see cref="Objective"/>, standard normal in the output's shape: the gradient that enters the layer.</summary>
    public Tensor Cotangent(Backend backend)
    {
        var shape = Layer.OutputShape(InputShape);
        return backend.FromArray(Root.Fold(2).Normal(checked((int)shape.Size)), shape);
    }

    /// <summary>The tree <see cref="Objective"/> differentiates: parameters under <c>p.*</c>, the input as <c>x.x</c>.</summary>
    public TensorTree Arguments(Backend backend) =>
        TensorTree.Nest([("p", Parameters(backend)), ("x", TensorTree.Of(("x", Input(backend))))]);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"LayerCase(seed {Seed}, {Layer.Describe()} [{Describe(Layer)}], input {InputShape})");

    /// <summary>A generator of seeds paired with a layer and its input shape.</summary>
    public static Gen<LayerCase> From(Gen<(Layer Layer, Shape Input, int Depth, int MaxWidth)> layers) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from l in layers
        select new LayerCase(seed, l.Layer, l.Input, l.Depth, l.MaxWidth);

    /// <summary>The layer with its children, recursively, for messages.</summary>
    private static string Describe(Layer layer) =>
        layer.Children.Count == 0
            ? layer.Describe()
            : string.Join(", ", layer.Children.Select(c => $"{c.Name}: {Describe(c.Layer)}"));

    private Key Root => Key.FromSeed(Seed);
}
