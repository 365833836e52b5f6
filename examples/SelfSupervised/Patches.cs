namespace Functional.Nets.Examples.SelfSupervised;

/// <summary>
/// Doersch et al.'s relative-position task scaled to 28×28 digits: a 3×3 grid of P×P patches (P = 7) with a gap of
/// G = 2 pixels between neighbours, so the grid spans 3P + 2G = 25 pixels, placed at offset 1; cell (r, c) has its
/// top-left corner at (1 + r(P + G), 1 + c(P + G)). A pair is the centre patch and one of its 8 neighbours, each
/// patch moved by an independent jitter of up to ±J = 1 pixel per axis (so neighbours are 0–4 pixels apart and
/// never share a pixel with certainty, and a stroke's continuation across the boundary is no reliable cue); the label
/// is the neighbour's position 0–7 in reading order (0 top-left, 3 left, 4 right, 7 bottom-right).
/// </summary>
internal static class Patches
{
    /// <summary>P, a patch's side.</summary>
    public const int Size = 7;

    /// <summary>G, the gap between neighbouring grid cells.</summary>
    public const int Gap = 2;

    /// <summary>J, the largest jitter per axis.</summary>
    public const int Jitter = 1;

    /// <summary>The relative positions (8 neighbours).</summary>
    public const int Positions = 8;

    /// <summary>The grid's cells.</summary>
    public const int Cells = 9;

    private const int Side = 28;
    private const int Origin = 1;

    /// <summary>
    /// <paramref name="perImage"/> pairs of every image in <paramref name="pixels"/> (N images of 28×28, row-major), each
    /// with its neighbour position and jitters drawn from <paramref name="key"/>: inputs [N·perImage, 2, P, P]
    /// (centre, neighbour) and the positions as labels with one-hot targets of 8 classes.
    /// </summary>
    public static Dataset Pairs(double[] pixels, int perImage, Key key, Backend backend)
    {
        var images = Count(pixels);
        var pairs = checked(images * perImage);
        var draws = key.Uniform(checked(pairs * 5));
        var x = new double[checked(pairs * 2 * Size * Size)];
        var labels = new int[pairs];
        for (var p = 0; p < pairs; p++)
        {
            var image = p / perImage;
            var position = Math.Min((int)(draws[5 * p] * Positions), Positions - 1);
            var cell = position < 4 ? position : position + 1;
            labels[p] = position;
            Copy(pixels, image, 1, 1, Shake(draws[(5 * p) + 1]), Shake(draws[(5 * p) + 2]), x, 2 * p);
            Copy(pixels, image, cell / 3, cell % 3, Shake(draws[(5 * p) + 3]), Shake(draws[(5 * p) + 4]), x, (2 * p) + 1);
        }

        return new Dataset(backend.FromArray(x, pairs, 2, Size, Size), OneHot.Encode(labels, Positions, backend), labels);
    }

    /// <summary>The 9 grid patches of every image, without jitter: [N, 9, P, P] in reading order, what the probes see.</summary>
    public static Tensor Grid(double[] pixels, Backend backend)
    {
        var images = Count(pixels);
        var x = new double[checked(images * Cells * Size * Size)];
        for (var i = 0; i < images; i++)
        {
            for (var cell = 0; cell < Cells; cell++)
            {
                Copy(pixels, i, cell / 3, cell % 3, 0, 0, x, (i * Cells) + cell);
            }
        }

        return backend.FromArray(x, images, Cells, Size, Size);
    }

    /// <summary>A uniform draw in [0, 1) as a jitter in −J … J.</summary>
    private static int Shake(double u) => Math.Min((int)(u * ((2 * Jitter) + 1)), 2 * Jitter) - Jitter;

    private static int Count(double[] pixels) =>
        pixels.Length % (Side * Side) == 0
            ? pixels.Length / (Side * Side)
            : throw new ArgumentException($"Patches: {pixels.Length} pixels are not a whole number of 28×28 images", nameof(pixels));

    /// <summary>Copies grid cell (row, column) of image <paramref name="image"/>, moved by (dy, dx), into patch slot <paramref name="slot"/> of <paramref name="target"/>.</summary>
    private static void Copy(double[] pixels, int image, int row, int column, int dy, int dx, double[] target, int slot)
    {
        var top = Origin + (row * (Size + Gap)) + dy;
        var left = Origin + (column * (Size + Gap)) + dx;
        for (var y = 0; y < Size; y++)
        {
            Array.Copy(pixels, (image * Side * Side) + ((top + y) * Side) + left, target, (slot * Size * Size) + (y * Size), Size);
        }
    }
}
