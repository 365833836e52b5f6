using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Raised when the lengths of a batch of variable-length sequences do not fit the padded input [N, T, F]: a length
/// outside [1, T]. The message names the layer, the expected range and the offending entry, e.g.
/// <c>Lstm(3→5): expected lengths in [1, 7] (T of input [4, 7, 3]), got lengths[2] = 9</c>. A wrong number of
/// lengths is a <see cref="LayerShapeException"/> (the lengths' shape [count] against [N]).
/// </summary>
public sealed class SequenceLengthException : ShapeMismatchException
{
    /// <summary>Creates the exception for entry <paramref name="index"/> of the lengths given to <paramref name="layer"/>.</summary>
    public SequenceLengthException(string layer, int index, int length, int steps, Shape input)
        : base(string.Create(CultureInfo.InvariantCulture, $"{layer}: expected lengths in [1, {steps}] (T of input {input}), got lengths[{index}] = {length}"))
    {
        Layer = layer;
        Index = index;
        Length = length;
        Steps = steps;
    }

    /// <summary>The layer's description.</summary>
    public string Layer { get; }

    /// <summary>The position of the offending length (the sequence in the batch).</summary>
    public int Index { get; }

    /// <summary>The offending length.</summary>
    public int Length { get; }

    /// <summary>T, the padded length of the input.</summary>
    public int Steps { get; }

    /// <summary>Checks one length per sequence (<paramref name="batch"/> of them), each in [1, <paramref name="steps"/>]; null passes.</summary>
    internal static void Check(string layer, IReadOnlyList<int>? lengths, Shape input, int batch, int steps)
    {
        if (lengths is null)
        {
            return;
        }

        if (lengths.Count != batch)
        {
            throw new LayerShapeException(layer, "", $"lengths [{batch}] (one per sequence of input {input})", new Shape(lengths.Count));
        }

        for (var i = 0; i < lengths.Count; i++)
        {
            if (lengths[i] < 1 || lengths[i] > steps)
            {
                throw new SequenceLengthException(layer, i, lengths[i], steps, input);
            }
        }
    }
}
