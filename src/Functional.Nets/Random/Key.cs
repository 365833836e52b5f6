namespace Functional.Nets;

/// <summary>
/// A pure, splittable, counter-based random key (JAX's model). A key is a value: the same key
/// always yields the same numbers, on every backend, in every process; to get independent streams,
/// <see cref="Split(int)"/> it. There is no hidden generator state anywhere in the library.
/// </summary>
/// <remarks>
/// The i-th 64-bit word of a key's stream is mix(mix(k₀ ⊕ c) + k₁ + i·γ), where mix is SplitMix64's
/// finalizer (Steele, Lea and Flood 2014) and γ = 0x9E3779B97F4A7C15 is its golden-ratio increment.
/// Statistically sound for simulation; not cryptographic.
/// </remarks>
public readonly record struct Key(ulong Hi, ulong Lo)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>A key derived from an integer seed.</summary>
    public static Key FromSeed(long seed) => new(Mix((ulong)seed ^ 0x243F6A8885A308D3UL), Mix((ulong)seed + Gamma));

    /// <summary>A key derived from an integer seed (same as the <see cref="long"/> overload; spares F# the <c>L</c> suffix).</summary>
    public static Key FromSeed(int seed) => FromSeed((long)seed);

    /// <summary><paramref name="count"/> independent keys derived from this one.</summary>
    public Key[] Split(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var keys = new Key[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = Fold((ulong)i);
        }

        return keys;
    }

    /// <summary>Two independent keys derived from this one.</summary>
    public (Key, Key) Split()
    {
        var k = Split(2);
        return (k[0], k[1]);
    }

    /// <summary>A key derived from this one and <paramref name="data"/> (e.g. a step number).</summary>
    public Key Fold(ulong data)
    {
        var a = Mix(Hi ^ Mix(data + 0x13198A2E03707344UL));
        var b = Mix(Lo + Mix(data ^ 0xA4093822299F31D0UL) + a);
        return new Key(a, b);
    }

    /// <summary>The i-th 64-bit word of this key's stream.</summary>
    public ulong Bits(long index) => Mix(StreamBasis + (ulong)index * Gamma);

    /// <summary><paramref name="count"/> numbers uniform on [0, 1), 53 bits each.</summary>
    public double[] Uniform(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var u = new double[count];

        // Bits(i), with the key's part of the word (StreamBasis) mixed once rather than once per number: the same words.
        var basis = StreamBasis;
        for (var i = 0; i < count; i++)
        {
            u[i] = (Mix(basis + ((ulong)i * Gamma)) >> 11) * (1.0 / (1UL << 53));
        }

        return u;
    }

    /// <summary>
    /// Writes a Bernoulli mask: entry i is <paramref name="keep"/> when the i-th number of <see cref="Uniform(int)"/>
    /// is ≥ <paramref name="p"/>, else 0 — the same entries as drawing those numbers and comparing, without making
    /// them: uᵢ = (Bits(i) ≫ 11)·2⁻⁵³ ≥ p holds exactly when the integer Bits(i) ≫ 11 is ≥ ⌈p·2⁵³⌉ (p·2⁵³ is exact,
    /// a power-of-two scaling), so each entry costs one word and one integer comparison.
    /// </summary>
    internal void BernoulliMask<T>(Span<T> destination, double p, T keep)
        where T : struct
    {
        var threshold = (ulong)Math.Ceiling(p * (1UL << 53));
        var basis = StreamBasis;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (Mix(basis + ((ulong)i * Gamma)) >> 11) >= threshold ? keep : default;
        }
    }

    /// <summary><paramref name="count"/> numbers uniform on [low, high).</summary>
    public double[] Uniform(int count, double low, double high)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || low > high)
        {
            throw new ArgumentOutOfRangeException(nameof(high), $"Key.Uniform: expected finite bounds with low ≤ high, got low {low} and high {high}");
        }

        var u = Uniform(count);
        for (var i = 0; i < count; i++)
        {
            u[i] = low + (high - low) * u[i];
        }

        return u;
    }

    /// <summary>
    /// <paramref name="count"/> standard normal numbers by the Box–Muller transform:
    /// z₀ = √(−2 ln u₁) cos 2πu₂, z₁ = √(−2 ln u₁) sin 2πu₂ with u₁ ∈ (0, 1].
    /// </summary>
    public double[] Normal(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var z = new double[count];
        for (var i = 0; i < count; i += 2)
        {
            var u1 = 1.0 - (Bits(i) >> 11) * (1.0 / (1UL << 53));
            var u2 = (Bits(i + 1) >> 11) * (1.0 / (1UL << 53));
            var r = Math.Sqrt(-2.0 * Math.Log(u1));
            z[i] = r * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < count)
            {
                z[i + 1] = r * Math.Sin(2 * Math.PI * u2);
            }
        }

        return z;
    }

    /// <summary>
    /// Entries <paramref name="first"/> and <paramref name="first"/> + 1 (<paramref name="first"/> even) of
    /// <see cref="Normal"/>'s stream, z₀ = √(−2 ln u₁) cos 2πu₂ and z₁ = √(−2 ln u₁) sin 2πu₂, without the array: for
    /// a consumer that walks a long direction entry by entry (the fast gradient check).
    /// </summary>
    internal (double Even, double Odd) NormalPair(long first)
    {
        var u1 = 1.0 - (Bits(first) >> 11) * (1.0 / (1UL << 53));
        var u2 = (Bits(first + 1) >> 11) * (1.0 / (1UL << 53));
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }

    /// <summary>A uniformly random permutation of 0..n−1 (Fisher–Yates driven by this key).</summary>
    public int[] Permutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var p = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            // Lemire's multiply-shift maps 64 random bits to [0, i] with negligible bias for i < 2^31.
            var j = (int)(((UInt128)Bits(i) * (ulong)(i + 1)) >> 64);
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }

    // The key's part of every word of its stream, mix(k₀ ⊕ c) + k₁ (see the class summary).
    private ulong StreamBasis => Mix(Hi ^ 0x082EFA98EC4E6C89UL) + Lo;

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
