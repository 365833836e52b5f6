using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// The laws of DESIGN.md for one <see cref="LayerCase"/>: backend agreement of outputs and gradients
/// (input included), Reference gradients against central differences, purity. Errors are per tensor,
/// <see cref="RelativeError"/>.
/// </summary>
public static class LayerLaws
{
    /// <summary>Float64 outputs: a few ulps per operation, as the generated-network law.</summary>
    public const double OutputTolerance = BackendAgreementProperties.OutputTolerance;

    /// <summary>Float64 gradients, per leaf, as the generated-network law.</summary>
    public const double GradientTolerance = BackendAgreementProperties.GradientTolerance;

    /// <summary>Central differences, per leaf (step 1e-6, smooth layers only).</summary>
    public const double DifferenceTolerance = FiniteDifferenceProperties.Tolerance;

    /// <summary>
    /// The float32 bound for outputs: <see cref="BackendAgreementProperties.Float32Tolerance"/>, c·depth·√width·u with
    /// u = 2^-24 and c = 16 (derived there: representation error 2u per dot product, λ√n·u of random-sign
    /// rounding with λ = 6, errors adding layer by layer with a factor ≤ 2). A residual sum or a join adds one
    /// rounding of size u to terms already counted, inside the constant's margin; a scan of T steps is T layers
    /// deep, so its depth counts steps.
    /// </summary>
    public static double Float32OutputTolerance(LayerCase c) => BackendAgreementProperties.Float32Tolerance(c.Depth, c.MaxWidth);

    /// <summary>
    /// The float32 bound for gradients: the backward pass runs the same products transposed, so the error of a
    /// gradient is that of a network twice as deep (forward, then back), plus one layer for the cotangent
    /// product: c·(2·depth + 1)·√width·u, relative to the largest gradient entry of the tree (see <see cref="Agree"/>).
    /// </summary>
    public static double Float32GradientTolerance(LayerCase c) => BackendAgreementProperties.Float32Tolerance(2 * c.Depth + 1, c.MaxWidth);

    /// <summary>
    /// Outputs and gradients of <paramref name="combination"/> against the Reference backend (the Reference
    /// itself against Torch CPU float64, so no backend is compared with itself). Outputs are relative to the
    /// largest of both and of the input, which the outputs are built from (a residual output x + f(x) may
    /// cancel where the input does not).
    /// </summary>
    public static (double Output, double Gradient) Agree(string combination, LayerCase c)
    {
        var reference = ReferenceBackend.Instance;
        var other = BackendCombinations.Resolve(combination == BackendCombinations.Reference ? BackendCombinations.TorchCpuFloat64 : combination);
        var float32 = other.DType == DType.Float32;
        var outputTolerance = float32 ? Float32OutputTolerance(c) : OutputTolerance;
        var gradientTolerance = float32 ? Float32GradientTolerance(c) : GradientTolerance;

        var xRef = c.Input(reference);
        var yRef = c.Layer.Apply(c.Parameters(reference), xRef);
        using var scope = other.Scope();
        var yOther = c.Layer.Apply(c.Parameters(other), c.Input(other));
        var floor = xRef.ToArray().Max(Math.Abs);
        var e = RelativeError.Of(yRef, yOther, floor);
        if (!(e.Value <= outputTolerance))
        {
            throw new LawViolation($"output of {c}: {e} exceeds {outputTolerance:G3} (a = Reference, b = {other})");
        }

        var (vRef, gRef) = Grad.ValueAndGrad(c.Objective(reference), c.Arguments(reference));
        var (vOther, gOther) = Grad.ValueAndGrad(c.Objective(other), c.Arguments(other));
        // Float32: a leaf of one entry summed over the batch may cancel (seen: −0.0136 from terms ~10× larger,
        // 9e-6 relative), so each leaf is measured against the scale of the back-propagated values its terms are
        // made of: the largest gradient entry of the whole tree, and the cotangent r entering the layer times the
        // largest input it multiplies. The second matters where a tanh saturates: ∂L/∂W_ih = Σ r ⊙ (1 − y²) xᵀ, and
        // 1 − y² computed from a float32 y carries an absolute error of about 2u, not 2u·(1 − y²), so each term's
        // error is bounded by ~|r|·|x|·u while the gradient itself shrinks with 1 − y² (seen: y² = 0.993, the
        // gradient 0.0066, its float32 error 1.2e-7 = 1.8e-5 of it, against a bound of 5.7e-6; scaled by |r|·|x| it is
        // 5.1e-8, 0.009 of the bound; ScanTests holds that case). Float64 stays per leaf, unfloored.
        var gradientFloor = float32
            ? Math.Max(
                gRef.Values.Max(t => t.ToArray().Max(Math.Abs)),
                c.Cotangent(reference).ToArray().Max(Math.Abs) * Math.Max(1, xRef.ToArray().Max(Math.Abs)))
            : RelativeError.DefaultFloor;
        var (leaf, g) = RelativeError.WorstLeaf(gRef, gOther, gradientFloor);
        if (!(g.Value <= gradientTolerance))
        {
            throw new LawViolation($"gradient of {c}: leaf '{leaf}' {g} exceeds {gradientTolerance:G3} (a = Reference, b = {other})");
        }

        return (e.Value / outputTolerance, g.Value / gradientTolerance);
    }

    /// <summary>
    /// Reference gradients (parameters and input) against central differences with step h = 1e-6·max(1, |θ|),
    /// all entries of every leaf, per leaf within 1e-6 relative. Only for smooth layers (no ReLU-like kink).
    /// </summary>
    public static double MatchesCentralDifferences(LayerCase c)
    {
        var backend = ReferenceBackend.Instance;
        var objective = c.Objective(backend);
        var arguments = c.Arguments(backend);
        var (_, gradients) = Grad.ValueAndGrad(objective, arguments);
        double worst = 0;
        foreach (var (name, leaf) in arguments)
        {
            var values = leaf.ToArray();
            var numeric = new double[values.Length];
            var scatter = new double[values.Length];
            for (var j = 0; j < values.Length; j++)
            {
                var h = CentralDifferences.Step * Math.Max(1, Math.Abs(values[j]));
                double At(double v)
                {
                    var copy = (double[])values.Clone();
                    copy[j] = v;
                    return objective(arguments.With(TensorTree.Of((name, backend.FromArray(copy, leaf.Shape))))).Item();
                }

                double Difference(double step)
                {
                    double plus = values[j] + step, minus = values[j] - step;
                    return (At(plus) - At(minus)) / (plus - minus);
                }

                // As the generated-network law (CentralDifferences' remarks): D(h) and D(φh) share the derivative but
                // not the rounding noise ≈ u·|L|/h, so their scatter measures it; a leaf whose gradient is ~1e-4·|L|
                // (seen: a peephole LSTM's c0) would otherwise be judged on noise, not on its derivative.
                var d1 = Difference(h);
                var d2 = Difference(CentralDifferences.Phi * h);
                numeric[j] = (d1 + d2) / 2;
                scatter[j] = d1 - d2;
            }

            var noise = values.Length == 0 ? 0 : Math.Sqrt(scatter.Sum(d => d * d) / values.Length / 2);
            var floor = Math.Max(RelativeError.DefaultFloor, FiniteDifferenceProperties.NoiseMultiple * noise / DifferenceTolerance);
            var e = RelativeError.Of(gradients[name].ToArray(), numeric, floor);
            if (!(e.Value <= DifferenceTolerance))
            {
                throw new LawViolation(
                    $"gradient of {c}: leaf '{name}' {e} exceeds {DifferenceTolerance:G} (a = Reference, b = central difference; " +
                    $"measured noise σ̂ = {noise:G3}, floor {FiniteDifferenceProperties.NoiseMultiple}·σ̂/{DifferenceTolerance:G})");
            }

            worst = Math.Max(worst, e.Value);
        }

        return worst;
    }

    /// <summary>Apply and ValueAndGrad twice give bit-identical results and leave parameters and input unchanged.</summary>
    public static void IsPure(string combination, LayerCase c)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var arguments = c.Arguments(backend);
        var before = arguments.ToDictionary(l => l.Key, l => l.Value.ToArray());
        var p = arguments.Child("p");
        var x = arguments["x.x"];
        Identical("second Apply", c.Layer.Apply(p, x).ToArray(), c.Layer.Apply(p, x).ToArray(), c);
        var objective = c.Objective(backend);
        var (v1, g1) = Grad.ValueAndGrad(objective, arguments);
        var (v2, g2) = Grad.ValueAndGrad(objective, arguments);
        Identical("second ValueAndGrad value", v1.ToArray(), v2.ToArray(), c);
        foreach (var (name, g) in g1)
        {
            Identical($"second ValueAndGrad gradient '{name}'", g.ToArray(), g2[name].ToArray(), c);
        }

        foreach (var (name, leaf) in arguments)
        {
            Identical($"'{name}' after Apply and ValueAndGrad", before[name], leaf.ToArray(), c);
        }
    }

    private static void Identical(string what, double[] expected, double[] actual, LayerCase c)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                throw new LawViolation($"{what}: flat index {i} is {actual[i]:R}, was {expected[i]:R}, in {c}");
            }
        }
    }
}
