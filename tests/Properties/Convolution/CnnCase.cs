using System.Globalization;
using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Convolution;

/// <summary>
/// A convolutional network (or one block) with batch norm, its input shape and mode, every value drawn from
/// <see cref="Seed"/>: parameters from <c>Key.FromSeed(Seed).Fold(0)</c> (batch norm's γ and β then redrawn,
/// see <see cref="Parameters"/>), the input N(0, 1) from fold 1, the cotangent r of the objective Σ y ⊙ r from fold 2, and in
/// evaluation mode random running statistics (mean N(0, ½²), variance U(0.5, 2)) from fold 3. Training mode runs with
/// <see cref="Context.TrainDeterministic"/> and returns the updated running statistics, which are compared too.
/// </summary>
/// <param name="Seed">The seed.</param>
/// <param name="Layer">The network.</param>
/// <param name="InputShape">[N, C, H, W].</param>
/// <param name="Mode">Training (batch statistics) or evaluation (running statistics).</param>
public sealed record CnnCase(long Seed, Layer Layer, Shape InputShape, Mode Mode)
{
    /// <summary>
    /// The parameters on <paramref name="backend"/>, the same draws on every backend. Batch norm's γ is redrawn from
    /// U(0.5, 1.5) and β from N(0, ½²): with β = 0 a (leaky) ReLU after it is positively homogeneous in γ, and a later
    /// training-mode batch norm makes the loss nearly scale-invariant in γ, a gradient made mostly of cancellation.
    /// </summary>
    public TensorTree Parameters(Backend backend)
    {
        var init = Layer.Init(Root.Fold(0), backend);
        // A rank-1 leaf named weight is a batch norm's γ (convolution and dense weights have rank ≥ 2); its β is beside it.
        var norms = init.Where(l => l.Key.EndsWith("weight", StringComparison.Ordinal) && l.Value.Shape.Rank == 1)
            .Select(l => l.Key[..^"weight".Length]).ToHashSet();
        var draw = Root.Fold(4);
        var index = 0UL;
        return init.Map((name, t) =>
        {
            var dot = name.LastIndexOf('.') + 1;
            if (!norms.Contains(name[..dot]))
            {
                return t;
            }

            var values = name[dot..] == "weight"
                ? draw.Fold(index++).Uniform(checked((int)t.Size), 0.5, 1.5)
                : draw.Fold(index++).Normal(checked((int)t.Size)).Select(v => v / 2).ToArray();
            return backend.FromArray(values, t.Shape);
        });
    }

    /// <summary>The state: fresh in training mode, random running statistics in evaluation mode.</summary>
    public TensorTree State(Backend backend)
    {
        var state = Layer.InitState(backend);
        if (Mode == Mode.Train)
        {
            return state;
        }

        var draw = Root.Fold(3);
        var index = 0UL;
        return state.Map((name, t) =>
            name.EndsWith("running_mean", StringComparison.Ordinal)
                ? backend.FromArray(draw.Fold(index++).Normal(checked((int)t.Size)).Select(v => v / 2).ToArray(), t.Shape)
                : name.EndsWith("running_var", StringComparison.Ordinal)
                    ? backend.FromArray(draw.Fold(index++).Uniform(checked((int)t.Size), 0.5, 2), t.Shape)
                    : t);
    }

    /// <summary>The input, standard normal.</summary>
    public Tensor Input(Backend backend) => backend.FromArray(Root.Fold(1).Normal(checked((int)InputShape.Size)), InputShape);

    /// <summary>The context of <see cref="Mode"/>.</summary>
    public Context Context => Mode == Mode.Train ? Context.TrainDeterministic : Context.Eval;

    /// <summary>The output and new state for a tree holding the parameters under <c>p.*</c> and the input as <c>x.x</c>.</summary>
    public (Tensor Output, TensorTree State) Run(TensorTree arguments, TensorTree state) =>
        Layer.Apply(arguments.Child("p"), state, arguments["x.x"], Context);

    /// <summary>The cotangent r, standard normal in the output's shape.</summary>
    public Tensor Cotangent(Backend backend)
    {
        var shape = Layer.OutputShape(InputShape);
        return backend.FromArray(Root.Fold(2).Normal(checked((int)shape.Size)), shape);
    }

    /// <summary>The objective Σ y ⊙ r of the parameters and the input.</summary>
    public Func<TensorTree, Tensor> Objective(Backend backend)
    {
        var r = Cotangent(backend);
        var state = State(backend);
        return tree => (Run(tree, state).Output * r).Sum();
    }

    /// <summary>Parameters under <c>p.*</c>, the input as <c>x.x</c>.</summary>
    public TensorTree Arguments(Backend backend) =>
        TensorTree.Nest([("p", Parameters(backend)), ("x", TensorTree.Of(("x", Input(backend))))]);

    /// <summary>
    /// Linear maps (convolutions, dense layers, batch norms) on the longest path from input to output: the depth of
    /// the float32 bound. Children that share the input (residual, branches) count their longest one.
    /// </summary>
    public int Depth => PathDepth(Layer);

    /// <summary>
    /// The longest sum one output entry is made of: a convolution's C_in/groups·k_h·k_w, a dense layer's inputs,
    /// a pool's window, batch norm's N·H·W entries per channel in training mode (its mean and variance are such sums).
    /// </summary>
    public int MaxWidth => Widest(Layer, InputShape);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"CnnCase(seed {Seed}, {Mode}, input {InputShape}, {Tree(Layer)})");

    /// <summary>The layer with its children, recursively, for messages.</summary>
    public static string Tree(Layer layer) =>
        layer.Children.Count == 0
            ? layer.Describe()
            : $"{layer.Describe()} {{{string.Join("; ", layer.Children.Select(c => $"{c.Name}: {Tree(c.Layer)}"))}}}";

    private static int PathDepth(Layer layer) => layer switch
    {
        ConvolutionLayer or Dense or BatchNorm => 1,
        _ when layer.Children.Count == 0 => 0,
        _ when layer.ChildrenShareInput => layer.Children.Max(c => PathDepth(c.Layer)),
        _ => layer.Children.Sum(c => PathDepth(c.Layer)),
    };

    private int Widest(Layer layer, Shape input)
    {
        switch (layer)
        {
            case ConvolutionLayer c:
                return c.FanIn;
            case Dense d:
                return d.Inputs;
            case BatchNorm:
                return Mode == Mode.Train ? checked((int)(input.Size / input[1])) : 1;
            case MaxPool2d m:
                return m.Window.KernelH * m.Window.KernelW;
            case AvgPool2d a:
                return a.Window.KernelH * a.Window.KernelW;
            case AdaptiveAvgPool2d:
                return input[2] * input[3];
        }

        if (layer.Children.Count == 0)
        {
            return 1;
        }

        var widest = 1;
        var shape = input;
        foreach (var (_, child) in layer.Children)
        {
            widest = Math.Max(widest, Widest(child, shape));
            if (!layer.ChildrenShareInput)
            {
                shape = child.OutputShape(shape);
            }
        }

        return widest;
    }

    private Key Root => Key.FromSeed(Seed);
}

/// <summary>The laws over a <see cref="CnnCase"/>: backend agreement (outputs, new state, gradients) and central differences.</summary>
public static class CnnLaws
{
    /// <summary>Float64 outputs and running statistics, per tensor.</summary>
    public const double OutputTolerance = 1e-12;

    /// <summary>Float64 gradients, per leaf.</summary>
    public const double GradientTolerance = 1e-10;

    /// <summary>
    /// Outputs, new state and gradients of <paramref name="combination"/> against the Reference backend (the Reference
    /// against Torch CPU float64), as fractions of the tolerances. Float32 uses the bounds of
    /// <see cref="Layers.LayerLaws"/>: c·depth·√width·u for outputs and c·(2·depth + 1)·√width·u for gradients, relative
    /// to the largest gradient entry of the tree (see there for why that floor).
    /// </summary>
    /// <remarks>
    /// One singular point is set aside, as kinks are: a training-mode batch norm over a channel that is constant in the
    /// batch (zero variance in exact arithmetic; seen where zero padding and strides leave a channel with padded
    /// positions only). There x − μ is pure rounding (~u·|x|, and each backend sums μ in its own order), which the
    /// normalization multiplies by 1/√ε ≈ 316, so the gradients behind it differ by rounding amplified past any bound
    /// that still detects a wrong derivative (seen: 7.1e-14 against an exact 0 in a leaf of gradient scale 6e-4). Such
    /// a case still has its outputs and running statistics compared; <c>GradientSetAside</c> says its gradients were not.
    /// </remarks>
    public static (double Output, double Gradient, bool GradientSetAside) Agree(string combination, CnnCase c)
    {
        var reference = ReferenceBackend.Instance;
        var other = BackendCombinations.Resolve(combination == BackendCombinations.Reference ? BackendCombinations.TorchCpuFloat64 : combination);
        var float32 = other.DType == DType.Float32;
        var outputTolerance = float32 ? BackendAgreementProperties.Float32Tolerance(c.Depth, c.MaxWidth) : OutputTolerance;
        var gradientTolerance = float32 ? BackendAgreementProperties.Float32Tolerance(2 * c.Depth + 1, c.MaxWidth) : GradientTolerance;

        var (yRef, sRef) = c.Run(c.Arguments(reference), c.State(reference));
        using var scope = other.Scope();
        var (yOther, sOther) = c.Run(c.Arguments(other), c.State(other));
        var e = RelativeError.Of(yRef, yOther);
        if (!(e.Value <= outputTolerance))
        {
            throw new LawViolation($"output of {c}: {e} exceeds {outputTolerance:G3} (a = Reference, b = {other})");
        }

        if (sRef.Count > 0)
        {
            var (leaf, s) = Normalization.FlooredLeaves.Worst(sRef, sOther, StateFloors(c, c.State(reference), sRef));
            if (!(s.Value <= outputTolerance))
            {
                throw new LawViolation($"new state of {c}: leaf '{leaf}' {s} exceeds {outputTolerance:G3} (a = Reference, b = {other})");
            }
        }

        if (c.Mode == Mode.Train && HasConstantChannel(c, c.State(reference), sRef))
        {
            return (e.Value / outputTolerance, 0, true);
        }

        var (_, gRef) = Grad.ValueAndGrad(c.Objective(reference), c.Arguments(reference));
        var (_, gOther) = Grad.ValueAndGrad(c.Objective(other), c.Arguments(other));
        // Float64: a leaf whose gradient is zero in exact arithmetic (seen: 0 vs −1.1e-15 behind a batch norm) holds only
        // the rounding of sums whose terms are of the tree's gradient scale, so it is measured against 1e-4 of the
        // largest gradient entry: 1e-10 of that is still ~100 ulps of that entry, far below any wrong derivative.
        var largest = gRef.Values.Max(t => t.ToArray().Max(Math.Abs));
        var floor = float32 ? largest : Math.Max(RelativeError.DefaultFloor, 1e-4 * largest);
        var (worstLeaf, g) = RelativeError.WorstLeaf(gRef, gOther, floor);
        if (!(g.Value <= gradientTolerance))
        {
            throw new LawViolation($"gradient of {c}: leaf '{worstLeaf}' {g} exceeds {gradientTolerance:G3} (a = Reference, b = {other})");
        }

        return (e.Value / outputTolerance, g.Value / gradientTolerance, false);
    }

    /// <summary>
    /// Whether a training-mode batch norm saw a channel constant in its batch: its batch variance σ² (see
    /// <see cref="BatchMoments"/>) is rounding only (below 1e-24·max(1, μ²),
    /// where a constant channel's computed σ² is of order u²·μ² ≈ 1e-32·μ²).
    /// </summary>
    private static bool HasConstantChannel(CnnCase c, TensorTree before, TensorTree after) =>
        BatchMoments(c, before, after).Any(l => l.Mean.Zip(l.Variance).Any(p => p.Second < 1e-24 * Math.Max(1, p.First * p.First)));

    /// <summary>
    /// The scale each running statistic is made of. A batch mean μ = Σx/M of terms of size rms(x) = √(σ² + μ²) carries a
    /// rounding error of order √M·u·rms(x) however small μ is (seen: μ = 8.8e-6 from terms of order 1, 6e-5 relative
    /// in float32), so running_mean ← (1 − m)·old + m·μ is measured against m·rms(x) and running_var against
    /// m·(σ² + μ²), with μ and the unbiased σ² recovered from the Reference's update and m the layer's momentum.
    /// </summary>
    private static Dictionary<string, double> StateFloors(CnnCase c, TensorTree before, TensorTree after)
    {
        var floors = new Dictionary<string, double>();
        foreach (var (prefix, m, mu, sigma2) in BatchMoments(c, before, after))
        {
            var second = mu.Zip(sigma2, (u, v) => Math.Max(0, v) + (u * u)).Max();
            floors[prefix + "running_mean"] = m * Math.Sqrt(second);
            floors[prefix + "running_var"] = m * second;
        }

        return floors;
    }

    /// <summary>
    /// Each training-mode batch norm's batch moments, recovered from the Reference's running-statistics update
    /// (running′ = (1 − m)·running + m·batch): its leaf prefix, momentum m, batch mean μ and unbiased variance σ² per
    /// channel. A layer with momentum 0 keeps no trace and is left out.
    /// </summary>
    private static IEnumerable<(string Prefix, double Momentum, double[] Mean, double[] Variance)> BatchMoments(CnnCase c, TensorTree before, TensorTree after)
    {
        foreach (var name in after.Names.Where(n => n.EndsWith("running_mean", StringComparison.Ordinal)))
        {
            var prefix = name[..^"running_mean".Length];
            var m = ((BatchNorm)At(c.Layer, prefix.TrimEnd('.'))).Momentum;
            if (m == 0)
            {
                continue;
            }

            var meanOld = before[name].ToArray();
            var varOld = before[prefix + "running_var"].ToArray();
            var mu = after[name].ToArray().Select((v, i) => (v - ((1 - m) * meanOld[i])) / m).ToArray();
            var sigma2 = after[prefix + "running_var"].ToArray().Select((v, i) => (v - ((1 - m) * varOld[i])) / m).ToArray();
            yield return (prefix, m, mu, sigma2);
        }
    }

    private static Layer At(Layer layer, string path) =>
        path.Length == 0
            ? layer
            : At(layer.Children.Single(ch => ch.Name == path.Split('.')[0]).Layer, path.Contains('.', StringComparison.Ordinal) ? path[(path.IndexOf('.', StringComparison.Ordinal) + 1)..] : "");

    /// <summary>
    /// Reference gradients of parameters and input against central differences with the library's kink detection
    /// (<see cref="GradCheck"/>: an entry whose one-sided slopes jump — a ReLU at 0, a max-pool tie — is set aside
    /// as a kink, not tolerated), at most <paramref name="entriesPerLeaf"/> entries per leaf. Returns the report.
    /// </summary>
    public static GradCheckReport MatchesCentralDifferences(CnnCase c, int entriesPerLeaf = 24)
    {
        var backend = ReferenceBackend.Instance;
        var report = GradCheck.Check(c.Objective(backend), c.Arguments(backend), GradCheckOptions.Float64 with { MaxEntriesPerLeaf = entriesPerLeaf, Key = Key.FromSeed(c.Seed) }, c.ToString());
        if (!report.Passed)
        {
            throw new LawViolation($"central differences of {c}: {string.Join("; ", report.FailedRows.Select(r => $"'{r.Leaf}' worst {r.MaxRelativeError:G3} at {r.WorstPosition}: {r.Analytic:G17} vs {r.Expected:G17}"))}");
        }

        return report;
    }
}
