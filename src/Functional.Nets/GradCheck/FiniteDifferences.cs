namespace Functional.Nets;

/// <summary>
/// The finite-difference engine behind <see cref="GradCheck"/>, on plain arrays: a point θ (one array per
/// leaf), the analytic gradient there, f(θ), and a function that evaluates f at θ with some leaves replaced.
/// </summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// The rows of a full or fast check. <paramref name="evaluate"/> receives one entry per leaf, null where
    /// the leaf is unchanged; <paramref name="round"/> rounds a value to the backend's dtype, so that the steps
    /// used in the quotients are the steps actually taken.
    /// </summary>
    public static IReadOnlyList<GradCheckRow> Run(
        string[] names, Shape[] shapes, double[][] theta, double[][] gradient, double f0, Func<double[]?[], double> evaluate, Func<double, double> round, GradCheckOptions options) =>
        options.Mode == GradCheckMode.Fast
            ? Directional(names, shapes, theta, gradient, f0, evaluate, round, options)
            : EntryWise(names, shapes, theta, gradient, f0, evaluate, round, options);

    private static List<GradCheckRow> EntryWise(
        string[] names, Shape[] shapes, double[][] theta, double[][] gradient, double f0, Func<double[]?[], double> evaluate, Func<double, double> round, GradCheckOptions options)
    {
        var rows = new List<GradCheckRow>(names.Length);
        for (var leaf = 0; leaf < names.Length; leaf++)
        {
            var values = theta[leaf];
            var g = gradient[leaf];
            var n = values.Length;
            var indices = n <= options.MaxEntriesPerLeaf
                ? Enumerable.Range(0, n)
                : options.Key.Fold((ulong)leaf).Permutation(n).Take(options.MaxEntriesPerLeaf).Order();

            // One working copy per leaf, moved entry by entry and restored (evaluate copies what it keeps).
            var moved = (double[])values.Clone();
            var point = new double[]?[names.Length];
            point[leaf] = moved;
            var errors = new ErrorAccumulator(options);
            foreach (var j in indices)
            {
                var t = values[j];
                var h = options.Eps * Math.Max(1, Math.Abs(t));
                var plus = round(t + h);
                var minus = round(t - h);
                moved[j] = plus;
                var fPlus = evaluate(point);
                moved[j] = minus;
                var fMinus = evaluate(point);
                moved[j] = t;

                // Divided by the steps actually taken after rounding to the dtype.
                var central = (fPlus - fMinus) / (plus - minus);
                var a = g[j];
                var fails = GradCheck.Fails(a, central, options);
                if (fails && options.DetectKinks)
                {
                    var forward = (fPlus - f0) / (plus - t);
                    var backward = (f0 - fMinus) / (t - minus);
                    if (IsKink(forward - a, backward - a, forward, backward, options))
                    {
                        errors.AddKink(j);
                        continue;
                    }
                }

                if (!fails && options.DetectKinks && IsPassingKink(t, h, f0, fPlus, fMinus, plus, minus, moved, j, point, evaluate, round, options))
                {
                    // A tie of max, |x| at 0: the central difference can equal the subgradient the primitive chose
                    // while the one-sided slopes jump, so a pass there would prove nothing. Set it aside as a kink.
                    errors.AddKink(j);
                    continue;
                }

                errors.Add(j, a, central, fails);
            }

            rows.Add(errors.ToRow(names[leaf], shapes[leaf], GradCheckMethod.CentralDifferences, "central differences"));
        }

        return rows;
    }

    private static List<GradCheckRow> Directional(
        string[] names, Shape[] shapes, double[][] theta, double[][] gradient, double f0, Func<double[]?[], double> evaluate, Func<double, double> round, GradCheckOptions options)
    {
        var rows = new List<GradCheckRow>(names.Length + 1);
        var eps = options.Eps;
        var all = Enumerable.Range(0, names.Length).ToArray();
        var scratch = new double[]?[names.Length];
        for (var group = 0; group <= names.Length; group++)
        {
            // Groups 0..L−1 are the leaves; group L spans every leaf (skipped when there is only one).
            var overall = group == names.Length;
            if (overall && names.Length == 1)
            {
                break;
            }

            var leaves = overall ? all : [group];
            var count = leaves.Sum(l => theta[l].Length);
            var errors = new ErrorAccumulator(options);
            // Direction 0 is the analytic gradient's own, ĝ = g/‖g‖, when asked for; 1..Directions are random.
            for (var d = options.AlongGradient ? 0 : 1; d <= options.Directions && count > 0; d++)
            {
                var u = d == 0
                    ? leaves.SelectMany(l => gradient[l]).ToArray()
                    : options.Key.Fold((ulong)group).Fold((ulong)d).Normal(count);
                var norm = Math.Sqrt(u.Sum(v => v * v));
                if (d == 0 && !(norm > 0 && double.IsFinite(norm)))
                {
                    // No gradient direction to follow (all zero, or not finite: the random directions report that).
                    continue;
                }

                // ∇f·(θ⁺ − θ) and ∇f·(θ − θ⁻) along the rounded points actually evaluated. θ⁺ and then θ⁻ are
                // written into one scratch buffer per leaf, reused by every direction and group: the evaluation
                // copies the point onto the backend, so nothing holds the buffer, and the check's memory stays a
                // small multiple of the model's (parameters, θ, gradient, scratch, direction) instead of growing
                // with large-object garbage from two fresh model-sized arrays per direction.
                var point = new double[]?[names.Length];
                double Side(int sign)
                {
                    double along = 0;
                    var offset = 0;
                    foreach (var l in leaves)
                    {
                        var values = theta[l];
                        var g = gradient[l];
                        var moved = scratch[l] ??= new double[values.Length];
                        for (var j = 0; j < values.Length; j++)
                        {
                            var step = eps * u[offset + j] / norm;
                            moved[j] = round(sign > 0 ? values[j] + step : values[j] - step);
                            along += g[j] * (moved[j] - values[j]);
                        }

                        point[l] = moved;
                        offset += values.Length;
                    }

                    return along;
                }

                var gPlus = Side(+1);
                var fPlus = evaluate(point);
                var gMinus = -Side(-1);
                var fMinus = evaluate(point);
                var central = (fPlus - fMinus) / (2 * eps);
                var a = (gPlus + gMinus) / (2 * eps);
                var fails = GradCheck.Fails(a, central, options);
                if (fails && options.DetectKinks)
                {
                    var forward = (fPlus - f0) / eps;
                    var backward = (f0 - fMinus) / eps;
                    if (IsKink(forward - gPlus / eps, backward - gMinus / eps, forward, backward, options))
                    {
                        errors.AddKink(d);
                        continue;
                    }
                }

                errors.Add(d, a, central, fails);
            }

            var name = overall ? "(all)" : names[group];
            var shape = overall ? new Shape(count) : shapes[group];
            rows.Add(errors.ToRow(name, shape, GradCheckMethod.DirectionalDerivatives, "directional derivatives"));
        }

        return rows;
    }

    /// <summary>
    /// Whether an entry whose central difference passed sits on a kink. The one-sided slopes F = (f(t + h) − f(t))/h and
    /// B = (f(t) − f(t − h))/h differ by about h·f″ on a smooth function and by a jump J that does not shrink with h at a
    /// kink. Only when F − B exceeds 2τ (τ = atol + rtol·max(|F|, |B|)) are two more points taken, at t ± 2h: smooth,
    /// F₂ − B₂ ≈ 2h·f″ = 2(F − B); kinked, F₂ − B₂ ≈ J = F − B. A kink when the gap did not grow by half again.
    /// </summary>
    private static bool IsPassingKink(
        double t, double h, double f0, double fPlus, double fMinus, double plus, double minus, double[] moved, int j,
        double[]?[] point, Func<double[]?[], double> evaluate, Func<double, double> round, GradCheckOptions options)
    {
        var forward = (fPlus - f0) / (plus - t);
        var backward = (f0 - fMinus) / (t - minus);
        var gap = forward - backward;
        var tau = options.Atol + options.Rtol * Math.Max(Math.Abs(forward), Math.Abs(backward));
        if (!(Math.Abs(gap) > 2 * tau))
        {
            return false;
        }

        var plus2 = round(t + 2 * h);
        var minus2 = round(t - 2 * h);
        moved[j] = plus2;
        var fPlus2 = evaluate(point);
        moved[j] = minus2;
        var fMinus2 = evaluate(point);
        moved[j] = t;
        var gap2 = (fPlus2 - f0) / (plus2 - t) - (f0 - fMinus2) / (t - minus2);
        return Math.Abs(gap2 - gap) < 0.5 * Math.Abs(gap);
    }

    /// <summary>
    /// The kink test of <see cref="GradCheck"/>'s remarks in residual form: rF = F − a and rB = B − a (the analytic
    /// side along each one-sided step). A kink when the one-sided slopes differ by more than 2τ and a lies between
    /// them (within τ), i.e. the residuals straddle zero; τ = atol + rtol·max(|F|, |B|).
    /// </summary>
    internal static bool IsKink(double residualForward, double residualBackward, double forward, double backward, GradCheckOptions options)
    {
        var tau = options.Atol + options.Rtol * Math.Max(Math.Abs(forward), Math.Abs(backward));
        var lo = Math.Min(residualForward, residualBackward);
        var hi = Math.Max(residualForward, residualBackward);
        return hi - lo > 2 * tau && lo <= tau && hi >= -tau;
    }
}

/// <summary>Accumulates one row's errors: maxima, the worst entry (the one furthest beyond its tolerance), counts.</summary>
internal sealed class ErrorAccumulator(GradCheckOptions options)
{
    private readonly List<int> kinks = [];
    private double maxAbsDiff;
    private double maxA;
    private double maxB;
    private double worstExcess = double.NegativeInfinity;
    private int worstIndex = -1;
    private double worstA = double.NaN;
    private double worstB = double.NaN;
    private int count;
    private int failures;

    /// <summary>Records entry <paramref name="index"/>: analytic <paramref name="a"/>, expected <paramref name="b"/>.</summary>
    public void Add(int index, double a, double b, bool fails)
    {
        count++;
        if (fails)
        {
            failures++;
        }

        var diff = Math.Abs(a - b);
        if (double.IsNaN(diff))
        {
            // NaN on one side and not identically on the other: the worst possible disagreement.
            diff = double.PositiveInfinity;
        }

        maxAbsDiff = Math.Max(maxAbsDiff, diff);
        maxA = Math.Max(maxA, double.IsNaN(a) ? double.PositiveInfinity : Math.Abs(a));
        maxB = Math.Max(maxB, double.IsNaN(b) ? double.PositiveInfinity : Math.Abs(b));

        // The worst entry is the one furthest beyond its own tolerance |a − b| / (atol + rtol·|b|), so that the row
        // points at what failed rather than at a large entry that rtol lets pass.
        var excess = diff / Math.Max(1e-300, options.Atol + options.Rtol * Math.Abs(b));
        if (excess > worstExcess)
        {
            worstExcess = excess;
            worstIndex = index;
            worstA = a;
            worstB = b;
        }
    }

    /// <summary>Records entry <paramref name="index"/> as a kink (excluded from the errors).</summary>
    public void AddKink(int index) => kinks.Add(index);

    /// <summary>The row.</summary>
    public GradCheckRow ToRow(string leaf, Shape shape, GradCheckMethod method, string against)
    {
        var scale = Math.Max(Math.Max(maxA, maxB), options.RelativeErrorFloor);
        var relative = count == 0 || maxAbsDiff == 0 ? 0 : maxAbsDiff / scale;
        if (double.IsInfinity(maxAbsDiff))
        {
            relative = double.PositiveInfinity;
        }

        return new GradCheckRow(leaf, shape, method, against, count, kinks.Count, failures, maxAbsDiff, relative, worstIndex, worstA, worstB, [.. kinks])
        {
            Atol = options.Atol,
            Rtol = options.Rtol,
        };
    }
}
