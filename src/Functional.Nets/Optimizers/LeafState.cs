namespace Functional.Nets;

/// <summary>
/// Per-leaf optimizer state: one tensor per parameter leaf, named <c>&lt;leaf&gt;.&lt;slot&gt;</c> with PyTorch's
/// slot names (<c>0.weight.exp_avg</c>, <c>0.weight.momentum_buffer</c>), shaped like the leaf.
/// </summary>
internal static class LeafState
{
    /// <summary>A slot filled with <paramref name="value"/> for every leaf (shaped and placed like it).</summary>
    public static IEnumerable<(string Name, Tensor Value)> Filled(TensorTree parameters, string slot, double value = 0) =>
        Leafwise.Named(parameters, Leafwise.Map([Leafwise.Leaves(parameters)], 1, p => [p[0].Backend.Affine(p[0], 0, value)])[0], slot);

    /// <summary>The name of <paramref name="slot"/> for <paramref name="leaf"/>.</summary>
    public static string Name(string leaf, string slot) => leaf + "." + slot;
}
