using System.Runtime.InteropServices;
using Functional.Nets.Torch.Native;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// The libtorch backend, through TorchSharp: every primitive is a libtorch op, gradients come from
/// libtorch autograd alone, tensors live on the CPU or a CUDA device in float32 or float64. The payload
/// of a <see cref="Tensor"/> on this backend is a <see cref="TorchTensor"/>, or, for a leaf of a packed tree (optimizer
/// state, updated parameters, gradients), a slice of a flat buffer shared with its sibling leaves (see <see cref="IFlatBuffers"/>).
/// </summary>
/// <remarks>
/// <para>
/// Lifetimes. A tensor holds native memory that .NET's garbage collector does not see, so ownership is
/// explicit:
/// </para>
/// <list type="bullet">
/// <item>The caller owns every tensor it creates (<see cref="FromArray"/>, <see cref="Wrap"/>) and every
/// result of an operation called outside <see cref="ValueAndGrad"/>; release it with
/// <see cref="Tensor.Dispose"/> (or <see cref="TensorTree.Dispose"/>), or let a <see cref="TorchScope"/>
/// release it.</item>
/// <item><see cref="ValueAndGrad"/> releases everything it and <c>f</c> create (intermediates, the
/// requires-grad copies of the leaves, the <c>.grad</c> handles) before it returns; the caller owns the
/// returned value and gradients. Tensors that <c>f</c> creates and stores elsewhere are released too.</item>
/// <item>Results join the innermost open <see cref="TorchScope"/> of the calling thread, if any, and are
/// released with it unless kept (<see cref="TorchScope.Keep(Tensor)"/>). Scopes are per thread.</item>
/// <item>Releasing a tensor twice is harmless; using a released tensor throws <see cref="ObjectDisposedException"/>.</item>
/// </list>
/// <para>
/// Tensors are never mutated after they are returned: <see cref="Transpose"/> and <see cref="Reshape"/>
/// may return views sharing storage with their operand, which is safe because nothing writes to it.
/// </para>
/// <para>
/// libtorch is loaded (and, on Debian 12 and Ubuntu 22.04, its bridge library patched) by
/// <c>Native.LibTorchLoader.EnsureLoaded()</c> before the first torch call any member of this class makes;
/// a failure surfaces as <see cref="LibTorchLoadException"/> saying why. Touching TorchSharp directly
/// before the first <see cref="TorchBackend"/> call bypasses that loader.
/// </para>
/// </remarks>
public sealed partial class TorchBackend : Backend
{
    private static TorchBackend? cpuFloat32;
    private static TorchBackend? cpuFloat64;

    private readonly torch.ScalarType scalarType;
    private readonly torch.Device device;
    private readonly int cudaIndex;

    private TorchBackend(DType dtype, int cudaIndex)
    {
        // The loader runs here, not in a static constructor: a static constructor would wrap the loader's
        // explanation in a TypeInitializationException and poison the type for the rest of the process.
        LibTorchLoader.EnsureLoaded();
        DType = dtype;
        this.cudaIndex = cudaIndex;
        scalarType = dtype switch
        {
            DType.Float32 => torch.ScalarType.Float32,
            DType.Float64 => torch.ScalarType.Float64,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "TorchBackend supports float32 and float64"),
        };
        device = cudaIndex < 0 ? torch.CPU : new torch.Device(DeviceType.CUDA, cudaIndex);
        Device = cudaIndex < 0 ? "cpu" : $"cuda:{cudaIndex}";
    }

    /// <summary>The CPU backend in float32 (libtorch's default type).</summary>
    public static TorchBackend CpuFloat32 => cpuFloat32 ??= new TorchBackend(DType.Float32, -1);

    /// <summary>The CPU backend in float64, the one whose outputs and gradients are compared with the Reference backend.</summary>
    public static TorchBackend CpuFloat64 => cpuFloat64 ??= new TorchBackend(DType.Float64, -1);

    /// <summary>Whether this process can run tensors on a CUDA device (needs the CUDA build and a visible NVIDIA GPU).</summary>
    public static bool IsCudaAvailable
    {
        get
        {
            LibTorchLoader.EnsureLoaded();
            return torch.cuda.is_available();
        }
    }

    /// <inheritdoc />
    public override string Name => "torch";

    /// <inheritdoc />
    public override DType DType { get; }

    /// <inheritdoc />
    public override string Device { get; }

    /// <summary>The backend on the CPU with element type <paramref name="dtype"/>.</summary>
    /// <param name="dtype">float32 (default) or float64.</param>
    public static TorchBackend Cpu(DType dtype = DType.Float32) => dtype switch
    {
        DType.Float32 => CpuFloat32,
        DType.Float64 => CpuFloat64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "TorchBackend supports float32 and float64"),
    };

    /// <summary>The backend on CUDA device <paramref name="index"/> with element type <paramref name="dtype"/>.</summary>
    /// <param name="dtype">float32 (default) or float64.</param>
    /// <param name="index">The CUDA device ordinal (default 0).</param>
    /// <exception cref="InvalidOperationException">CUDA is not available in this process; the message says which devices are and how to get the CUDA build.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> names no device.</exception>
    public static TorchBackend Cuda(DType dtype = DType.Float32, int index = 0)
    {
        LibTorchLoader.EnsureLoaded();
        if (!torch.cuda.is_available())
        {
            throw new InvalidOperationException(
                $"TorchBackend.Cuda: CUDA is not available in this process; the only device is cpu. " +
                "Functional.Nets.Torch references the CPU build of libtorch (TorchSharp-cpu) unless it is built with " +
                "-p:FunctionalNetsCuda=true, which references TorchSharp-cuda-linux instead; CUDA also needs an NVIDIA GPU " +
                "and driver visible to this process. Use TorchBackend.Cpu(...) meanwhile.");
        }

        var count = torch.cuda.device_count();
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(index), index, $"TorchBackend.Cuda: no device cuda:{index}; available: cpu, {string.Join(", ", Enumerable.Range(0, count).Select(i => $"cuda:{i}"))}");
        }

        return new TorchBackend(dtype, index);
    }

    /// <summary>
    /// Opens a <see cref="TorchScope"/> on the calling thread: every torch tensor created on this thread until
    /// it is disposed is released with it, except those passed to <see cref="TorchScope.Keep(Tensor)"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// using (var scope = backend.Scope())
    /// {
    ///     var y = model.Apply(p, x);          // intermediates released at the end of the block
    ///     total = scope.Keep(Losses.MeanSquaredError(y, t));
    /// }
    /// </code>
    /// </example>
    public override TensorScope Scope()
    {
        LibTorchLoader.EnsureLoaded();
        return new TorchScope(torch.NewDisposeScope());
    }

    /// <summary>
    /// The TorchSharp tensor behind <paramref name="tensor"/>: the same native tensor, not a copy, so it is
    /// released when <paramref name="tensor"/> is. Do not modify it in place: tensors are immutable values.
    /// For a leaf of a packed tree it is a view of the shared buffer, which the innermost <see cref="TorchScope"/> open
    /// when it was first read also releases (read it again after that scope for a fresh view).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tensor"/> does not live on a torch backend.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="tensor"/> was released.</exception>
    public static TorchTensor ToTorch(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Backend is not TorchBackend backend || tensor.Payload is not (TorchTensor or TorchSlice))
        {
            throw new ArgumentException(
                $"ToTorch: the tensor of shape {tensor.Shape} lives on {tensor.Backend}, not on a torch backend; copy it with ToBackend(TorchBackend.CpuFloat64) (or another TorchBackend) first",
                nameof(tensor));
        }

        return backend.Native(tensor, "ToTorch");
    }

    /// <summary>
    /// A <see cref="Tensor"/> on this backend holding <paramref name="tensor"/> itself (no copy). The result
    /// takes ownership: disposing it disposes <paramref name="tensor"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The dtype or device differs from this backend's, the tensor requires
    /// gradients (autograd would write into it; pass <c>tensor.detach()</c>), or a dimension exceeds <see cref="int.MaxValue"/>.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="tensor"/> was disposed.</exception>
    public Tensor Wrap(TorchTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.IsInvalid)
        {
            throw new ObjectDisposedException(nameof(tensor), $"Wrap: the TorchSharp tensor was disposed (target {this})");
        }

        if (tensor.dtype != scalarType && tensor.dtype != torch.ScalarType.Int64)
        {
            throw new ArgumentException($"Wrap: the tensor has dtype {tensor.dtype} but this backend is {this}; convert it with .to({scalarType}) first", nameof(tensor));
        }

        var onDevice = cudaIndex < 0
            ? tensor.device_type == DeviceType.CPU
            : tensor.device_type == DeviceType.CUDA && tensor.device_index == cudaIndex;
        if (!onDevice)
        {
            throw new ArgumentException($"Wrap: the tensor lives on {tensor.device} but this backend is {this}; move it with .to(...) first", nameof(tensor));
        }

        if (tensor.requires_grad)
        {
            throw new ArgumentException(
                "Wrap: the tensor requires gradients, so libtorch autograd would write into it during ValueAndGrad; pass tensor.detach() instead",
                nameof(tensor));
        }

        var dims = tensor.shape;
        var shape = new int[dims.Length];
        for (var i = 0; i < dims.Length; i++)
        {
            shape[i] = dims[i] <= int.MaxValue
                ? (int)dims[i]
                : throw new ArgumentException($"Wrap: dimension {i} of shape [{string.Join(", ", dims)}] exceeds {int.MaxValue}", nameof(tensor));
        }

        return Make(tensor, new Shape(shape), tensor.dtype == torch.ScalarType.Int64 ? DType.Int64 : DType);
    }

    /// <inheritdoc />
    public override void Release(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Payload is TorchTensor native)
        {
            // TorchSharp's Dispose is idempotent and also removes the tensor from its dispose scope.
            native.Dispose();
        }
        else if (tensor.Payload is TorchSlice slice)
        {
            // A packed leaf: its view, and its share of the buffer (the last leaf released frees the buffer).
            slice.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// On Linux with glibc, <c>malloc_trim(0)</c>: libtorch's freed CPU tensors stay with glibc's allocator, which after
    /// large frees may keep far more than a loop needs (DESIGN.md measured 175 MB growing to 4–6 GB in 500 steps of a
    /// loop with 2 live tensors); trimming every 100 steps held it flat at no measurable cost. CUDA memory is libtorch's
    /// caching allocator's business and is not touched.
    /// </remarks>
    public override void ReleaseFreeMemory() => GlibcMalloc.Trim();

    /// <summary>Wraps a result the core has already shaped; no checks.</summary>
    private Tensor Make(TorchTensor native, Shape shape) => new(this, shape, native);

    /// <summary>Wraps a result of element type <paramref name="dtype"/> (this backend's float type or int64).</summary>
    private Tensor Make(TorchTensor native, Shape shape, DType dtype) => new(this, shape, native, dtype);

    /// <summary>The live TorchSharp tensor behind <paramref name="tensor"/>, or an error naming <paramref name="op"/>.</summary>
    private TorchTensor Native(Tensor tensor, string op)
    {
        if (tensor.Payload is TorchSlice slice)
        {
            return slice.IsReleased
                ? throw new ObjectDisposedException(
                    nameof(Tensor),
                    $"{op}: a tensor of shape {tensor.Shape} on {this} was used after it was released (by Dispose or by an enclosing TorchScope)")
                : slice.View();
        }

        var native = tensor.Payload as TorchTensor
            ?? throw new ArgumentException($"{op}: the tensor of shape {tensor.Shape} claims {this} but holds a {tensor.Payload.GetType().Name}", nameof(tensor));
        if (native.IsInvalid)
        {
            throw new ObjectDisposedException(
                nameof(Tensor),
                $"{op}: a tensor of shape {tensor.Shape} on {this} was used after it was released (by Dispose, by an enclosing TorchScope, or by ValueAndGrad, which releases what f creates)");
        }

        return native;
    }

    /// <summary>A libtorch failure as an error naming the op, the operand shapes and this backend.</summary>
    private TorchOperationException Failure(string op, ExternalException inner, params Shape[] shapes) =>
        new(op, string.Join(" and ", shapes), ToString(), inner);
}
