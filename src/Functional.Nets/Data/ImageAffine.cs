namespace Functional.Nets;

/// <summary>
/// Random affine distortions of images (rotation, scaling, translation), bilinear, zero outside the frame: the
/// augmentation that pays on small digit sets, where shifts alone leave the network to learn each slant and size
/// from few examples. Drawn from the core <see cref="Key"/> and computed on the host from the images' values (then
/// placed back on their backend), so every backend sees the same distorted pixels for the same key.
/// </summary>
public static class ImageAffine
{
    /// <summary>
    /// One draw per sample from <paramref name="key"/>: an angle uniform on ±<paramref name="maxDegrees"/> (in radians),
    /// a scale uniform on 1 ± <paramref name="maxScale"/>, and shifts uniform on ±<paramref name="maxShift"/> pixels
    /// (rows, then columns). The same key gives the same draws everywhere.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or bound is negative, or <paramref name="maxScale"/> ≥ 1.</exception>
    public static (double[] Angle, double[] Scale, double[] Dy, double[] Dx) Draw(Key key, int count, double maxDegrees, double maxScale, double maxShift)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckBounds(maxDegrees, maxScale, maxShift, "ImageAffine.Draw");
        var u = key.Uniform(checked(4 * count));
        var angle = new double[count];
        var scale = new double[count];
        var dy = new double[count];
        var dx = new double[count];
        for (var i = 0; i < count; i++)
        {
            angle[i] = ((2 * u[4 * i]) - 1) * maxDegrees * Math.PI / 180;
            scale[i] = 1 + (((2 * u[(4 * i) + 1]) - 1) * maxScale);
            dy[i] = ((2 * u[(4 * i) + 2]) - 1) * maxShift;
            dx[i] = ((2 * u[(4 * i) + 3]) - 1) * maxShift;
        }

        return (angle, scale, dy, dx);
    }

    /// <summary>
    /// Sample i of <paramref name="images"/> ([N, C, rows, columns], or [N, C·rows·columns] flat) rotated by angle[i]
    /// (counter-clockwise as displayed, rows growing downwards), scaled by scale[i] about the image's centre and moved
    /// by (dy[i], dx[i]) pixels; each output pixel p takes the input at the inverse map
    /// <c>q = A⁻¹ (p − o − t) + o</c>, A = s·R(θ), o the centre ((rows − 1)/2, (columns − 1)/2), by bilinear
    /// interpolation among its four neighbours, a neighbour outside the frame counting 0. The identity (0, 1, 0, 0)
    /// returns the same values; an integer shift alone equals <see cref="ImageAugmentation.Shift"/>'s.
    /// </summary>
    /// <exception cref="LayerShapeException">The input does not hold whole planes of rows × columns per sample.</exception>
    /// <exception cref="ArgumentException">The draws do not have one entry per sample, or a scale is not positive.</exception>
    public static Tensor Apply(Tensor images, double[] angle, double[] scale, double[] dy, double[] dx, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(angle);
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        var planes = ImageAugmentation.PlanesPerSample(images.Shape, rows, columns, "ImageAffine.Apply");
        var n = images.Shape[0];
        if (angle.Length != n || scale.Length != n || dy.Length != n || dx.Length != n)
        {
            throw new ArgumentException(
                $"ImageAffine.Apply: expected {n} draws (one per sample), got angle {angle.Length}, scale {scale.Length}, dy {dy.Length}, dx {dx.Length}");
        }

        var bad = Array.FindIndex(scale, s => !(s > 0));
        if (bad >= 0)
        {
            throw new ArgumentException($"ImageAffine.Apply: every scale must be positive, got {scale[bad]} for sample {bad}", nameof(scale));
        }

        var source = images.ToArray();
        var target = new double[source.Length];
        var plane = rows * columns;
        double oy = (rows - 1) / 2.0, ox = (columns - 1) / 2.0;
        for (var i = 0; i < n; i++)
        {
            // A⁻¹ = R(−θ)/s: [cos θ, sin θ; −sin θ, cos θ]/s acting on (y, x), with θ counter-clockwise on screen
            // (y grows downwards, so the rotation's sign flips against the usual x-up convention).
            double c = Math.Cos(angle[i]) / scale[i], s = Math.Sin(angle[i]) / scale[i];
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < columns; k++)
                {
                    double py = r - oy - dy[i], px = k - ox - dx[i];
                    var qy = (c * py) + (s * px) + oy;
                    var qx = (-s * py) + (c * px) + ox;
                    int y0 = (int)Math.Floor(qy), x0 = (int)Math.Floor(qx);
                    double fy = qy - y0, fx = qx - x0;
                    for (var p = 0; p < planes; p++)
                    {
                        var at = ((i * planes) + p) * plane;
                        double Pixel(int y, int x) => y >= 0 && y < rows && x >= 0 && x < columns ? source[at + (y * columns) + x] : 0;

                        // Bilinear: (1 − fy)((1 − fx) q₀₀ + fx q₀₁) + fy((1 − fx) q₁₀ + fx q₁₁).
                        target[at + (r * columns) + k] =
                            ((1 - fy) * (((1 - fx) * Pixel(y0, x0)) + (fx * Pixel(y0, x0 + 1)))) +
                            (fy * (((1 - fx) * Pixel(y0 + 1, x0)) + (fx * Pixel(y0 + 1, x0 + 1))));
                    }
                }
            }
        }

        return images.Backend.FromArray(target, images.Shape);
    }

    /// <summary>Random affine distortions drawn from <paramref name="key"/> by <see cref="Draw"/> and applied by <see cref="Apply"/>.</summary>
    public static Tensor Random(Tensor images, Key key, double maxDegrees, double maxScale, double maxShift, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(images);
        ImageAugmentation.PlanesPerSample(images.Shape, rows, columns, "ImageAffine.Random");
        var (angle, scale, dy, dx) = Draw(key, images.Shape[0], maxDegrees, maxScale, maxShift);
        return Apply(images, angle, scale, dy, dx, rows, columns);
    }

    /// <summary>The bounds' checks, naming <paramref name="who"/> and the offending parameter.</summary>
    internal static void CheckBounds(double maxDegrees, double maxScale, double maxShift, string who)
    {
        if (!(maxDegrees >= 0 && maxDegrees <= 180))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegrees), maxDegrees, $"{who}: the largest rotation must lie in [0, 180] degrees, got maxDegrees={maxDegrees}");
        }

        if (!(maxScale >= 0 && maxScale < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxScale), maxScale, $"{who}: the largest change of size must lie in [0, 1), got maxScale={maxScale}");
        }

        if (!(maxShift >= 0 && double.IsFinite(maxShift)))
        {
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, $"{who}: the largest shift must be finite and ≥ 0, got maxShift={maxShift}");
        }
    }
}
