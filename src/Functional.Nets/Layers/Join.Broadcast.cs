namespace Functional.Nets;

public abstract partial class Join
{
    /// <summary>
    /// y = x₁ ⊙ x₂ ⊙ ... with x₂, ... broadcast onto x₁'s shape (NumPy's rules, aligned at the last axis): the
    /// channel scale of squeeze-and-excitation, [N, C, H, W] ⊙ [N, C, 1, 1]. The output always has the first
    /// input's shape; a later input that would enlarge it (or that does not broadcast) is an error.
    /// </summary>
    public static Join BroadcastProduct { get; } = new BroadcastJoin(JoinKind.BroadcastProduct);

    /// <summary>y = x₁ + x₂ + ... with x₂, ... broadcast onto x₁'s shape, as <see cref="BroadcastProduct"/>.</summary>
    public static Join BroadcastSum { get; } = new BroadcastJoin(JoinKind.BroadcastSum);

    /// <summary>
    /// The broadcasting joins. Restricting the broadcast to go onto the first input keeps the exact-shape
    /// spirit of <see cref="Sum"/> and <see cref="Product"/>: the main branch fixes the shape, the others may
    /// only be smaller along axes of size 1, so a branch of the wrong width is still an error. The gradient
    /// of a broadcast input is the output gradient summed over its broadcast axes (the backends' BroadcastTo VJP).
    /// </summary>
    private sealed class BroadcastJoin(JoinKind kind) : Join
    {
        public override JoinKind Kind => kind;

        public override string Describe() => kind == JoinKind.BroadcastSum ? "broadcast sum" : "broadcast product";

        internal override string? Problem(IReadOnlyList<Shape> inputs)
        {
            var first = inputs[0];
            var bad = inputs.Skip(1).Where(s => s.Rank > first.Rank || Shape.TryBroadcast(first, s) != first).ToArray();
            return bad.Length == 0
                ? null
                : $"needs later inputs that broadcast onto the first's shape {first} (each axis equal or 1, aligned at the last), got {string.Join(", ", inputs)}";
        }

        private protected override Shape Joined(IReadOnlyList<Shape> inputs) => inputs[0];

        private protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
        {
            var y = inputs[0];
            for (var i = 1; i < inputs.Count; i++)
            {
                y = kind == JoinKind.BroadcastSum ? y + inputs[i] : y * inputs[i];
            }

            return y;
        }
    }
}
