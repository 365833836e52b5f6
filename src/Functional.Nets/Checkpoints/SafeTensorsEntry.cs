namespace Functional.Nets;

/// <summary>One tensor's entry in a safetensors header, as validated by <see cref="SafeTensorsHeader"/>.</summary>
/// <param name="Name">The tensor's name (a PyTorch <c>state_dict</c> key such as <c>0.weight</c>).</param>
/// <param name="DType">The element type as the format spells it: <c>F32</c>, <c>F64</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>, ...</param>
/// <param name="Shape">The shape (the empty shape for a scalar).</param>
/// <param name="Begin">The first byte, relative to the start of the data buffer.</param>
/// <param name="End">One past the last byte, relative to the start of the data buffer.</param>
public sealed record SafeTensorsEntry(string Name, string DType, Shape Shape, long Begin, long End)
{
    /// <summary>The tensor's name (a PyTorch <c>state_dict</c> key such as <c>0.weight</c>).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>The element type as the format spells it: <c>F32</c>, <c>F64</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>, ...</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string DType { get; init => field = value ?? throw new ArgumentNullException(nameof(DType)); } = DType ?? throw new ArgumentNullException(nameof(DType));

    /// <summary>The number of elements.</summary>
    public long ElementCount => Shape.Size;

    /// <summary>The number of bytes, End − Begin.</summary>
    public long ByteCount => End - Begin;

    /// <summary>Formats as <c>0.weight F32 [3, 2] @[0, 24)</c>.</summary>
    public override string ToString() => $"{Name} {DType} {Shape} @[{Begin}, {End})";
}
