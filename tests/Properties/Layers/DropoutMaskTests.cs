using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// Dropout's masks written straight into host tensors (<c>Key.BernoulliMask</c>, an integer comparison per entry) are
/// the masks of the definition, uᵢ ≥ p for the key's uniform numbers, entry for entry, at drop probabilities on and
/// between the 2⁻⁵³ grid; and the masks a <see cref="Dropout"/> layer applies are the same on the Reference backend and
/// on Torch in both dtypes.
/// </summary>
public sealed class DropoutMaskTests
{
    /// <summary>Drop probabilities: zero, common ones, a grid point k·2⁻⁵³ (where ⌈p·2⁵³⌉ = p·2⁵³) and the largest below 1.</summary>
    public static TheoryData<double> Probabilities => new() { 0.0, 0.1, 0.3, 0.5, 0.9, 3 * Math.ScaleB(1, -2), 1 - Math.ScaleB(1, -53) };

    /// <summary>The integer comparison keeps exactly the entries whose uniform number is ≥ p.</summary>
    [Theory]
    [MemberData(nameof(Probabilities))]
    public void The_mask_is_the_comparison_of_the_uniform_numbers(double p)
    {
        var key = Key.FromSeed(17);
        var u = key.Uniform(100_000);
        var mask = new double[u.Length];
        key.BernoulliMask<double>(mask, p, 2.0);
        for (var i = 0; i < u.Length; i++)
        {
            Assert.True(mask[i] == (u[i] >= p ? 2.0 : 0.0), $"p = {p:R}, entry {i}: u = {u[i]:R}, mask {mask[i]}");
        }

        // The threshold ⌈p·2⁵³⌉ is the first grid point at or above p: a number equal to p is kept, the one below dropped.
        if (p > 0)
        {
            var boundary = (ulong)Math.Ceiling(p * (1UL << 53));
            Assert.True(boundary * Math.ScaleB(1, -53) >= p && (boundary - 1) * Math.ScaleB(1, -53) < p);
        }
    }

    /// <summary>A Dropout layer's output is the same on Reference, Torch float64 (bit for bit) and Torch float32 (as float32 rounds it).</summary>
    [Fact]
    public void The_backends_apply_the_same_mask()
    {
        var layer = new Dropout(0.3);
        var values = Key.FromSeed(3).Normal(64 * 33);
        var context = Context.Train(Key.FromSeed(4));
        double[] Run(Backend b)
        {
            using var scope = b.Scope();
            var x = b.FromArray(values, new Shape(64, 33));
            return layer.Apply(TensorTree.Empty, TensorTree.Empty, x, context).Output.ToArray();
        }

        var reference = Run(ReferenceBackend.Instance);
        Assert.Equal(reference, Run(TorchBackend.CpuFloat64));
        var single = Run(TorchBackend.CpuFloat32);
        for (var i = 0; i < reference.Length; i++)
        {
            // Kept entries are x·(1/(1 − p)) in float32 arithmetic, dropped ones 0, as on the Reference backend.
            var expected = reference[i] == 0 ? 0f : (float)values[i] * (float)(1 / 0.7);
            Assert.True(expected == (float)single[i], $"entry {i}: Reference {reference[i]}, float32 {single[i]}, expected {expected}");
        }

        Assert.Contains(0.0, reference);
    }
}
