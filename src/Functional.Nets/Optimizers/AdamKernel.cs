using System.Numerics;
using System.Runtime.InteropServices;

namespace Functional.Nets;

/// <summary>
/// Adam's whole update (<see cref="ScaleByAdam"/> followed by the rate, θ + c·u) in one pass over host memory:
/// for each entry, m′ = m + (g − m)·w, v′ = v·β₂ + (g·g)·(1 − β₂), θ′ = θ + (m′ / (√v′·s + ε))·γ, with w = 1 − β₁,
/// s = 1/√(1 − β₂ᵗ) and γ = c/(1 − β₁ᵗ). With decoupled weight decay λ (AdamW: <see cref="ScaleByAdam"/>, then
/// <see cref="AddDecayedWeights"/>, then the rate) the last line is θ′ = θ + ((m′ / (√v′·s + ε))·k + θ·λ)·c with
/// k = 1/(1 − β₁ᵗ), the chain's own order; with the L2 penalty λ₀ before Adam (<c>torch.optim.Adam</c>'s
/// <c>weight_decay</c>: <see cref="AddDecayedWeights"/>, then <see cref="ScaleByAdam"/>) g is g + θ·λ₀ throughout. The same roundings, in the same order, as the plain composition of
/// <see cref="UpdateMaps"/> (interpolation, scaled square, ratio to root, scaled sums); what it saves is memory traffic and calls:
/// libtorch's six kernels (and <c>torch.optim.Adam</c>'s) read and write the flat buffers about seventeen times in all,
/// this loop reads g, m, v, θ once and writes m′, v′, θ′ once, and runs as one call whatever the number of entries.
/// </summary>
/// <remarks>
/// Every entry is computed with the same operations whether it falls in a SIMD lane or the scalar tail (no fused
/// multiply-add in either), so a result never depends on where an entry sits in its buffer.
/// </remarks>
internal static class AdamKernel
{
    /// <summary>
    /// Adam's coefficients for one step: w = 1 − β₁, β₂, 1 − β₂, s, ε and γ as described on the class; with
    /// <paramref name="Decay"/> λ (decoupled weight decay), <paramref name="Gamma"/> is the rate c alone and
    /// <paramref name="Correction"/> is k = 1/(1 − β₁ᵗ); with <paramref name="GradientDecay"/> λ₀ (an L2 penalty) the
    /// gradient is g + θ·λ₀.
    /// </summary>
    public readonly record struct Coefficients(double Weight, double Beta2, double OneMinusBeta2, double Scale, double Epsilon, double Gamma, double? Decay = null, double Correction = 1, double? GradientDecay = null);

    /// <summary>
    /// Runs the update on host memory when <paramref name="theta"/>'s backend offers <see cref="IHostMemory"/> for all
    /// four operands (in place when <paramref name="reuse"/>, else into fresh tensors); null when it cannot, so that the
    /// caller runs the composition instead. Returns [θ′, m′, v′].
    /// </summary>
    public static Tensor[]? TryStep(Tensor g, Tensor m, Tensor v, Tensor theta, in Coefficients c, bool reuse) =>
        theta.DType switch
        {
            DType.Float32 => TryStep<float>(g, m, v, theta, c, reuse),
            DType.Float64 => TryStep<double>(g, m, v, theta, c, reuse),
            _ => null,
        };

    /// <summary>
    /// The loop itself: m′, v′, θ′ from g, m, v, θ (all of one length). An output may be its own input (in place); no
    /// output may overlap any other operand.
    /// </summary>
    public static void Step<T>(
        ReadOnlySpan<T> g, ReadOnlySpan<T> m, ReadOnlySpan<T> v, ReadOnlySpan<T> theta,
        Span<T> mOut, Span<T> vOut, Span<T> thetaOut, in Coefficients c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = g.Length;
        if (m.Length != n || v.Length != n || theta.Length != n || mOut.Length != n || vOut.Length != n || thetaOut.Length != n)
        {
            throw new ArgumentException(
                $"AdamKernel: operands of {g.Length}, {m.Length}, {v.Length}, {theta.Length} entries and outputs of {mOut.Length}, {vOut.Length}, {thetaOut.Length} must all have one length");
        }

        // Each coefficient rounded to T once, as the composition converts its scalars.
        var w = T.CreateChecked(c.Weight);
        var b2 = T.CreateChecked(c.Beta2);
        var ob2 = T.CreateChecked(c.OneMinusBeta2);
        var s = T.CreateChecked(c.Scale);
        var eps = T.CreateChecked(c.Epsilon);
        var gamma = T.CreateChecked(c.Gamma);
        var decoupled = c.Decay is not null;
        var lambda = T.CreateChecked(c.Decay ?? 0);
        var k1 = T.CreateChecked(c.Correction);
        var coupled = c.GradientDecay is not null;
        var lambda0 = T.CreateChecked(c.GradientDecay ?? 0);
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            var gv = MemoryMarshal.Cast<T, Vector<T>>(g);
            var mv = MemoryMarshal.Cast<T, Vector<T>>(m);
            var vv = MemoryMarshal.Cast<T, Vector<T>>(v);
            var tv = MemoryMarshal.Cast<T, Vector<T>>(theta);
            var mo = MemoryMarshal.Cast<T, Vector<T>>(mOut);
            var vo = MemoryMarshal.Cast<T, Vector<T>>(vOut);
            var to = MemoryMarshal.Cast<T, Vector<T>>(thetaOut);
            var wV = new Vector<T>(w);
            var b2V = new Vector<T>(b2);
            var ob2V = new Vector<T>(ob2);
            var sV = new Vector<T>(s);
            var epsV = new Vector<T>(eps);
            var gammaV = new Vector<T>(gamma);
            var lambdaV = new Vector<T>(lambda);
            var k1V = new Vector<T>(k1);
            var lambda0V = new Vector<T>(lambda0);
            for (var k = 0; k < gv.Length; k++)
            {
                var gk = coupled ? gv[k] + (tv[k] * lambda0V) : gv[k];
                var mk = mv[k] + ((gk - mv[k]) * wV);
                var vk = (vv[k] * b2V) + ((gk * gk) * ob2V);
                var rk = mk / ((Vector.SquareRoot(vk) * sV) + epsV);
                var tk = decoupled ? tv[k] + (((rk * k1V) + (tv[k] * lambdaV)) * gammaV) : tv[k] + (rk * gammaV);
                mo[k] = mk;
                vo[k] = vk;
                to[k] = tk;
            }

            i = gv.Length * Vector<T>.Count;
        }

        for (; i < n; i++)
        {
            var gi = coupled ? g[i] + (theta[i] * lambda0) : g[i];
            var mi = m[i] + ((gi - m[i]) * w);
            var vi = (v[i] * b2) + ((gi * gi) * ob2);
            var ri = mi / ((T.Sqrt(vi) * s) + eps);
            var ti = decoupled ? theta[i] + (((ri * k1) + (theta[i] * lambda)) * gamma) : theta[i] + (ri * gamma);
            mOut[i] = mi;
            vOut[i] = vi;
            thetaOut[i] = ti;
        }
    }

    private static Tensor[]? TryStep<T>(Tensor g, Tensor m, Tensor v, Tensor theta, in Coefficients c, bool reuse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Capabilities.Of<IHostMemory>(theta.Backend) is not { } host
            || !host.TryGetSpan<T>(g, out var gs) || !host.TryGetSpan<T>(m, out var ms)
            || !host.TryGetSpan<T>(v, out var vs) || !host.TryGetSpan<T>(theta, out var ts))
        {
            return null;
        }

        if (reuse)
        {
            Step<T>(gs, ms, vs, ts, ms, vs, ts, c);
            return [theta, m, v];
        }

        var fresh = new Tensor?[3];
        try
        {
            for (var k = 0; k < fresh.Length; k++)
            {
                fresh[k] = host.AllocateUninitialized(theta.Shape);
                if (fresh[k] is null)
                {
                    return null;
                }
            }

            if (!host.TryGetSpan<T>(fresh[0]!, out var to) || !host.TryGetSpan<T>(fresh[1]!, out var mo) || !host.TryGetSpan<T>(fresh[2]!, out var vo))
            {
                return null;
            }

            Step<T>(gs, ms, vs, ts, mo, vo, to, c);
            var result = new[] { fresh[0]!, fresh[1]!, fresh[2]! };
            fresh[0] = fresh[1] = fresh[2] = null;
            return result;
        }
        finally
        {
            foreach (var t in fresh)
            {
                t?.Dispose();
            }
        }
    }
}
