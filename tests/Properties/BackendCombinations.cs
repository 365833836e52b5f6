using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests;

/// <summary>
/// The one place that enumerates backend × dtype × device combinations for tests. A test takes the
/// combination's name (<c>reference/float64/cpu</c>, <c>torch/float32/cpu</c>, ...) as a theory
/// argument, so every combination reports as its own case, and resolves it with <see cref="Resolve"/>.
/// </summary>
public static class BackendCombinations
{
    /// <summary>The Reference backend: float64 on the CPU, hand-written VJPs.</summary>
    public const string Reference = "reference/float64/cpu";

    /// <summary>Torch on the CPU in float64.</summary>
    public const string TorchCpuFloat64 = "torch/float64/cpu";

    /// <summary>Torch on the CPU in float32.</summary>
    public const string TorchCpuFloat32 = "torch/float32/cpu";

    /// <summary>Torch on the first CUDA device in float64 (listed only when CUDA is available).</summary>
    public const string TorchCudaFloat64 = "torch/float64/cuda:0";

    /// <summary>Torch on the first CUDA device in float32 (listed only when CUDA is available).</summary>
    public const string TorchCudaFloat32 = "torch/float32/cuda:0";

    /// <summary>
    /// Every combination this machine has: Reference, Torch CPU float64 and float32 always (if libtorch
    /// cannot load, their tests fail with the loader's message; they are never left out), Torch CUDA
    /// when a CUDA device is available.
    /// </summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { Reference, TorchCpuFloat64, TorchCpuFloat32 };
            if (CudaAvailable())
            {
                data.Add(TorchCudaFloat64);
                data.Add(TorchCudaFloat32);
            }

            return data;
        }
    }

    /// <summary>The float64 combinations (for laws that need exact float64 arithmetic).</summary>
    public static TheoryData<string> Float64
    {
        get
        {
            var data = new TheoryData<string> { Reference, TorchCpuFloat64 };
            if (CudaAvailable())
            {
                data.Add(TorchCudaFloat64);
            }

            return data;
        }
    }

    /// <summary>The backend a combination's name stands for.</summary>
    public static Backend Resolve(string name) => name switch
    {
        Reference => ReferenceBackend.Instance,
        TorchCpuFloat64 => TorchBackend.CpuFloat64,
        TorchCpuFloat32 => TorchBackend.CpuFloat32,
        TorchCudaFloat64 => TorchBackend.Cuda(DType.Float64),
        TorchCudaFloat32 => TorchBackend.Cuda(DType.Float32),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown backend combination"),
    };

    private static bool CudaAvailable()
    {
        try
        {
            return TorchBackend.IsCudaAvailable;
        }
        catch (Exception)
        {
            // libtorch did not load: the CPU cases report the loader's message; CUDA is not listed.
            return false;
        }
    }
}
