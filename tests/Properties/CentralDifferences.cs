using Functional.Nets.Reference;

namespace Functional.Nets.Tests;

/// <summary>One leaf's checked entries: where, the analytic gradient and the two central differences.</summary>
/// <param name="Leaf">The leaf's name.</param>
/// <param name="Indices">Flat indices of the accepted entries.</param>
/// <param name="Analytic">The Reference gradient at those entries.</param>
/// <param name="Numeric">The central difference at step h (≈ 1e-6·max(1, |θ|)), averaged with that at φh.</param>
/// <param name="Scatter">D(h) − D(φh) per entry: the rounding noise of the differences, which no derivative enters.</param>
public sealed record LeafDifferences(string Leaf, int[] Indices, double[] Analytic, double[] Numeric, double[] Scatter)
{
    /// <summary>This leaf's own noise estimate, √(mean(scatter²)/2) over its entries (0 when it has none).</summary>
    public double Noise => Scatter.Length == 0 ? 0 : Math.Sqrt(Scatter.Sum(d => d * d) / Scatter.Length / 2);
}

/// <summary>The outcome of <see cref="CentralDifferences.Run"/>.</summary>
/// <param name="Leaves">The accepted entries, leaf by leaf.</param>
/// <param name="Rejected">Entries whose differences straddled a kink, as (leaf, flat index).</param>
/// <param name="Noise">
/// σ̂, the pooled rounding noise of one central difference: √(mean(scatter²)/2) over the accepted
/// entries whose differences are not exactly zero (an entry the loss does not depend on at all, e.g.
/// before a width-1 softmax, has no rounding noise and would dilute the estimate).
/// </param>
public sealed record DifferenceReport(IReadOnlyList<LeafDifferences> Leaves, IReadOnlyList<(string Leaf, int Index)> Rejected, double Noise)
{
    /// <summary>The number of accepted entries.</summary>
    public int Accepted => Leaves.Sum(l => l.Indices.Length);
}

/// <summary>
/// Central differences of a <see cref="NetworkCase"/>'s objective on the Reference backend, with kink
/// detection. For entry θⱼ the objective is evaluated at θⱼ ± h and θⱼ ± φh (h = 1e-6·max(1, |θⱼ|),
/// φ = 1 + 1/π), layer by layer; if any kinked pre-activation (ReLU, LeakyReLU, ELU) or, with an L1
/// penalty, θⱼ itself, lies on another side of its kink at any of the four points than at θ, the entry
/// straddles a kink and is rejected.
/// </summary>
/// <remarks>
/// Why two steps: the computed loss L̂ = L + δ carries rounding error δ of order u·|L|·√n (u = 2^-53,
/// n terms summed) that changes randomly with θ, so a central difference has absolute noise
/// ≈ |δ|/h ≈ 1e-10·|L|·√n however exact the derivative is, which is more than 1e-6 of a leaf whose
/// gradient is below ~1e-4·|L| (seen: a leaf of scale 1e-7 behind three softmaxes). D(h) and D(φh) have
/// the same derivative and negligibly different truncation error (h² ≈ 1e-12) but independent
/// rounding noise, so their scatter measures the noise, and a wrong derivative cannot inflate it:
/// it only enters the analytic side.
/// </remarks>
public static class CentralDifferences
{
    /// <summary>The central step h = Step·max(1, |θ|).</summary>
    public const double Step = 1e-6;

    /// <summary>The second step's ratio φ (irrational, so the two grids share no rounding pattern).</summary>
    public static readonly double Phi = 1 + 1 / Math.PI;

    /// <summary>At most this many entries of a leaf are checked (a random subset drawn from the case's key).</summary>
    public const int EntriesPerLeaf = 20;

    /// <summary>Checks the entries of <paramref name="parameters"/> (a subset per leaf) against central differences.</summary>
    public static (TensorTree Gradients, DifferenceReport Report) Run(NetworkCase c, TensorTree parameters)
    {
        var backend = ReferenceBackend.Instance;
        var x = c.Input(backend);
        var loss = c.LossFunction(backend);
        var (_, gradients) = Grad.ValueAndGrad(c.Objective(backend), parameters);
        var (_, basePre) = c.Evaluate(parameters, x, loss);
        var baseSignature = NetworkCase.KinkSignature(basePre);
        var subsetKey = Key.FromSeed(c.Seed).Fold(3);

        var leaves = new List<LeafDifferences>();
        var rejected = new List<(string, int)>();
        double scatterSquares = 0;
        var scatterCount = 0;
        for (var leafIndex = 0; leafIndex < parameters.Count; leafIndex++)
        {
            var (name, leaf) = parameters[leafIndex];
            var values = leaf.ToArray();
            var analytic = gradients[name].ToArray();
            var indices = values.Length <= EntriesPerLeaf
                ? Enumerable.Range(0, values.Length)
                : subsetKey.Fold((ulong)leafIndex).Permutation(values.Length).Take(EntriesPerLeaf);

            var at = new List<int>();
            var exact = new List<double>();
            var numeric = new List<double>();
            var scatter = new List<double>();
            foreach (var j in indices)
            {
                var theta = values[j];
                var h = Step * Math.Max(1, Math.Abs(theta));
                double? Difference(double step)
                {
                    var plus = theta + step;
                    var minus = theta - step;
                    if (c.Penalty == PenaltyKind.L1 && !(Math.Sign(plus) == Math.Sign(theta) && Math.Sign(minus) == Math.Sign(theta)))
                    {
                        return null;
                    }

                    var (lossPlus, prePlus) = c.Evaluate(parameters.With(TensorTree.Of((name, WithEntry(backend, values, j, plus, leaf.Shape)))), x, loss);
                    var (lossMinus, preMinus) = c.Evaluate(parameters.With(TensorTree.Of((name, WithEntry(backend, values, j, minus, leaf.Shape)))), x, loss);
                    if (!baseSignature.AsSpan().SequenceEqual(NetworkCase.KinkSignature(prePlus)) ||
                        !baseSignature.AsSpan().SequenceEqual(NetworkCase.KinkSignature(preMinus)))
                    {
                        return null;
                    }

                    // (θ + h) − (θ − h) is the step actually taken (exact: the two are within a factor 2).
                    return (lossPlus - lossMinus) / (plus - minus);
                }

                var d1 = Difference(h);
                var d2 = d1 is null ? null : Difference(Phi * h);
                if (d1 is null || d2 is null)
                {
                    rejected.Add((name, j));
                    continue;
                }

                at.Add(j);
                exact.Add(analytic[j]);
                numeric.Add(0.5 * (d1.Value + d2.Value));
                scatter.Add(d1.Value - d2.Value);
                if (d1.Value != 0 || d2.Value != 0)
                {
                    scatterSquares += (d1.Value - d2.Value) * (d1.Value - d2.Value);
                    scatterCount++;
                }
            }

            leaves.Add(new LeafDifferences(name, [.. at], [.. exact], [.. numeric], [.. scatter]));
        }

        var noise = scatterCount == 0 ? 0 : Math.Sqrt(scatterSquares / scatterCount / 2);
        return (gradients, new DifferenceReport(leaves, rejected, noise));
    }

    private static Tensor WithEntry(Backend backend, double[] values, int index, double value, Shape shape)
    {
        var copy = (double[])values.Clone();
        copy[index] = value;
        return backend.FromArray(copy, shape);
    }
}
