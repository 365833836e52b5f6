using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Functional.Nets;

/// <summary>
/// The safetensors element types this library reads, with their sizes and their conversion to
/// <see cref="double"/>. Every value of F16, BF16, F32, I32, I16, I8, U8, U16, U32 and BOOL converts exactly;
/// I64 and U64 convert exactly up to 2^53 in magnitude (a counter such as PyTorch's
/// <c>num_batches_tracked</c>) and are rounded to nearest beyond it. Data are little-endian, as the format
/// requires, whatever the machine's byte order.
/// </summary>
public static class SafeTensorsDTypes
{
    /// <summary>IEEE 754 binary32, written for float32 tensors.</summary>
    public const string F32 = "F32";

    /// <summary>IEEE 754 binary64, written for float64 tensors.</summary>
    public const string F64 = "F64";

    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8,
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I64"] = 8,
        ["I32"] = 4,
        ["I16"] = 2,
        ["I8"] = 1,
        ["U64"] = 8,
        ["U32"] = 4,
        ["U16"] = 2,
        ["U8"] = 1,
        ["BOOL"] = 1,
    };

    /// <summary>The dtypes <see cref="SafeTensors.Read(string, Backend)"/> converts, as the format spells them.</summary>
    public static IReadOnlyCollection<string> Readable => Sizes.Keys;

    /// <summary>The size in bytes of one element of <paramref name="dtype"/>, or false if this library does not read it.</summary>
    public static bool TryGetSize(string dtype, out int size) => Sizes.TryGetValue(dtype, out size);

    /// <summary>The dtype written for a tensor of <paramref name="dtype"/>.</summary>
    public static string For(DType dtype) => dtype switch
    {
        DType.Float32 => F32,
        DType.Float64 => F64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors dtype for this element type"),
    };

    /// <summary>Converts little-endian elements of <paramref name="dtype"/> in <paramref name="source"/> to doubles.</summary>
    internal static void Decode(string dtype, ReadOnlySpan<byte> source, Span<double> target)
    {
        switch (dtype)
        {
            case "F64":
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, double>(source).CopyTo(target);
                }
                else
                {
                    for (var i = 0; i < target.Length; i++)
                    {
                        target[i] = BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                    }
                }

                break;
            case "F32":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                break;
            case "F16":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                }

                break;
            case "BF16":
                // bfloat16 is the upper half of a binary32: shift its 16 bits into place.
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                }

                break;
            case "I64":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(8 * i)..]);
                }

                break;
            case "I32":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(4 * i)..]);
                }

                break;
            case "I16":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(2 * i)..]);
                }

                break;
            case "I8":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = (sbyte)source[i];
                }

                break;
            case "U64":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(8 * i)..]);
                }

                break;
            case "U32":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadUInt32LittleEndian(source[(4 * i)..]);
                }

                break;
            case "U16":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]);
                }

                break;
            case "U8":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = source[i];
                }

                break;
            case "BOOL":
                for (var i = 0; i < target.Length; i++)
                {
                    target[i] = source[i] != 0 ? 1 : 0;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a readable safetensors dtype");
        }
    }

    /// <summary>Converts doubles to little-endian elements of F32 (rounding to nearest) or F64 (exact).</summary>
    internal static void Encode(string dtype, ReadOnlySpan<double> source, Span<byte> target)
    {
        switch (dtype)
        {
            case F64:
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.AsBytes(source).CopyTo(target);
                }
                else
                {
                    for (var i = 0; i < source.Length; i++)
                    {
                        BinaryPrimitives.WriteDoubleLittleEndian(target[(8 * i)..], source[i]);
                    }
                }

                break;
            case F32:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(target[(4 * i)..], (float)source[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "this library writes only F32 and F64");
        }
    }
}
