using System.Collections.Immutable;

namespace Functional.Nets;

/// <summary>
/// An immutable tensor shape (row-major, PyTorch's convention: images are NCHW).
/// The empty shape <c>[]</c> is a scalar.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly ImmutableArray<int> dims;
    private readonly long size;

    /// <summary>Creates a shape from its dimensions; every dimension must be non-negative.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"a shape's dimensions must be non-negative, got [{string.Join(", ", dims)}]", nameof(dims));
            }
        }

        this.dims = [.. dims];

        // Checked once here, so that no later size computation can wrap: a product beyond 2⁶³ − 1 is refused.
        long n = 1;
        try
        {
            foreach (var d in dims)
            {
                n = checked(n * d);
            }
        }
        catch (OverflowException)
        {
            throw new ArgumentException(
                $"shape [{string.Join(", ", dims)}] has more elements than a 64-bit count holds (the product of its dimensions exceeds {long.MaxValue})",
                nameof(dims));
        }

        size = n;
    }

    /// <summary>The scalar shape <c>[]</c>.</summary>
    public static Shape Scalar => new();

    /// <summary>The dimensions.</summary>
    public ImmutableArray<int> Dims => dims.IsDefault ? ImmutableArray<int>.Empty : dims;

    /// <summary>The number of dimensions.</summary>
    public int Rank => Dims.Length;

    /// <summary>The dimension at <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis)];

    /// <summary>The number of elements (the product of the dimensions; 1 for a scalar).</summary>
    public long Size => dims.IsDefault ? 1 : size;

    /// <summary>Maps a possibly negative axis to <c>0..Rank-1</c>, or throws naming the shape.</summary>
    public int NormalizeAxis(int axis)
    {
        var a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for shape {this}");
        }

        return a;
    }

    /// <summary>The dimensions as a fresh array.</summary>
    public int[] ToArray() => [.. Dims];

    /// <summary>
    /// The shape two operands broadcast to under NumPy/PyTorch rules (align trailing dimensions;
    /// each pair must be equal or one of them 1), or null when they do not broadcast.
    /// </summary>
    public static Shape? TryBroadcast(Shape a, Shape b)
    {
        var rank = Math.Max(a.Rank, b.Rank);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Rank ? 1 : a.Dims[i - (rank - a.Rank)];
            var db = i < rank - b.Rank ? 1 : b.Dims[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }

            result[i] = da == 1 ? db : da;
        }

        return new Shape(result);
    }

    /// <inheritdoc />
    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims)
        {
            h.Add(d);
        }

        return h.ToHashCode();
    }

    /// <summary>Shapes are equal when their dimensions are.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Shapes differ when their dimensions do.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Implicit conversion from an array of dimensions.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Formats as <c>[32, 100]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", Dims) + "]";
}
