namespace Functional.Nets.Examples.TextClassification;

/// <summary>Lengths of id sequences padded at the end with <see cref="TokenIds.Padding"/>, and the batch cut to its longest.</summary>
internal static class PaddedIds
{
    /// <summary>Each row's length (its ids before the first padding, at least 1), and the input cut to max(longest, <paramref name="minLength"/>) steps.</summary>
    public static (int[] Lengths, Tensor Trimmed) Trim(Tensor input, int minLength)
    {
        if (input.Shape.Rank != 2 || !input.IsIndex)
        {
            throw new ShapeMismatchException($"expected int64 token ids [N, T], got a {input.DType.Name()} tensor of shape {input.Shape}");
        }

        int n = input.Shape[0], t = input.Shape[1];
        var ids = input.ToIndexArray();
        var lengths = new int[n];
        for (var i = 0; i < n; i++)
        {
            var length = 0;
            while (length < t && ids[i * t + length] != TokenIds.Padding)
            {
                length++;
            }

            lengths[i] = Math.Max(1, length);
        }

        var steps = Math.Min(t, Math.Max(minLength, lengths.Max()));
        if (steps == t)
        {
            return (lengths, input);
        }

        // Index tensors are not sliced on the device (indices are not differentiable values); the host copy is at hand.
        var cut = new long[checked(n * steps)];
        for (var i = 0; i < n; i++)
        {
            Array.Copy(ids, i * t, cut, i * steps, steps);
        }

        return (lengths, input.Backend.FromIndices(cut, n, steps));
    }
}
