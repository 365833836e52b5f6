namespace Functional.Nets;

/// <summary>
/// Image augmentation as pure tensor functions: whole-pixel shifts (a random crop of the zero-padded image is the
/// same thing) and horizontal flips, each sample by its own amount, all drawn from a core <see cref="Key"/>.
/// </summary>
/// <remarks>
/// The pixels never leave the backend's device. A shift and flip of one plane X [rows, columns] is a product with
/// 0/1 selection matrices, Y = A·X·Bᵀ, where A[r, r'] = 1 iff r' = r − dy (inside the frame) and
/// B[c, c'] = 1 iff c' = c − dx, or c' = columns − 1 − (c − dx) when flipped. The host computes only the
/// per-sample source indices (N·(rows + columns) integers); the matrices are their one-hot encodings on the
/// device and the products are batched matmuls there. Every output entry is one input pixel times 1 plus zeros
/// times 0, so the result is exact on every backend and dtype: the same key gives the same images everywhere.
/// </remarks>
public static class ImageAugmentation
{
    /// <summary>
    /// The draws for <paramref name="count"/> samples from <paramref name="key"/>: (dyᵢ, dxᵢ) = (⌊u₂ᵢ(2s+1)⌋ − s,
    /// ⌊u₂ᵢ₊₁(2s+1)⌋ − s) with u = key.Uniform(2N), and, when <paramref name="flips"/>, flipᵢ = v_i &lt; ½ with
    /// v = key.Fold(1).Uniform(N) (so turning flips on leaves the shifts of the same key unchanged).
    /// </summary>
    public static (int[] Dy, int[] Dx, bool[] Flip) Draw(Key key, int count, int maxShift, bool flips)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        var u = key.Uniform(checked(2 * count));
        var width = checked(2 * maxShift + 1);
        var dy = new int[count];
        var dx = new int[count];
        for (var i = 0; i < count; i++)
        {
            dy[i] = Math.Min((int)(u[2 * i] * width), width - 1) - maxShift;
            dx[i] = Math.Min((int)(u[2 * i + 1] * width), width - 1) - maxShift;
        }

        var flip = new bool[count];
        if (flips)
        {
            var v = key.Fold(1).Uniform(count);
            for (var i = 0; i < count; i++)
            {
                flip[i] = v[i] < 0.5;
            }
        }

        return (dy, dx, flip);
    }

    /// <summary>
    /// Sample i of <paramref name="images"/> ([N, C, rows, columns], or [N, C·rows·columns] flat) moved by
    /// (dy[i], dx[i]) pixels and, where flip[i], mirrored left–right first: out[r, c] = in[r − dy, c′] with
    /// c′ = c − dx (or columns − 1 − (c − dx) flipped) inside the frame, 0 outside. Shifts of 0 and no flips
    /// return the same values.
    /// </summary>
    /// <exception cref="LayerShapeException">The input does not hold whole planes of rows × columns per sample.</exception>
    /// <exception cref="ArgumentException">The draws do not have one entry per sample.</exception>
    public static Tensor Shift(Tensor images, int[] dy, int[] dx, bool[]? flip, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        var planes = PlanesPerSample(images.Shape, rows, columns, "ImageAugmentation.Shift");
        var n = images.Shape[0];
        if (dy.Length != n || dx.Length != n || (flip is not null && flip.Length != n))
        {
            throw new ArgumentException(
                $"ImageAugmentation.Shift: expected {n} shifts (one per sample), got dy {dy.Length}, dx {dx.Length}, flip {flip?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        }

        // Source row of output row r is r − dy; outside the frame it points at the extra class `rows`, whose
        // one-hot column is sliced off, leaving a zero row (the padding).
        var rowSource = new long[checked(n * rows)];
        var columnSource = new long[checked(n * columns)];
        for (var i = 0; i < n; i++)
        {
            for (var r = 0; r < rows; r++)
            {
                var s = r - dy[i];
                rowSource[i * rows + r] = s >= 0 && s < rows ? s : rows;
            }

            for (var c = 0; c < columns; c++)
            {
                var s = c - dx[i];
                var inside = s >= 0 && s < columns;
                columnSource[i * columns + c] = !inside ? columns : flip is not null && flip[i] ? columns - 1 - s : s;
            }
        }

        // No scope here: the caller's step scope owns the intermediates, as for every layer.
        var backend = images.Backend;
        var a = backend.FromIndices(rowSource, n, 1, rows).OneHot(rows + 1).Slice(3, 0, rows);
        var bt = backend.FromIndices(columnSource, n, 1, columns).OneHot(columns + 1).Slice(3, 0, columns).SwapAxes(2, 3);
        var moved = a.MatMul(images.Reshape(n, planes, rows, columns)).MatMul(bt);
        return moved.Reshape([.. images.Shape.Dims]);
    }

    /// <summary>Random shifts of ±<paramref name="maxShift"/> pixels (and flips when asked) drawn from <paramref name="key"/> by <see cref="Draw"/>.</summary>
    public static Tensor RandomShift(Tensor images, Key key, int maxShift, int rows, int columns, bool flips = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        PlanesPerSample(images.Shape, rows, columns, "ImageAugmentation.RandomShift");
        var (dy, dx, flip) = Draw(key, images.Shape[0], maxShift, flips);
        return Shift(images, dy, dx, flips ? flip : null, rows, columns);
    }

    /// <summary>Planes of rows × columns per sample, or a <see cref="LayerShapeException"/> naming <paramref name="who"/>.</summary>
    internal static int PlanesPerSample(Shape input, int rows, int columns, string who)
    {
        var plane = checked((long)rows * columns);
        var perSample = input.Rank >= 2 && input[0] > 0 ? input.Size / input[0] : 0;
        var imageShape = input.Rank == 2 || (input.Rank == 4 && input[2] == rows && input[3] == columns);
        return imageShape && perSample > 0 && perSample % plane == 0
            ? checked((int)(perSample / plane))
            : throw new LayerShapeException(who, "", $"[N, C·{rows}·{columns}] or [N, C, {rows}, {columns}]", input);
    }
}
