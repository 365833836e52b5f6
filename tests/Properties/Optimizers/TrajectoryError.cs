namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// How far two runs of an optimizer from the same start ended apart, per leaf, by the relative error of
/// DESIGN.md (<see cref="RelativeError"/>): of the final parameters θ, and of the displacements θ − θ₀.
/// </summary>
/// <remarks>
/// The displacement is the sharper measure: 50 small steps move θ by far less than |θ|, so a wrong update
/// can hide in the final parameters' relative error. Both errors are measured against at least
/// 10⁻³·max|θ₀| of the leaf (the floor of <see cref="RelativeError"/>): every value in a run is made from
/// numbers of that size, and rounding them (a few ulps per step, ~10⁻¹⁴·max|θ₀| over 50 steps) is inherited by
/// a displacement that stays small, or by parameters that converge to nearly zero.
/// </remarks>
/// <param name="Leaf">The leaf where the larger of the two errors is worst.</param>
/// <param name="Parameters">The parameters' relative error at that leaf (floored).</param>
/// <param name="Displacement">The displacements' relative error at that leaf (floored).</param>
public readonly record struct TrajectoryError(string Leaf, RelativeError Parameters, RelativeError Displacement)
{
    /// <summary>The floor of both errors, as a fraction of the leaf's max|θ₀|.</summary>
    public const double Floor = 1e-3;

    /// <summary>The larger of the two errors.</summary>
    public double Value => Math.Max(Parameters.Value, Displacement.Value);

    /// <summary>Compares runs <paramref name="a"/> and <paramref name="b"/> that started from <paramref name="initial"/> (by leaf name).</summary>
    public static TrajectoryError Of(IReadOnlyDictionary<string, double[]> a, IReadOnlyDictionary<string, double[]> b, IReadOnlyDictionary<string, double[]> initial)
    {
        TrajectoryError? worst = null;
        foreach (var (name, start) in initial)
        {
            if (!a.TryGetValue(name, out var x) || !b.TryGetValue(name, out var y))
            {
                throw new LawViolation($"leaf '{name}' is missing from a run's result");
            }

            var floor = Math.Max(Floor * start.Select(Math.Abs).DefaultIfEmpty(0).Max(), RelativeError.DefaultFloor);
            var parameters = RelativeError.Of(x, y, floor);
            var displacement = RelativeError.Of(Minus(x, start), Minus(y, start), floor);
            var e = new TrajectoryError(name, parameters, displacement);
            if (worst is null || e.Value > worst.Value.Value)
            {
                worst = e;
            }
        }

        return worst ?? throw new LawViolation("no leaves to compare");
    }

    /// <inheritdoc />
    public override string ToString() => $"leaf '{Leaf}': parameters {Parameters}; displacement θ − θ₀ {Displacement}";

    private static double[] Minus(double[] x, double[] start) => [.. x.Zip(start, (p, q) => p - q)];
}
