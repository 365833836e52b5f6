using Xunit.Abstractions;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// Issue 4, test (c): the lecture forms match a direct transcription of their formulas in plain C# arithmetic
/// (arrays of doubles, no tensors), over 50 steps, within 1e-10 relative per leaf (<see cref="TrajectoryError"/>),
/// on every float64 combination. Gradients: a random sequence from the case's key, or ∇L of the case's smooth
/// loss, which the transcription evaluates in closed form at the point its formula names (for Nesterov,
/// W − γv) and our optimizer gets from the backend's differentiation at its own parameters.
/// </summary>
public sealed class LectureFormTests(ITestOutputHelper output)
{
    /// <summary>Per-leaf relative tolerance in float64.</summary>
    public const double Tolerance = 1e-10;

    /// <summary>Generated cases per theory case.</summary>
    public const int Cases = 25;

    private const double Eta = 0.05;
    private const double Gamma = 0.9;

    /// <summary>Every float64 combination.</summary>
    public static TheoryData<string> Float64 => BackendCombinations.Float64;

    /// <summary>(c) Lecture momentum, v ← γv + η∇L, W ← W − v, with a constant η and with η = α₀/epoch.</summary>
    [Theory]
    [MemberData(nameof(Float64))]
    public void Lecture_momentum_matches_its_formula(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"(c) lecture momentum vs its formula on {combination}");
        foreach (var (schedule, eta) in Rates())
        {
            Law.Check(
                OptimizerCase.Arbitrary,
                c =>
                {
                    var w = c.InitialValues();
                    var v = Zeros(w);
                    for (var t = 0; t < OptimizerCase.Steps; t++)
                    {
                        var g = Gradient(c, t, w);
                        for (var i = 0; i < w.Length; i++)
                        {
                            for (var j = 0; j < w[i].Length; j++)
                            {
                                v[i][j] = (Gamma * v[i][j]) + (eta(t) * g[i][j]);
                                w[i][j] -= v[i][j];
                            }
                        }
                    }

                    var ours = c.Run(Optim.LectureMomentum(schedule, Gamma), backend);
                    Expect($"lecture momentum ({schedule.Method.Name})", c, ours, ByName(c, w), worst);
                },
                Cases);
        }

        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// (c) Lecture Nesterov, v ← γv + η∇L(W − γv), W ← W − v, transcribed literally (the gradient taken at W − γv),
    /// against our reparametrized form: our parameters are Ŵ = W − γv at every step, and
    /// <see cref="LectureNesterov.LectureWeights"/> recovers W.
    /// </summary>
    [Theory]
    [MemberData(nameof(Float64))]
    public void Lecture_nesterov_matches_its_formula(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"(c) lecture Nesterov vs its formula on {combination}");
        foreach (var (schedule, eta) in Rates())
        {
            Law.Check(
                OptimizerCase.Arbitrary,
                c =>
                {
                    var w = c.InitialValues();
                    var v = Zeros(w);
                    for (var t = 0; t < OptimizerCase.Steps; t++)
                    {
                        var lookAhead = Combine(w, v, -Gamma);
                        var g = Gradient(c, t, lookAhead);
                        for (var i = 0; i < w.Length; i++)
                        {
                            for (var j = 0; j < w[i].Length; j++)
                            {
                                v[i][j] = (Gamma * v[i][j]) + (eta(t) * g[i][j]);
                                w[i][j] -= v[i][j];
                            }
                        }
                    }

                    var nesterov = new LectureNesterov(schedule, Gamma);
                    Dictionary<string, double[]> hat, weights;
                    using (var scope = backend.Scope())
                    {
                        var p = c.Parameters(backend);
                        var s = nesterov.Init(p);
                        for (var t = 0; t < OptimizerCase.Steps; t++)
                        {
                            (p, s) = nesterov.Step(c.Gradient(t, p), s, p);
                        }

                        hat = p.ToDictionary(l => l.Key, l => l.Value.ToArray());
                        weights = nesterov.LectureWeights(p, s).ToDictionary(l => l.Key, l => l.Value.ToArray());
                    }

                    Expect($"lecture Nesterov Ŵ vs W − γv ({schedule.Method.Name})", c, hat, ByName(c, Combine(w, v, -Gamma)), worst);
                    Expect($"lecture Nesterov LectureWeights vs W ({schedule.Method.Name})", c, weights, ByName(c, w), worst);
                },
                Cases);
        }

        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// (c) The documented relation of the two forms: with a constant rate, PyTorch's momentum (b ← μb + g,
    /// θ ← θ − α·b) takes the same steps as the lecture's (v = α·b), and PyTorch's Nesterov the same steps as the
    /// lecture's Nesterov on the look-ahead point.
    /// </summary>
    [Theory]
    [MemberData(nameof(Float64))]
    public void Torch_forms_equal_lecture_forms_at_a_constant_rate(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"(c) PyTorch form vs lecture form at a constant rate on {combination}");
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                Expect(
                    "SGD(momentum) vs lecture momentum",
                    c,
                    c.Run(Optim.Sgd(Eta, momentum: Gamma), backend),
                    c.Run(Optim.LectureMomentum(Eta, Gamma), backend),
                    worst);
                Expect(
                    "SGD(nesterov) vs lecture Nesterov",
                    c,
                    c.Run(Optim.Sgd(Eta, momentum: Gamma, nesterov: true), backend),
                    c.Run(Optim.LectureNesterov(Eta, Gamma), backend),
                    worst);
            },
            Cases);
        output.WriteLine(worst.ToString());
    }

    /// <summary>(c) Gradient descent with the lecture's α₀/epoch: W ← W − α₀/(1 + ⌊t/τ⌋)·∇L.</summary>
    [Theory]
    [MemberData(nameof(Float64))]
    public void Sgd_with_inverse_time_rate_matches_its_formula(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"(c) SGD with α₀/epoch vs its formula on {combination}");
        const int stepsPerEpoch = 7;
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                var w = c.InitialValues();
                for (var t = 0; t < OptimizerCase.Steps; t++)
                {
                    var g = Gradient(c, t, w);
                    var rate = 0.1 / (1 + (t / stepsPerEpoch));
                    for (var i = 0; i < w.Length; i++)
                    {
                        for (var j = 0; j < w[i].Length; j++)
                        {
                            w[i][j] -= rate * g[i][j];
                        }
                    }
                }

                Expect("SGD α₀/epoch", c, c.Run(Optim.Sgd(Schedules.InverseTime(0.1, stepsPerEpoch)), backend), ByName(c, w), worst);
            },
            Cases);
        output.WriteLine(worst.ToString());
    }

    /// <summary>(c) Gradient descent with decoupled weight decay ("SGDW"): W ← W(1 − αλ) − α∇L.</summary>
    [Theory]
    [MemberData(nameof(Float64))]
    public void Sgd_with_decoupled_decay_matches_its_formula(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"(c) SGD + decoupled weight decay vs its formula on {combination}");
        const double lambda = 0.2;
        Law.Check(
            OptimizerCase.Arbitrary,
            c =>
            {
                var w = c.InitialValues();
                for (var t = 0; t < OptimizerCase.Steps; t++)
                {
                    var g = Gradient(c, t, w);
                    for (var i = 0; i < w.Length; i++)
                    {
                        for (var j = 0; j < w[i].Length; j++)
                        {
                            w[i][j] = (w[i][j] * (1 - (Eta * lambda))) - (Eta * g[i][j]);
                        }
                    }
                }

                var ours = c.Run(Optim.Chain(Optim.Sgd(Eta), Optim.DecoupledWeightDecay(lambda, Eta)), backend);
                Expect("SGDW", c, ours, ByName(c, w), worst);
            },
            Cases);
        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// (c) L1 decay with gradient descent, W ← W − η(∇L + λ·sign W), against <see cref="Math.Sign(double)"/>, from
    /// parameters of which every third entry is exactly 0 and every fifth ±10⁻²⁰⁰ (sign 0 and ±1 exactly).
    /// </summary>
    [Theory]
    [MemberData(nameof(Float64))]
    public void L1_decay_matches_its_formula(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        var worst = new WorstSeen($"(c) L1 decay + SGD vs its formula on {combination}");
        const double lambda = 0.05;
        Law.Check(
            OptimizerCase.RandomSequences,
            c =>
            {
                var start = c.InitialValues();
                for (var i = 0; i < start.Length; i++)
                {
                    for (var j = 0; j < start[i].Length; j++)
                    {
                        start[i][j] = j % 3 == 0 ? 0 : j % 5 == 0 ? Math.CopySign(1e-200, start[i][j]) : start[i][j];
                    }
                }

                var optimizer = Optim.Chain(Optim.AddL1Decay(lambda), Optim.Sgd(Eta));
                Dictionary<string, double[]> ours;
                using (var scope = backend.Scope())
                {
                    var p = c.Tree(backend, start);
                    var s = optimizer.Init(p);
                    for (var t = 0; t < OptimizerCase.Steps; t++)
                    {
                        (p, s) = optimizer.Step(c.Tree(backend, c.RandomGradient(t)), s, p);
                    }

                    ours = p.ToDictionary(l => l.Key, l => l.Value.ToArray());
                }

                var w = start.Select(a => (double[])a.Clone()).ToArray();
                for (var t = 0; t < OptimizerCase.Steps; t++)
                {
                    var g = c.RandomGradient(t);
                    for (var i = 0; i < w.Length; i++)
                    {
                        for (var j = 0; j < w[i].Length; j++)
                        {
                            w[i][j] -= Eta * (g[i][j] + (lambda * Math.Sign(w[i][j])));
                        }
                    }
                }

                Expect("L1 decay + SGD", c, ours, ByName(c, w), worst, ByName(c, start));
            },
            Cases);
        output.WriteLine(worst.ToString());
    }

    private static IEnumerable<(Schedule Schedule, Func<int, double> Eta)> Rates() =>
    [
        (Schedules.Constant(Eta), _ => Eta),
        (Schedules.InverseTime(Eta, 10), t => Eta / (1 + (t / 10))),
    ];

    /// <summary>The case's gradient at step <paramref name="t"/> at the point <paramref name="w"/>, in plain C#.</summary>
    private static double[][] Gradient(OptimizerCase c, int t, double[][] w) =>
        c.Source == GradientSource.RandomSequence ? c.RandomGradient(t) : c.LossGradient(w);

    private static double[][] Zeros(double[][] like) => [.. like.Select(a => new double[a.Length])];

    /// <summary>a + s·b entrywise.</summary>
    private static double[][] Combine(double[][] a, double[][] b, double s) =>
        [.. a.Select((x, i) => x.Select((y, j) => y + (s * b[i][j])).ToArray())];

    private static Dictionary<string, double[]> ByName(OptimizerCase c, double[][] values) =>
        c.Names.Zip(values).ToDictionary(p => p.First, p => p.Second);

    private static void Expect(
        string what, OptimizerCase c, Dictionary<string, double[]> ours, Dictionary<string, double[]> formula, WorstSeen worst, Dictionary<string, double[]>? initial = null)
    {
        initial ??= ByName(c, c.InitialValues());
        var e = TrajectoryError.Of(ours, formula, initial);
        worst.Record(e.Value, () => $"{what}: {e} in {c}");
        if (!(e.Value <= Tolerance))
        {
            throw new LawViolation($"{what}: {e} exceeds {Tolerance:G} (a = ours, b = formula) in {c}");
        }
    }
}
