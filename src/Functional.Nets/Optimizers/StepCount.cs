using System.Runtime.CompilerServices;

namespace Functional.Nets;

/// <summary>
/// The update counter that schedules and bias corrections need, kept in optimizer state as a scalar
/// leaf named <c>step</c> (PyTorch's name), so checkpoints carry it.
/// </summary>
internal static class StepCount
{
    public const string Leaf = "step";

    // The counts of the counters made here, so that reading one back needs no copy from the device (a host sync on
    // CUDA, a few native calls on the CPU, twice a step for Adam). Tensors are immutable, so a remembered count stays
    // true; a counter made elsewhere (loaded from a checkpoint) is read from its values once and remembered too.
    private static readonly ConditionalWeakTable<Tensor, StrongBox<long>> Known = new();

    /// <summary>A zero counter on the parameters' backend.</summary>
    public static (string, Tensor) Zero(TensorTree parameters) => (Leaf, Make(BackendOf(parameters), 0));

    /// <summary>The number of updates done so far.</summary>
    public static long Read(TensorTree state)
    {
        var counter = state[Leaf];
        return Known.GetValue(counter, t => new StrongBox<long>((long)t.Item())).Value;
    }

    /// <summary>The counter after one more update.</summary>
    public static (string, Tensor) Next(TensorTree state, long current) => (Leaf, Make(state[Leaf].Backend, current + 1));

    private static Tensor Make(Backend backend, long count)
    {
        var counter = backend.FromArray([count], Shape.Scalar);
        Known.AddOrUpdate(counter, new StrongBox<long>(count));
        return counter;
    }

    public static Backend BackendOf(TensorTree parameters) =>
        parameters.Count > 0
            ? parameters[0].Value.Backend
            : throw new ArgumentException("an optimizer needs at least one parameter leaf");
}
