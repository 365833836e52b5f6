using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests.Data;

/// <summary>
/// <see cref="ImageAugmentation"/> and the <see cref="RandomShift"/> layer: every backend gives exactly the
/// images of a plain host-side loop (the definition) for the same key, shapes are kept, a shift of 0 is the
/// identity, a double flip is the identity, evaluation is the identity, and bad input fails the same way everywhere.
/// </summary>
public sealed class ImageAugmentationTests
{
    /// <summary>A batch of images [N, C, H, W] (or flat [N, C·H·W]), a largest shift, flips on or off and a key.</summary>
    public sealed record Case(int N, int C, int H, int W, bool Flat, int MaxShift, bool Flips, long Seed)
    {
        /// <summary>The input's shape.</summary>
        public Shape Shape => Flat ? new Shape(N, C * H * W) : new Shape(N, C, H, W);

        /// <summary>
        /// Pixel values k/256 for small integers k: exact in float32 as in float64, so every backend's output
        /// must equal the definition's bit for bit (the operation only selects pixels).
        /// </summary>
        public double[] Pixels() => Enumerable.Range(0, N * C * H * W).Select(i => ((i * 37 + Seed) % 256 + 1) / 256.0).ToArray();
    }

    private static readonly Arbitrary<Case> Cases = Arb.From(
        from n in Gen.Choose(1, 5)
        from c in Gen.Choose(1, 3)
        from h in Gen.Choose(1, 7)
        from w in Gen.Choose(1, 7)
        from flat in Gen.Elements(false, true)
        from s in Gen.Choose(0, 4)
        from flips in Gen.Elements(false, true)
        from seed in Gen.Choose(0, 10_000)
        select new Case(n, c, h, w, flat, s, flips, seed));

    /// <summary>The definition, one pixel at a time: out[i, p, r, c] = in[i, p, r − dy, c′] inside the frame, else 0.</summary>
    private static double[] Definition(Case k, double[] x)
    {
        var (dy, dx, flip) = ImageAugmentation.Draw(Key.FromSeed(k.Seed), k.N, k.MaxShift, k.Flips);
        var y = new double[x.Length];
        for (var i = 0; i < k.N; i++)
        {
            for (var p = 0; p < k.C; p++)
            {
                for (var r = 0; r < k.H; r++)
                {
                    for (var c = 0; c < k.W; c++)
                    {
                        var sr = r - dy[i];
                        var sc = c - dx[i];
                        if (sr < 0 || sr >= k.H || sc < 0 || sc >= k.W)
                        {
                            continue;
                        }

                        var col = flip[i] ? k.W - 1 - sc : sc;
                        y[((i * k.C + p) * k.H + r) * k.W + c] = x[((i * k.C + p) * k.H + sr) * k.W + col];
                    }
                }
            }
        }

        return y;
    }

    /// <summary>Every backend's output for a key is the definition's, exactly, with the input's shape (so Reference and Torch agree exactly).</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Every_backend_gives_the_definitions_images(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(Cases, k =>
        {
            var x = k.Pixels();
            var layer = new RandomShift(k.MaxShift, k.H, k.W, k.Flips);
            var (y, _) = layer.Apply(TensorTree.Empty, TensorTree.Empty, backend.FromArray(x, k.Shape), Context.Train(Key.FromSeed(k.Seed)));
            Assert.Equal(k.Shape, y.Shape);
            Assert.Equal(Definition(k, x), y.ToArray());
        });
    }

    /// <summary>A shift of 0 without flips, and evaluation mode, return the input's values.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Zero_shift_and_evaluation_are_the_identity(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(Cases, k =>
        {
            var x = k.Pixels();
            var input = backend.FromArray(x, k.Shape);
            var zeros = new int[k.N];
            Assert.Equal(x, ImageAugmentation.Shift(input, zeros, zeros, null, k.H, k.W).ToArray());
            var (eval, _) = new RandomShift(k.MaxShift, k.H, k.W, k.Flips).Apply(TensorTree.Empty, TensorTree.Empty, input, Context.Eval);
            Assert.Equal(x, eval.ToArray());
        });
    }

    /// <summary>Flipping twice (no shift) gives the input back; flipping once reverses each row.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void A_flip_reverses_rows_and_two_flips_are_the_identity(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(Cases, k =>
        {
            var x = k.Pixels();
            var zeros = new int[k.N];
            var all = Enumerable.Repeat(true, k.N).ToArray();
            var once = ImageAugmentation.Shift(backend.FromArray(x, k.Shape), zeros, zeros, all, k.H, k.W);
            var reversed = x.Chunk(k.W).SelectMany(row => row.Reverse()).ToArray();
            Assert.Equal(reversed, once.ToArray());
            Assert.Equal(x, ImageAugmentation.Shift(once, zeros, zeros, all, k.H, k.W).ToArray());
        });
    }

    /// <summary>The draws are the old example's: shifts in [−s, s] from key.Uniform(2N); turning flips on does not change them.</summary>
    [Fact]
    public void Draws_lie_in_range_and_flips_leave_the_shifts_alone()
    {
        var key = Key.FromSeed(7);
        var (dy, dx, _) = ImageAugmentation.Draw(key, 500, 2, flips: false);
        var (dy2, dx2, flip) = ImageAugmentation.Draw(key, 500, 2, flips: true);
        Assert.Equal(dy, dy2);
        Assert.Equal(dx, dx2);
        Assert.All(dy.Concat(dx), d => Assert.InRange(d, -2, 2));
        Assert.Equal(new[] { -2, -1, 0, 1, 2 }, dy.Distinct().Order().ToArray());
        Assert.Contains(true, flip);
        Assert.Contains(false, flip);
        var u = key.Uniform(2);
        Assert.Equal((int)(u[0] * 5) - 2, dy[0]);
    }

    /// <summary>Images of the wrong size, a partial plane, a missing key, wrong draw counts and a negative shift: clear errors, the same message on every backend.</summary>
    [Fact]
    public void Bad_input_fails_the_same_way_on_every_backend()
    {
        var messages = new List<string>();
        foreach (var backend in new Backend[] { Functional.Nets.Reference.ReferenceBackend.Instance, Functional.Nets.Torch.TorchBackend.CpuFloat64 })
        {
            var layer = new RandomShift(1, 4, 4);
            var wrong = backend.FromArray(new double[2 * 1 * 5 * 4], 2, 1, 5, 4);
            var e = Assert.Throws<LayerShapeException>(() => layer.Apply(TensorTree.Empty, TensorTree.Empty, wrong, Context.Train(Key.FromSeed(1))));
            Assert.Contains("RandomShift", e.Message);
            Assert.Contains("[2, 1, 5, 4]", e.Message);
            messages.Add(e.Message);
            var partial = backend.FromArray(new double[2 * 17], 2, 17);
            messages.Add(Assert.Throws<LayerShapeException>(() => layer.OutputShape(partial.Shape)).Message);
            var fine = backend.FromArray(new double[2 * 16], 2, 16);
            messages.Add(Assert.Throws<InvalidOperationException>(() => layer.Apply(TensorTree.Empty, TensorTree.Empty, fine, Context.TrainDeterministic)).Message);
            messages.Add(Assert.Throws<ArgumentException>(() => ImageAugmentation.Shift(fine, [0], [0, 0], null, 4, 4)).Message);
        }

        Assert.Equal(messages.Take(messages.Count / 2), messages.Skip(messages.Count / 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomShift(-1));
    }
}
