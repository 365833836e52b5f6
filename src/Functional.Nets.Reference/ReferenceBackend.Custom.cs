namespace Functional.Nets.Reference;

/// <summary>User-defined primitives on the Reference backend: the op's own forward and hand-written VJP, on the tape.</summary>
public sealed partial class ReferenceBackend
{
    /// <summary>
    /// Runs <see cref="CustomOp.Forward"/> on the inputs' values and, while <see cref="ValueAndGrad"/> records,
    /// appends a tape node whose VJP is <see cref="CustomOp.Vjp"/>: the op becomes one more primitive of the
    /// chain rule, exactly like the built-in ones. <see cref="CustomOp.Compose"/> is never used here, so the
    /// hand-written VJP is what a gradient check on this backend checks.
    /// </summary>
    /// <exception cref="InvalidOperationException">Forward or Vjp returned arrays of the wrong length.</exception>
    public override Tensor Custom(CustomOp op, IReadOnlyList<Tensor> inputs, Shape outputShape)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        var values = inputs.Select(t => Data(t).Values).ToArray();
        var shapes = inputs.Select(t => t.Shape).ToArray();
        var y = op.CheckedForward(values, shapes, outputShape);

        // Labelled CustomOp(name) on the tape, so a trace names the user's op (it has no entry among the built-in formulas).
        return Record(outputShape, y, [.. inputs], g => [.. op.CheckedVjp(values, shapes, y, g)], op.ToString());
    }
}
