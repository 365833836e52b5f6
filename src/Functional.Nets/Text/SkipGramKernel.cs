using System.Numerics;
using System.Numerics.Tensors;

namespace Functional.Nets;

/// <summary>
/// Word2vec's inner loop over host memory: the triples of a batch taken one after another, each an SGD step on its own
/// objective ℓ = softplus(−⟨x′_w, x_u⟩) + Σᵢ softplus(⟨x′_vᵢ, x_u⟩) at the tables as the previous triples left them
/// (word2vec's and gensim's order, where <see cref="SkipGram.Step"/> takes a whole batch's gradients at one point).
/// The gradients are written out by hand, as word2vec does: with sⱼ = ⟨x′ⱼ, x_u⟩ and gⱼ = σ(sⱼ) − [j = context],
/// ∂ℓ/∂x_u = Σⱼ gⱼ·x′ⱼ and ∂ℓ/∂x′ⱼ = gⱼ·x_u.
/// </summary>
/// <remarks>
/// Within one triple every gradient is taken at the same point (all scores first, then the output rows, then the centre
/// row), so a triple's step is exactly <see cref="SkipGram.Step"/> on a batch of that triple alone, a noise word drawn
/// twice moving its row twice; the tests hold the kernel to that fold of autodiff steps. Vector arithmetic is
/// <see cref="TensorPrimitives"/>' (SIMD dot products and multiply-adds over the rows).
/// </remarks>
public static class SkipGramKernel
{
    /// <summary>
    /// Runs the triples of <paramref name="centres"/> [B] and <paramref name="outputs"/> [B, 1 + k] (row-major: the
    /// context word, then k noise words) in order on <paramref name="input"/> and <paramref name="output"/> (each
    /// [V, D] row-major, updated in place) at rate <paramref name="rate"/>; returns the sum of the triples' objectives,
    /// each at the tables it was stepped from.
    /// </summary>
    /// <exception cref="ArgumentException">The tables' lengths are not V·D, or the outputs are not B·(1 + k) with k ≥ 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside [0, V).</exception>
    public static double Run<T>(Span<T> input, Span<T> output, int dimension, ReadOnlySpan<long> centres, ReadOnlySpan<long> outputs, T rate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (input.Length % dimension != 0 || output.Length != input.Length)
        {
            throw new ArgumentException($"SkipGramKernel: tables of {input.Length} and {output.Length} entries are not both [V, {dimension}]");
        }

        if (centres.Length == 0 || outputs.Length % centres.Length != 0 || outputs.Length / centres.Length < 2)
        {
            throw new ArgumentException($"SkipGramKernel: {outputs.Length} output indices for {centres.Length} triples, expected {centres.Length}·(1 + k) with k ≥ 1");
        }

        var vocabulary = input.Length / dimension;
        var width = outputs.Length / centres.Length;
        Span<T> scores = width <= 64 ? stackalloc T[width] : new T[width];
        Span<T> centreGradient = dimension <= 1024 ? stackalloc T[dimension] : new T[dimension];
        var loss = 0.0;
        for (var b = 0; b < centres.Length; b++)
        {
            var x = input.Slice(Row(centres[b], vocabulary, "centre") * dimension, dimension);
            var row = outputs.Slice(b * width, width);

            // sⱼ = ⟨x′ⱼ, x_u⟩, then gⱼ = σ(sⱼ) − [j = 0] and the triple's objective Σⱼ softplus(∓sⱼ).
            for (var j = 0; j < width; j++)
            {
                var s = TensorPrimitives.Dot<T>(output.Slice(Row(row[j], vocabulary, "output") * dimension, dimension), x);
                var (sigma, softplus) = SigmoidAndSoftplus(j == 0 ? -s : s);
                loss += double.CreateChecked(softplus);
                scores[j] = j == 0 ? -sigma : sigma;                   // σ(s) − 1 = −σ(−s)
            }

            // ∂ℓ/∂x_u = Σⱼ gⱼ·x′ⱼ from the rows as they were, before any of them moves.
            centreGradient.Clear();
            for (var j = 0; j < width; j++)
            {
                TensorPrimitives.MultiplyAdd<T>(output.Slice((int)row[j] * dimension, dimension), scores[j], centreGradient, centreGradient);
            }

            // x′ⱼ ← x′ⱼ − η·gⱼ·x_u (x_u still the old centre), then x_u ← x_u − η·∂ℓ/∂x_u.
            for (var j = 0; j < width; j++)
            {
                var target = output.Slice((int)row[j] * dimension, dimension);
                TensorPrimitives.MultiplyAdd<T>(x, -rate * scores[j], target, target);
            }

            TensorPrimitives.MultiplyAdd<T>(centreGradient, -rate, x, x);
        }

        return loss;
    }

    private static int Row(long index, int vocabulary, string what) =>
        index >= 0 && index < vocabulary
            ? (int)index
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"SkipGramKernel: {what} word {index} is outside the tables' rows [0, {vocabulary})");

    // σ(z) and softplus(z) = ln(1 + e^z) from one exponential e = e^−|z|, so that neither overflows:
    // z ≥ 0: σ = 1/(1 + e), softplus = z + ln(1 + e); z < 0: σ = e/(1 + e), softplus = ln(1 + e).
    private static (T Sigmoid, T Softplus) SigmoidAndSoftplus<T>(T z)
        where T : IFloatingPointIeee754<T>
    {
        var e = T.Exp(-T.Abs(z));
        var log = T.LogP1(e);
        return z >= T.Zero ? (T.One / (T.One + e), z + log) : (e / (T.One + e), log);
    }
}
