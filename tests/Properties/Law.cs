using FsCheck;
using FsCheck.Fluent;

namespace Functional.Nets.Tests;

/// <summary>
/// Runs a property from inside an xunit theory (so that it can take a backend combination as its
/// argument): FsCheck generates <see cref="Cases"/> cases, shrinks a failing one and throws with the
/// original and shrunk case, the replay seed and the exception that the body threw.
/// </summary>
public static class Law
{
    /// <summary>The number of generated cases per property.</summary>
    public const int Cases = 100;

    /// <summary>Checks that <paramref name="body"/> does not throw for generated cases.</summary>
    public static void Check<T>(Arbitrary<T> arbitrary, Action<T> body, int cases = Cases) =>
        Prop.ForAll(arbitrary, body).Check(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true));
}

/// <summary>A generated case for the peer tests: shapes, a seed for the values and an α.</summary>
/// <param name="Seed">Seed of <see cref="Key.FromSeed(long)"/> for every value.</param>
/// <param name="Batch">Rows (1–16).</param>
/// <param name="Inputs">Input features or classes (1–64).</param>
/// <param name="Outputs">Output features (1–64).</param>
/// <param name="Alpha">α for LeakyReLU (used as α/2 so it stays in [0, 1)) and ELU.</param>
public sealed record PeerCase(long Seed, int Batch, int Inputs, int Outputs, double Alpha)
{
    /// <summary>The arbitrary (shrinks toward smaller shapes, the seed stays).</summary>
    public static Arbitrary<PeerCase> Arbitrary { get; } = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue)
        from batch in Gen.Choose(1, 16)
        from inputs in Gen.Choose(1, 64)
        from outputs in Gen.Choose(1, 64)
        from alpha in Gen.Choose(1, 199)
        select new PeerCase(seed, batch, inputs, outputs, alpha / 100.0),
        c => new[]
            {
                c with { Batch = 1 }, c with { Batch = c.Batch / 2 }, c with { Inputs = 1 }, c with { Inputs = c.Inputs / 2 },
                c with { Outputs = 1 }, c with { Outputs = c.Outputs / 2 },
            }
            .Where(s => s.Batch >= 1 && s.Inputs >= 1 && s.Outputs >= 1 && s != c));

    /// <summary><paramref name="count"/> standard normal values from the case's key folded with <paramref name="stream"/>.</summary>
    public double[] Normal(ulong stream, int count, double scale = 1) =>
        Key.FromSeed(Seed).Fold(stream).Normal(count).Select(v => scale * v).ToArray();

    /// <summary><paramref name="count"/> values uniform on [low, high).</summary>
    public double[] Uniform(ulong stream, int count, double low, double high) =>
        Key.FromSeed(Seed).Fold(stream).Uniform(count, low, high);
}
