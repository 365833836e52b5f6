using System.Runtime.InteropServices;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// A CPU tensor's storage as a span (TorchSharp's <c>bytes</c>, which is the tensor's own memory, not a copy), for the
/// hand-written host kernels. Declines tensors on a device, views into a flat buffer, non-contiguous tensors, tensors
/// that record gradients and element types other than the one asked for.
/// </summary>
public sealed partial class TorchBackend : IHostMemory
{
    /// <inheritdoc />
    bool IHostMemory.TryGetSpan<T>(Tensor tensor, out Span<T> entries)
    {
        entries = default;
        if (tensor.Payload is not TorchTensor native || native.IsInvalid)
        {
            return false;
        }

        var expected = typeof(T) == typeof(float) ? torch.ScalarType.Float32 : typeof(T) == typeof(double) ? torch.ScalarType.Float64 : (torch.ScalarType?)null;
        if (expected is null || native.dtype != expected || native.device_type != DeviceType.CPU || native.requires_grad || !native.is_contiguous())
        {
            return false;
        }

        entries = MemoryMarshal.Cast<byte, T>(native.bytes);
        return true;
    }

    /// <inheritdoc />
    /// <remarks><c>torch.empty</c> on the CPU; null for a backend on a device.</remarks>
    Tensor? IHostMemory.AllocateUninitialized(Shape shape)
    {
        if (device.type != DeviceType.CPU)
        {
            return null;
        }

        return Make(torch.empty(Dims(shape), scalarType, device), shape);
    }
}
