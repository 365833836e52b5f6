using System.Runtime.CompilerServices;

namespace Functional.Nets;

/// <summary>
/// A real number kept in optimizer state as a scalar leaf (NAdam's <c>mu_product</c>), so checkpoints carry it,
/// and remembered on the host like <see cref="StepCount"/>'s counters, so that reading it back needs no copy from the
/// device. The remembered value is the one the tensor holds (rounded to float32 on a float32 backend, as PyTorch's
/// float32 state is), so a run resumed from a checkpoint continues with exactly the numbers of the uninterrupted run.
/// </summary>
internal static class ScalarState
{
    private static readonly ConditionalWeakTable<Tensor, StrongBox<double>> Known = new();

    /// <summary>A scalar leaf holding <paramref name="value"/> (as the backend's dtype stores it).</summary>
    public static Tensor Make(Backend backend, double value)
    {
        var leaf = backend.FromArray([value], Shape.Scalar);
        Known.AddOrUpdate(leaf, new StrongBox<double>(backend.DType == DType.Float32 ? (float)value : value));
        return leaf;
    }

    /// <summary>The value of the scalar leaf <paramref name="leaf"/>.</summary>
    public static double Read(Tensor leaf) => Known.GetValue(leaf, t => new StrongBox<double>(t.Item())).Value;
}
