namespace Functional.Nets;

/// <summary>
/// The update counter that schedules and bias corrections need, kept in optimizer state as a scalar
/// leaf named <c>step</c> (PyTorch's name), so checkpoints carry it.
/// </summary>
internal static class StepCount
{
    public const string Leaf = "step";

    /// <summary>A zero counter on the parameters' backend.</summary>
    public static (string, Tensor) Zero(TensorTree parameters) =>
        (Leaf, BackendOf(parameters).FromArray([0.0], Shape.Scalar));

    /// <summary>The number of updates done so far.</summary>
    public static long Read(TensorTree state) => (long)state[Leaf].Item();

    /// <summary>The counter after one more update.</summary>
    public static (string, Tensor) Next(TensorTree state, long current) =>
        (Leaf, state[Leaf].Backend.FromArray([current + 1.0], Shape.Scalar));

    public static Backend BackendOf(TensorTree parameters) =>
        parameters.Count > 0
            ? parameters[0].Value.Backend
            : throw new ArgumentException("an optimizer needs at least one parameter leaf");
}
