namespace Functional.Nets.Tests;

/// <summary>
/// Law 5 of DESIGN.md (purity) on every backend combination: applying a model twice to the same
/// parameters and inputs gives bit-identical outputs, and so does ValueAndGrad; neither mutates its
/// inputs, parameters or targets (their values are compared bit for bit before and after).
/// 100 generated networks per combination.
/// </summary>
public sealed class PurityProperties
{
    /// <summary>(f) Apply and ValueAndGrad are pure.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Apply_and_ValueAndGrad_are_pure(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(NetworkCase.Arbitrary, c =>
        {
            var model = c.Model();
            using var parameters = c.Parameters(backend);
            using var x = c.Input(backend);
            var before = Snapshot(parameters);
            var xBefore = x.ToArray();

            using var y1 = model.Apply(parameters, x);
            using var y2 = model.Apply(parameters, x);
            Identical("output of the second Apply", y1.ToArray(), y2.ToArray(), c);
            Unchanged("after Apply", before, parameters, xBefore, x, c);

            var objective = c.Objective(backend);
            var (v1, g1) = Grad.ValueAndGrad(objective, parameters);
            var (v2, g2) = Grad.ValueAndGrad(objective, parameters);
            using (v1)
            using (v2)
            using (g1)
            using (g2)
            {
                Identical("value of the second ValueAndGrad", v1.ToArray(), v2.ToArray(), c);
                foreach (var (name, g) in g1)
                {
                    Identical($"gradient '{name}' of the second ValueAndGrad", g.ToArray(), g2[name].ToArray(), c);
                }

                Unchanged("after ValueAndGrad", before, parameters, xBefore, x, c);
            }

            using var y3 = model.Apply(parameters, x);
            Identical("output of Apply after ValueAndGrad", y1.ToArray(), y3.ToArray(), c);
        });
    }

    private static Dictionary<string, double[]> Snapshot(TensorTree tree) =>
        tree.ToDictionary(l => l.Key, l => l.Value.ToArray());

    private static void Unchanged(string when, Dictionary<string, double[]> before, TensorTree parameters, double[] xBefore, Tensor x, NetworkCase c)
    {
        foreach (var (name, leaf) in parameters)
        {
            Identical($"parameter '{name}' {when}", before[name], leaf.ToArray(), c);
        }

        Identical($"input {when}", xBefore, x.ToArray(), c);
    }

    private static void Identical(string what, double[] expected, double[] actual, NetworkCase c)
    {
        if (expected.Length != actual.Length)
        {
            throw new LawViolation($"{what}: length {actual.Length}, expected {expected.Length}, in {c}");
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                throw new LawViolation($"{what}: flat index {i} is {actual[i]:R}, was {expected[i]:R}, in {c}");
            }
        }
    }
}
