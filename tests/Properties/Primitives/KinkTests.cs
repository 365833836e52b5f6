using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Primitives;

/// <summary>
/// Kinks of the new primitives are detected, never tolerated: at a tie of max, min, maximum, at |x| = 0, at a clamp bound
/// and at the switch of a where, <see cref="GradCheck"/> on the Reference backend sets the entry aside as a kink (even
/// where the central difference happens to equal the subgradient the primitive chose, as for max's even split of a tie)
/// and checks the smooth entries as usual.
/// </summary>
public sealed class KinkTests
{
    public static TheoryData<string> Cases => new() { "max tie", "min tie", "maximum tie", "abs at 0", "clamp at its bound", "where switch at 0", "relu at 0 (control)" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_kink_is_reported_and_the_smooth_entries_pass(string name)
    {
        var backend = ReferenceBackend.Instance;

        // Entry 0 sits on the kink; entries 1.. are smooth (away from ties and bounds).
        var (values, f) = name switch
        {
            "max tie" => (new double[] { 0.7, 0.7, -0.4, 0.2, 0.9, 0.1 }, (Func<Tensor, Tensor>)(x => x.Reshape(2, 3).Max([1]))),
            "min tie" => ([-0.7, 0.4, -0.7, 0.2, 0.9, 0.1], x => x.Reshape(2, 3).Min([1])),
            "maximum tie" => ([0.3, -0.5, 1.2, 0.8], x => Tensor.Maximum(x, backend.FromArray([0.3, 0.1, 0.2, 0.1], 4))),
            "abs at 0" => ([0.0, 0.5, -1.5, 2.0], x => x.Abs()),
            "clamp at its bound" => ([0.5, 0.2, -0.9, 0.7], x => x.Clamp(-0.5, 0.5)),
            "where switch at 0" => ([0.0, 0.5, -1.5, 2.0], x => Tensor.Where(x.Greater(0), x * 2, x * 0.5)),
            "relu at 0 (control)" => ([0.0, 0.5, -1.5, 2.0], x => x.Relu()),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
        };
        var p = TensorTree.Of(("x", backend.FromArray(values, values.Length)));
        var report = GradCheck.Check(q =>
        {
            var y = f(q["x"]);
            return (y * backend.FromArray(Key.FromSeed(3).Normal(checked((int)y.Size)), y.Shape)).Sum();
        }, p, subject: name);
        Assert.True(report.Kinks >= 1, report.ToString());
        Assert.True(report.Passed, report.ToString());
        Assert.True(report.Checked >= values.Length - 2, report.ToString());
    }
}
