namespace Functional.Nets.Reference;

/// <summary>
/// Batch normalization with batch statistics, forward and hand-derived VJP side by side. The input has
/// shape [N, C, *]; entry (n, c, r) of channel c sits at flat index (n·C + c)·inner + r, where inner is the
/// product of the trailing dimensions, so each channel has M = N·inner entries xᵢ.
/// </summary>
/// <remarks>
/// <para>Forward, per channel (the batch-norm paper's Algorithm 1, with the biased variance):</para>
/// <code>
/// μ = Σᵢ xᵢ / M
/// σ² = Σᵢ (xᵢ − μ)² / M
/// x̂ᵢ = (xᵢ − μ) / √(σ² + ε)
/// yᵢ = γ·x̂ᵢ + β
/// </code>
/// <para>
/// VJP, the lecture's derivation: given ȳ = ∂ℓ/∂y, walk the graph x → (μ, σ²) → x̂ → y backwards. x̂ᵢ
/// depends on xᵢ directly, on μ, and on σ²; σ² depends on μ and every xᵢ; μ on every xᵢ. So
/// </para>
/// <code>
/// ∂ℓ/∂x̂ᵢ = ∂ℓ/∂yᵢ · γ
/// ∂ℓ/∂σ²  = Σᵢ ∂ℓ/∂x̂ᵢ · (xᵢ − μ) · (−½)(σ² + ε)^(−3/2)
/// ∂ℓ/∂μ   = Σᵢ ∂ℓ/∂x̂ᵢ · (−1/√(σ² + ε)) + ∂ℓ/∂σ² · Σᵢ (−2(xᵢ − μ)) / M
/// ∂ℓ/∂xᵢ  = ∂ℓ/∂x̂ᵢ / √(σ² + ε) + ∂ℓ/∂σ² · 2(xᵢ − μ)/M + ∂ℓ/∂μ / M
/// ∂ℓ/∂γ   = Σᵢ ∂ℓ/∂yᵢ · x̂ᵢ
/// ∂ℓ/∂β   = Σᵢ ∂ℓ/∂yᵢ
/// </code>
/// <para>
/// (∂x̂ᵢ/∂σ² = (xᵢ − μ)·(−½)(σ² + ε)^(−3/2); ∂x̂ᵢ/∂μ = −1/√(σ² + ε) and ∂σ²/∂μ = Σᵢ −2(xᵢ − μ)/M, which is
/// zero in exact arithmetic but is kept as derived; ∂x̂ᵢ/∂xᵢ = 1/√(σ² + ε), ∂σ²/∂xᵢ = 2(xᵢ − μ)/M,
/// ∂μ/∂xᵢ = 1/M.) The statistics μ and σ² are also returned for the running averages; no gradient flows
/// back through those two outputs.
/// </para>
/// </remarks>
internal static class BatchNormPrimitive
{
    /// <summary>The layout of a [N, C, *] shape: batch N, channels C, trailing size inner.</summary>
    public static (int N, int C, int Inner) Split(Shape shape)
    {
        var inner = 1;
        for (var d = 2; d < shape.Rank; d++)
        {
            inner *= shape.Dims[d];
        }

        return (shape.Dims[0], shape.Dims[1], inner);
    }

    /// <summary>The forward pass: y, and μ and σ² (biased) per channel.</summary>
    public static (double[] Y, double[] Mean, double[] Variance) Forward(double[] x, double[] gamma, double[] beta, double epsilon, int n, int c, int inner)
    {
        var m = (double)n * inner;
        var mean = new double[c];
        var variance = new double[c];
        var y = new double[x.Length];
        for (var ch = 0; ch < c; ch++)
        {
            double sum = 0;
            foreach (var i in Entries(ch, n, c, inner))
            {
                sum += x[i];
            }

            var mu = sum / m;
            double squares = 0;
            foreach (var i in Entries(ch, n, c, inner))
            {
                squares += (x[i] - mu) * (x[i] - mu);
            }

            var sigma2 = squares / m;
            var std = Math.Sqrt(sigma2 + epsilon);
            foreach (var i in Entries(ch, n, c, inner))
            {
                y[i] = gamma[ch] * ((x[i] - mu) / std) + beta[ch];
            }

            mean[ch] = mu;
            variance[ch] = sigma2;
        }

        return (y, mean, variance);
    }

    /// <summary>The VJP: (x̄, γ̄, β̄) from ȳ, with the statistics the forward pass computed.</summary>
    public static double[][] Vjp(double[] g, double[] x, double[] gamma, double[] mean, double[] variance, double epsilon, int n, int c, int inner)
    {
        var m = (double)n * inner;
        var gx = new double[x.Length];
        var gGamma = new double[c];
        var gBeta = new double[c];
        for (var ch = 0; ch < c; ch++)
        {
            var mu = mean[ch];
            var std = Math.Sqrt(variance[ch] + epsilon);

            // ∂ℓ/∂σ² = Σ ∂ℓ/∂x̂·(x − μ)·(−½)(σ² + ε)^(−3/2), with ∂ℓ/∂x̂ = ∂ℓ/∂y·γ.
            double dVariance = 0;
            double dMeanDirect = 0;
            double centredSum = 0;
            double dGamma = 0;
            double dBeta = 0;
            foreach (var i in Entries(ch, n, c, inner))
            {
                var dXhat = g[i] * gamma[ch];
                dVariance += dXhat * (x[i] - mu);
                dMeanDirect += dXhat;
                centredSum += -2 * (x[i] - mu);
                dGamma += g[i] * ((x[i] - mu) / std);
                dBeta += g[i];
            }

            dVariance *= -0.5 / (std * std * std);

            // ∂ℓ/∂μ = Σ ∂ℓ/∂x̂·(−1/√(σ² + ε)) + ∂ℓ/∂σ²·Σ(−2(x − μ))/M.
            var dMean = -dMeanDirect / std + dVariance * centredSum / m;

            // ∂ℓ/∂x = ∂ℓ/∂x̂/√(σ² + ε) + ∂ℓ/∂σ²·2(x − μ)/M + ∂ℓ/∂μ/M.
            foreach (var i in Entries(ch, n, c, inner))
            {
                var dXhat = g[i] * gamma[ch];
                gx[i] = dXhat / std + dVariance * 2 * (x[i] - mu) / m + dMean / m;
            }

            gGamma[ch] = dGamma;
            gBeta[ch] = dBeta;
        }

        return [gx, gGamma, gBeta];
    }

    /// <summary>The flat indices of channel <paramref name="ch"/>'s entries, batch-major.</summary>
    private static IEnumerable<int> Entries(int ch, int n, int c, int inner)
    {
        for (var b = 0; b < n; b++)
        {
            var start = (b * c + ch) * inner;
            for (var r = 0; r < inner; r++)
            {
                yield return start + r;
            }
        }
    }
}
