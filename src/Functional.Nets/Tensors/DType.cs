namespace Functional.Nets;

/// <summary>The element type of a tensor.</summary>
public enum DType
{
    /// <summary>IEEE 754 binary32.</summary>
    Float32,

    /// <summary>IEEE 754 binary64, the Reference backend's only float type.</summary>
    Float64,

    /// <summary>
    /// 64-bit signed integers: class indices, token ids and gather/scatter indices. Every backend holds them on its
    /// device beside its float tensors (<see cref="Backend.FromIndices(ReadOnlySpan{long}, Shape)"/>); they are never
    /// differentiated.
    /// </summary>
    Int64,
}

/// <summary>Facts about <see cref="DType"/> values used when deriving tolerances.</summary>
public static class DTypeFacts
{
    /// <summary>Unit roundoff u = 2^-p (half the machine epsilon): 2^-24 for float32, 2^-53 for float64.</summary>
    public static double UnitRoundoff(this DType dtype) => dtype switch
    {
        DType.Float32 => Math.Pow(2, -24),
        DType.Float64 => Math.Pow(2, -53),
        DType.Int64 => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "int64 has no unit roundoff: integer tensors are exact"),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The lower-case name used in messages, as PyTorch spells it ("float32", "float64").</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        _ => dtype.ToString(),
    };
}
