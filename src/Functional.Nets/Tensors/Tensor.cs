namespace Functional.Nets;

/// <summary>
/// An immutable handle to a tensor of any rank on a <see cref="Backend"/>. Operations never mutate
/// their operands; each returns a new tensor. The core checks shapes, dtypes and backends here,
/// once, before dispatching to the backend, so both backends fail identically on bad input.
/// </summary>
/// <remarks>
/// On the Torch backend a tensor owns native memory that .NET's garbage collector does not see.
/// <see cref="Dispose"/> releases it; <see cref="Backend.ValueAndGrad"/> releases everything it
/// creates except the value and the gradients it returns.
/// </remarks>
public sealed partial class Tensor : IDisposable
{
    /// <summary>Wraps a backend's payload. Called by backends, not by users.</summary>
    public Tensor(Backend backend, Shape shape, object payload)
        : this(backend, shape, payload, (backend ?? throw new ArgumentNullException(nameof(backend))).DType)
    {
    }

    /// <summary>Wraps a backend's payload of element type <paramref name="dtype"/> (the backend's float type or <see cref="DType.Int64"/>). Called by backends, not by users.</summary>
    public Tensor(Backend backend, Shape shape, object payload, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Backend = backend;
        Shape = shape;
        Payload = payload;
        DType = dtype;
    }

    /// <summary>The backend the tensor lives on.</summary>
    public Backend Backend { get; }

    /// <summary>The shape.</summary>
    public Shape Shape { get; }

    /// <summary>The element type: the backend's float type, or <see cref="DType.Int64"/> for an index tensor.</summary>
    public DType DType { get; }

    /// <summary>Whether this is an integer (index) tensor.</summary>
    public bool IsIndex => DType == DType.Int64;

    /// <summary>The backend's own representation (a Reference array, a TorchSharp tensor, a slice of a packed Torch buffer).</summary>
    public object Payload { get; }

    /// <summary>The number of elements.</summary>
    public long Size => Shape.Size;

    /// <summary>Copies the values out, row-major.</summary>
    public double[] ToArray() => Backend.ToArray(this);

    /// <summary>Copies the values out, row-major, into <paramref name="destination"/> (at least <see cref="Size"/> long).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void CopyTo(Span<double> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"CopyTo: the destination holds {destination.Length} values but the tensor has {Size} (shape {Shape})", nameof(destination));
        }

        Backend.CopyTo(this, destination[..checked((int)Size)]);
    }

    /// <summary>Copies the values of an index tensor out, row-major.</summary>
    /// <exception cref="ArgumentException">The tensor holds floats, not indices.</exception>
    public long[] ToIndexArray()
    {
        RequireIndex("ToIndexArray", this, nameof(Tensor));
        return Backend.ToIndexArray(this);
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        if (Size != 1)
        {
            throw new InvalidOperationException($"Item() needs a tensor with one element, got shape {Shape}");
        }

        return ToArray()[0];
    }

    /// <summary>Copies the tensor to another backend. Exact from and to float64.</summary>
    public Tensor ToBackend(Backend target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Equals(Backend) ? this
            : IsIndex ? target.FromIndices(ToIndexArray(), Shape)
            : target.FromArray(ToArray(), Shape);
    }

    /// <summary>Throws <see cref="NonFiniteException"/> naming <paramref name="what"/> if any entry is NaN or infinite.</summary>
    public Tensor ThrowIfNonFinite(string what)
    {
        var values = ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new NonFiniteException($"{what} is not finite: entry {i} of shape {Shape} is {values[i]} (on {Backend})");
            }
        }

        return this;
    }

    /// <summary>Releases native memory held by this tensor (no-op on the Reference backend).</summary>
    public void Dispose() => Backend.Release(this);

    /// <summary>Formats shape, backend and, for small tensors, values.</summary>
    public override string ToString()
    {
        var head = $"Tensor{Shape} {Backend}";
        if (Size > 16)
        {
            return head;
        }

        return head + " [" + string.Join(", ", ToArray().Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))) + "]";
    }

    /// <summary>Throws unless <paramref name="t"/> is an int64 index tensor, naming the operation and the argument.</summary>
    internal static void RequireIndex(string op, Tensor t, string argument)
    {
        if (!t.IsIndex)
        {
            throw new ArgumentException(
                $"{op}: {argument} must be an int64 index tensor, got a {t.DType.Name()} tensor of shape {t.Shape}; make one with backend.FromIndices(...)",
                argument);
        }
    }

    /// <summary>Throws unless <paramref name="t"/> is a float tensor, naming the operation.</summary>
    internal static void RequireFloat(string op, Tensor t)
    {
        if (t.IsIndex)
        {
            throw new ArgumentException($"{op}: expected a float tensor, got an int64 index tensor of shape {t.Shape} (indices are not differentiable values)");
        }
    }

    internal static void RequireSameBackend(string op, Tensor a, Tensor b)
    {
        if (!a.Backend.Equals(b.Backend))
        {
            throw new BackendMismatchException(
                $"{op}: operands live on different backends or dtypes ({a.Backend} and {b.Backend}); move one with ToBackend(...) first");
        }
    }
}

/// <summary>Raised when a loss, gradient or activation holds NaN or infinity and a check asked for finite values.</summary>
public sealed class NonFiniteException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public NonFiniteException(string message) : base(message)
    {
    }
}

/// <summary>Raised when an operation mixes tensors of two backends, dtypes or devices.</summary>
public sealed class BackendMismatchException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public BackendMismatchException(string message) : base(message)
    {
    }
}
