namespace Functional.Nets;

/// <summary>Layout operations (permute, slice, split, concat, stack, pad, broadcast, squeeze), checked before dispatch.</summary>
public sealed partial class Tensor
{
    /// <summary>The axes permuted: result axis i is this tensor's axis <paramref name="axes"/>[i] (negative axes count from the end).</summary>
    /// <exception cref="ArgumentException"><paramref name="axes"/> is not a permutation of this tensor's axes.</exception>
    public Tensor Permute(params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        RequireFloat("permute", this);
        if (axes.Length != Shape.Rank)
        {
            throw new ArgumentException($"permute: expected {Shape.Rank} axes for shape {Shape}, got [{string.Join(", ", axes)}]", nameof(axes));
        }

        var normalized = new int[axes.Length];
        var seen = new bool[axes.Length];
        for (var i = 0; i < axes.Length; i++)
        {
            var a = axes[i] < 0 ? axes[i] + Shape.Rank : axes[i];
            if (a < 0 || a >= Shape.Rank || seen[a])
            {
                throw new ArgumentException($"permute: [{string.Join(", ", axes)}] is not a permutation of the axes of shape {Shape}", nameof(axes));
            }

            seen[a] = true;
            normalized[i] = a;
        }

        return normalized.Select((a, i) => a == i).All(b => b) ? this : Backend.Permute(this, normalized);
    }

    /// <summary>Swaps two axes (<c>torch.transpose(x, a, b)</c>).</summary>
    public Tensor SwapAxes(int first, int second)
    {
        var axes = Enumerable.Range(0, Shape.Rank).ToArray();
        var a = Shape.NormalizeAxis(first);
        var b = Shape.NormalizeAxis(second);
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(axes);
    }

    /// <summary>Entries [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) along <paramref name="axis"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the axis.</exception>
    public Tensor Slice(int axis, int start, int length)
    {
        RequireFloat("slice", this);
        var a = Shape.NormalizeAxis(axis);
        var size = Shape[a];
        if (start < 0 || length < 0 || (long)start + length > size)
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), $"slice: entries [{start}, {(long)start + length}) along axis {a} are outside [0, {size}) for shape {Shape}");
        }

        return start == 0 && length == size ? this : Backend.Slice(this, a, start, length);
    }

    /// <summary>Splits along <paramref name="axis"/> into parts of the given sizes, which must add up to the axis's size.</summary>
    public IReadOnlyList<Tensor> Split(int axis, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var a = Shape.NormalizeAxis(axis);
        if (sizes.Any(s => s < 0) || sizes.Sum(s => (long)s) != Shape[a])
        {
            throw new ArgumentException($"split: sizes [{string.Join(", ", sizes)}] do not add up to {Shape[a]}, the size of axis {a} of shape {Shape}", nameof(sizes));
        }

        return sizes.Length == 1 ? [this] : Backend.Split(this, a, sizes);
    }

    /// <summary>Splits along <paramref name="axis"/> into <paramref name="count"/> equal parts (the axis's size must divide).</summary>
    public IReadOnlyList<Tensor> Chunk(int count, int axis)
    {
        var a = Shape.NormalizeAxis(axis);
        if (count <= 0 || Shape[a] % count != 0)
        {
            throw new ArgumentException($"chunk: axis {a} of shape {Shape} (size {Shape[a]}) does not split into {count} equal parts", nameof(count));
        }

        return Split(a, Enumerable.Repeat(Shape[a] / count, count).ToArray());
    }

    /// <summary>The parts joined along <paramref name="axis"/>; all other axes must agree.</summary>
    /// <exception cref="ShapeMismatchException">The parts' ranks or other axes differ.</exception>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("concat: needs at least one tensor", nameof(parts));
        }

        var first = parts[0];
        var a = first.Shape.NormalizeAxis(axis);
        for (var i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            RequireSameBackend("concat", first, p);
            RequireFloat("concat", p);
            var compatible = p.Shape.Rank == first.Shape.Rank
                && Enumerable.Range(0, first.Shape.Rank).All(d => d == a || p.Shape[d] == first.Shape[d]);
            if (!compatible)
            {
                throw new ShapeMismatchException(
                    $"concat along axis {a}: part {i} has shape {p.Shape}, incompatible with part 0's {first.Shape} (all axes but {a} must agree)");
            }
        }

        return parts.Count == 1 ? first : first.Backend.Concat(parts, a);
    }

    /// <summary>The parts, all of one shape, stacked along a new axis <paramref name="axis"/> (0 ≤ axis ≤ rank).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> parts, int axis)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("stack: needs at least one tensor", nameof(parts));
        }

        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i].Shape != parts[0].Shape)
            {
                throw new ShapeMismatchException($"stack: part {i} has shape {parts[i].Shape} but part 0 has {parts[0].Shape}; stacked tensors must have one shape");
            }
        }

        return Concat(parts.Select(p => p.Unsqueeze(axis)).ToArray(), axis);
    }

    /// <summary>A new axis of size 1 at <paramref name="axis"/> (0 ≤ axis ≤ rank; negative counts from the end of the result).</summary>
    public Tensor Unsqueeze(int axis)
    {
        var a = axis < 0 ? axis + Shape.Rank + 1 : axis;
        if (a < 0 || a > Shape.Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"unsqueeze: axis {axis} is out of range for shape {Shape} (0 to {Shape.Rank})");
        }

        var dims = Shape.ToArray().ToList();
        dims.Insert(a, 1);
        return Reshape([.. dims]);
    }

    /// <summary>Removes axis <paramref name="axis"/>, which must have size 1.</summary>
    public Tensor Squeeze(int axis)
    {
        var a = Shape.NormalizeAxis(axis);
        if (Shape[a] != 1)
        {
            throw new ShapeMismatchException($"squeeze: axis {a} of shape {Shape} has size {Shape[a]}, not 1");
        }

        var dims = Shape.ToArray().ToList();
        dims.RemoveAt(a);
        return Reshape([.. dims]);
    }

    /// <summary>
    /// This tensor surrounded by <paramref name="value"/>: <paramref name="pads"/> gives (before, after) for every axis,
    /// in order (<c>x.Pad([(0, 0), (1, 1)])</c> pads the last axis of a matrix by one on each side).
    /// </summary>
    public Tensor Pad(IReadOnlyList<(int Before, int After)> pads, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pads);
        RequireFloat("pad", this);
        if (pads.Count != Shape.Rank || pads.Any(p => p.Before < 0 || p.After < 0))
        {
            throw new ArgumentException(
                $"pad: expected {Shape.Rank} non-negative (before, after) pairs for shape {Shape}, got [{string.Join(", ", pads)}]", nameof(pads));
        }

        foreach (var (p, d) in pads.Select((p, d) => (p, d)))
        {
            _ = checked(Shape[d] + p.Before + p.After);
        }

        return pads.All(p => p.Before == 0 && p.After == 0)
            ? this
            : Backend.Pad(this, pads.Select(p => p.Before).ToArray(), pads.Select(p => p.After).ToArray(), value);
    }

    /// <summary>This tensor surrounded by <paramref name="value"/>: <paramref name="before"/>[d] entries before and <paramref name="after"/>[d] after it along axis d.</summary>
    public Tensor Pad(int[] before, int[] after, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Length != after.Length)
        {
            throw new ArgumentException($"pad: {before.Length} 'before' counts but {after.Length} 'after' counts for shape {Shape}", nameof(after));
        }

        return Pad(before.Zip(after).ToArray(), value);
    }

    /// <summary>This tensor repeated to <paramref name="shape"/> by NumPy's broadcasting rules (<c>torch.broadcast_to</c>).</summary>
    /// <exception cref="ShapeMismatchException">This shape does not broadcast to <paramref name="shape"/>.</exception>
    public Tensor BroadcastTo(Shape shape)
    {
        RequireFloat("broadcast_to", this);
        if (Shape.TryBroadcast(Shape, shape) is not { } b || b != shape)
        {
            throw new ShapeMismatchException($"broadcast_to: shape {Shape} does not broadcast to {shape}");
        }

        return shape == Shape ? this : Backend.BroadcastTo(this, shape);
    }
}
