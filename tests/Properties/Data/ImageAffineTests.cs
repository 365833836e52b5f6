using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// <see cref="ImageAffine"/> and the <see cref="RandomAffine"/> layer: the identity draw returns the image, an integer
/// shift alone equals <see cref="ImageAugmentation.Shift"/>, a quarter turn of a square image is the exact
/// transpose-and-flip, every backend gets the same pixels for the same key (float64 exactly; float32 to its rounding
/// of the stored values), evaluation mode is the identity, and bad draws fail with the operation's name.
/// </summary>
public sealed class ImageAffineTests
{
    /// <summary>Images [N, C, H, W], bounds of a random draw and a key.</summary>
    public sealed record Case(int N, int C, int H, int W, double Degrees, double Scale, double Shift, long Seed)
    {
        /// <summary>Pixel values k/256: exact in float32 as in float64.</summary>
        public double[] Pixels() => Enumerable.Range(0, N * C * H * W).Select(i => ((i * 37 + Seed) % 256 + 1) / 256.0).ToArray();
    }

    private static readonly Arbitrary<Case> Cases = Arb.From(
        from n in Gen.Choose(1, 4)
        from c in Gen.Choose(1, 2)
        from h in Gen.Choose(1, 7)
        from w in Gen.Choose(1, 7)
        from degrees in Gen.Choose(0, 30)
        from scale in Gen.Choose(0, 20)
        from shift in Gen.Choose(0, 3)
        from seed in Gen.Choose(0, 10_000)
        select new Case(n, c, h, w, degrees, scale / 100.0, shift, seed));

    /// <summary>Rotation 0, scale 1 and no shift give back the image exactly.</summary>
    [Fact]
    public void The_identity_draw_returns_the_image()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        Law.Check(Cases, k =>
        {
            var x = backend.FromArray(k.Pixels(), new Shape(k.N, k.C, k.H, k.W));
            var zeros = new double[k.N];
            var y = ImageAffine.Apply(x, zeros, Enumerable.Repeat(1.0, k.N).ToArray(), zeros, zeros, k.H, k.W);
            Assert.Equal(x.ToArray(), y.ToArray());
        });
    }

    /// <summary>An integer shift with no rotation or scaling is exactly ImageAugmentation.Shift.</summary>
    [Fact]
    public void An_integer_shift_equals_ImageAugmentation_Shift()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        Law.Check(Cases, k =>
        {
            var x = backend.FromArray(k.Pixels(), new Shape(k.N, k.C, k.H, k.W));
            var (dy, dx, _) = ImageAugmentation.Draw(Key.FromSeed(k.Seed), k.N, (int)k.Shift, flips: false);
            var zeros = new double[k.N];
            var affine = ImageAffine.Apply(x, zeros, Enumerable.Repeat(1.0, k.N).ToArray(), dy.Select(v => (double)v).ToArray(), dx.Select(v => (double)v).ToArray(), k.H, k.W);
            Assert.Equal(ImageAugmentation.Shift(x, dy, dx, null, k.H, k.W).ToArray(), affine.ToArray());
        });
    }

    /// <summary>
    /// A quarter turn counter-clockwise on screen of a square s × s image: out[r, c] = in[c, s − 1 − r], up to the
    /// rounding of cos(π/2) ≈ 6e-17 in the sampling position (the bilinear weights then differ from 0 and 1 by ~1e-16).
    /// </summary>
    [Fact]
    public void A_quarter_turn_is_the_transpose_and_flip()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        foreach (var s in new[] { 1, 2, 3, 5, 6 })
        {
            var x = Enumerable.Range(0, s * s).Select(i => (double)(i + 1)).ToArray();
            var y = ImageAffine.Apply(backend.FromArray(x, new Shape(1, 1, s, s)), [Math.PI / 2], [1.0], [0.0], [0.0], s, s).ToArray();
            for (var r = 0; r < s; r++)
            {
                for (var c = 0; c < s; c++)
                {
                    var expected = x[(c * s) + (s - 1 - r)];
                    Assert.True(Math.Abs(y[(r * s) + c] - expected) <= 1e-12 * s * s, $"{s}×{s} at ({r}, {c}): {y[(r * s) + c]} vs {expected}");
                }
            }
        }
    }

    /// <summary>
    /// RandomAffine in training mode gives the same pixels on every backend for the same key: the distortion is computed
    /// on the host from the stored values, so float64 backends agree exactly and float32 within its rounding of the
    /// result (each output is a convex combination of inputs, |error| ≤ 2⁻²⁴ · max|x| after the store); shapes are kept
    /// and evaluation mode is the identity.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void The_layer_gives_the_same_pixels_on_every_backend(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var reference = BackendCombinations.Resolve(BackendCombinations.Reference);
        var float32 = combination == BackendCombinations.TorchCpuFloat32;
        Law.Check(Cases, k =>
        {
            var layer = new RandomAffine(k.Degrees, k.Scale, k.Shift, k.H, k.W);
            var shape = new Shape(k.N, k.C, k.H, k.W);
            var context = Context.Train(Key.FromSeed(k.Seed));
            var expected = layer.Apply(TensorTree.Empty, TensorTree.Empty, reference.FromArray(k.Pixels(), shape), context).Output.ToArray();
            var x = backend.FromArray(k.Pixels(), shape);
            var y = layer.Apply(TensorTree.Empty, TensorTree.Empty, x, context).Output;
            Assert.Equal(shape, y.Shape);
            var worst = expected.Zip(y.ToArray(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= (float32 ? Math.Pow(2, -24) : 0), $"{combination}: differs by {worst:G3}, {k}");
            Assert.Equal(x.ToArray(), layer.Apply(TensorTree.Empty, TensorTree.Empty, x, Context.Eval).Output.ToArray());
        });
    }

    /// <summary>Draws of the wrong count or a non-positive scale fail naming the operation; training without a key names the layer.</summary>
    [Fact]
    public void Bad_draws_and_a_missing_key_fail_clearly()
    {
        var backend = BackendCombinations.Resolve(BackendCombinations.Reference);
        var x = backend.FromArray(new double[2 * 9], new Shape(2, 1, 3, 3));
        var e = Assert.Throws<ArgumentException>(() => ImageAffine.Apply(x, [0.0], [1.0], [0.0], [0.0], 3, 3));
        Assert.Contains("ImageAffine.Apply: expected 2 draws", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ImageAffine.Apply(x, [0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 0.0], 3, 3));
        Assert.Contains("every scale must be positive", e.Message, StringComparison.Ordinal);
        var layer = new RandomAffine(10, 0.1, 1, 3, 3);
        var missing = Assert.Throws<InvalidOperationException>(() => layer.Apply(TensorTree.Empty, TensorTree.Empty, x, new Context(Mode.Train, null)));
        Assert.Contains("RandomAffine", missing.Message, StringComparison.Ordinal);
        Assert.Throws<LayerShapeException>(() => layer.OutputShape(new Shape(2, 1, 4, 3)));
    }
}
