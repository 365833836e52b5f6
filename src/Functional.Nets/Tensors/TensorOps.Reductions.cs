namespace Functional.Nets;

/// <summary>Reductions beyond the sum: max, min, log-sum-exp, argmax; checked before dispatch.</summary>
public sealed partial class Tensor
{
    /// <summary>The maximum over <paramref name="axes"/> (all axes when none are given); ties share the gradient evenly (<c>torch.amax</c>).</summary>
    public Tensor Max(int[]? axes = null, bool keepDims = false) => Extreme("max", axes, keepDims, max: true);

    /// <summary>The minimum over <paramref name="axes"/> (all axes when none are given); ties share the gradient evenly (<c>torch.amin</c>).</summary>
    public Tensor Min(int[]? axes = null, bool keepDims = false) => Extreme("min", axes, keepDims, max: false);

    /// <summary>ln Σ eˣ over <paramref name="axes"/> (all axes when none are given), stable by the max shift (<c>torch.logsumexp</c>).</summary>
    public Tensor LogSumExp(int[]? axes = null, bool keepDims = false)
    {
        RequireFloat("logsumexp", this);
        var normalized = ReducedAxes("logsumexp", axes);
        return Backend.LogSumExp(this, normalized, keepDims);
    }

    /// <summary>The int64 position of the first maximum along <paramref name="axis"/> (<c>torch.argmax</c>); not differentiated.</summary>
    public Tensor ArgMax(int axis = -1, bool keepDims = false)
    {
        RequireFloat("argmax", this);
        var a = Shape.NormalizeAxis(axis);
        if (Shape[a] == 0)
        {
            throw new ShapeMismatchException($"argmax: axis {a} of shape {Shape} is empty");
        }

        return Backend.ArgMax(this, a, keepDims);
    }

    private Tensor Extreme(string op, int[]? axes, bool keepDims, bool max)
    {
        RequireFloat(op, this);
        return Backend.Extreme(this, ReducedAxes(op, axes), keepDims, max);
    }

    private int[] ReducedAxes(string op, int[]? axes)
    {
        var normalized = axes is null ? Enumerable.Range(0, Shape.Rank).ToArray() : NormalizeAxes(axes, op);
        foreach (var a in normalized)
        {
            if (Shape[a] == 0)
            {
                throw new ShapeMismatchException($"{op}: axis {a} of shape {Shape} is empty; the {op} of no values is undefined");
            }
        }

        return normalized;
    }
}
