namespace Functional.Nets;

/// <summary>One-hot encoding of class indices.</summary>
public static class OneHot
{
    /// <summary>
    /// The [N, <paramref name="classes"/>] matrix with Yᵢⱼ = 1 where j = labelsᵢ and 0 elsewhere, on <paramref name="backend"/>.
    /// </summary>
    /// <param name="labels">N class indices, each in [0, classes).</param>
    /// <param name="classes">The number of classes (≥ 1).</param>
    /// <param name="backend">Where the result lives.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is below 1, or a label is outside [0, classes); the message names its position.</exception>
    public static Tensor Encode(IReadOnlyList<int> labels, int classes, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(backend);
        if (classes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "OneHot.Encode: the number of classes must be at least 1");
        }

        var y = new double[checked((long)labels.Count * classes)];
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if (label < 0 || label >= classes)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(labels), label, $"OneHot.Encode: label {label} at position {i} is outside [0, {classes}) for {classes} classes");
            }

            y[(long)i * classes + label] = 1;
        }

        return backend.FromArray(y, new Shape(labels.Count, classes));
    }
}
