namespace Functional.Nets;

/// <summary>How a <see cref="Join"/> merges its inputs.</summary>
public enum JoinKind
{
    /// <summary>y = a + b + ... (equal shapes).</summary>
    Sum,

    /// <summary>y = a ⊙ b ⊙ ... elementwise (equal shapes).</summary>
    Product,

    /// <summary>The inputs side by side along one axis (equal shapes but on that axis).</summary>
    Concat,

    /// <summary>y = a ⊙ b ⊙ ... with the later inputs broadcast onto the first's shape (a channel scale).</summary>
    BroadcastProduct,

    /// <summary>y = a + b + ... with the later inputs broadcast onto the first's shape (a per-channel shift).</summary>
    BroadcastSum,
}

/// <summary>
/// A merge of several tensors into one: their sum, their elementwise product, or their concatenation along
/// an axis. <see cref="Branches"/> joins its branches with one; it may also be used on its own,
/// <c>Join.Sum.Apply([a, b])</c>. Shapes must match exactly (no broadcasting), so a branch of the wrong width
/// is an error, not a silently broadcast result.
/// </summary>
public abstract partial class Join
{
    private protected Join()
    {
    }

    /// <summary>y = x₁ + x₂ + ... (left to right), all of one shape.</summary>
    public static Join Sum { get; } = new Elementwise(JoinKind.Sum);

    /// <summary>y = x₁ ⊙ x₂ ⊙ ... (left to right), all of one shape.</summary>
    public static Join Product { get; } = new Elementwise(JoinKind.Product);

    /// <summary>Which merge this is.</summary>
    public abstract JoinKind Kind { get; }

    /// <summary>A short description, e.g. <c>sum</c> or <c>concat(axis -1)</c>.</summary>
    public abstract string Describe();

    /// <summary>The shape of the merge of inputs of these shapes.</summary>
    /// <exception cref="ShapeMismatchException">The shapes cannot be joined; the message says why.</exception>
    public Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException($"{Describe()}: needs at least one input", nameof(inputs));
        }

        return Problem(inputs) is { } problem
            ? throw new ShapeMismatchException($"{Describe()}: {problem}")
            : Joined(inputs);
    }

    /// <summary>The merge of <paramref name="inputs"/> (at least one, shapes checked first).</summary>
    /// <exception cref="ShapeMismatchException">The shapes cannot be joined.</exception>
    public Tensor Apply(IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        OutputShape([.. inputs.Select(t => t.Shape)]);
        return Merge(inputs);
    }

    /// <inheritdoc />
    public override string ToString() => Describe();

    /// <summary>Why inputs of these shapes cannot be joined, or null when they can.</summary>
    internal abstract string? Problem(IReadOnlyList<Shape> inputs);

    /// <summary>The output shape of inputs that <see cref="Problem"/> accepts.</summary>
    private protected abstract Shape Joined(IReadOnlyList<Shape> inputs);

    /// <summary>The merge itself, on checked inputs.</summary>
    private protected abstract Tensor Merge(IReadOnlyList<Tensor> inputs);

    private sealed class Elementwise(JoinKind kind) : Join
    {
        public override JoinKind Kind => kind;

        public override string Describe() => kind == JoinKind.Sum ? "sum" : "product";

        internal override string? Problem(IReadOnlyList<Shape> inputs) =>
            inputs.All(s => s == inputs[0])
                ? null
                : $"needs inputs of one shape (no broadcasting), got {string.Join(", ", inputs)}";

        private protected override Shape Joined(IReadOnlyList<Shape> inputs) => inputs[0];

        private protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
        {
            var y = inputs[0];
            for (var i = 1; i < inputs.Count; i++)
            {
                y = kind == JoinKind.Sum ? y + inputs[i] : y * inputs[i];
            }

            return y;
        }
    }
}
