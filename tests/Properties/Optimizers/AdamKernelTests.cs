using Functional.Nets.Reference;
using Functional.Nets.Tests.Checkpoints;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// <see cref="AdamKernel"/>, Adam's one-pass update on host memory: it makes the roundings of the plain composition in
/// the same order, so (1) on raw float64 arrays, SIMD lanes and scalar tail alike, it equals the Reference backend's
/// <c>Optim.Adam</c> step (the plain composition of core operations) bit for bit; (2) <c>Optim.Adam</c> on Torch float64,
/// which runs the kernel on libtorch's memory, pure and donating, equals the Reference backend's steps bit for bit
/// (libtorch's own kernels, <c>lerp</c>, <c>addcmul_</c>, <c>addcdiv_</c>, round differently, so this fails if the
/// kernel is not the path taken); (3) a pure step leaves its operands untouched; (4) operands of different lengths are named.
/// (1) and (2) hold for <c>Optim.AdamW</c> and for <c>Optim.Adam</c> with <c>weightDecay</c> too, whose decays the
/// kernel folds into the same pass.
/// </summary>
public sealed class AdamKernelTests
{
    /// <summary>Leaf sizes (below one SIMD width, exactly some, with a tail, and many) × the three forms the kernel runs.</summary>
    public static TheoryData<int, string> Lengths
    {
        get
        {
            var data = new TheoryData<int, string>();
            foreach (var n in new[] { 1, 3, 8, 37, 1000 })
            {
                foreach (var form in Forms)
                {
                    data.Add(n, form);
                }
            }

            return data;
        }
    }

    /// <summary>Adam, AdamW (decoupled decay) and Adam with <c>weight_decay</c> (the L2 penalty before Adam).</summary>
    private static readonly string[] Forms = ["adam", "adamw", "adam l2"];

    /// <summary>(1) The kernel on arrays against the Reference backend's optimizer of the same form, five steps, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void The_kernel_on_arrays_is_the_plain_composition_bit_for_bit(int n, string form)
    {
        var key = Key.FromSeed(n);
        var theta = key.Fold(1).Normal(n);
        var m = new double[n];
        var v = new double[n];
        const double lr = 0.01, beta1 = 0.8, beta2 = 0.95, epsilon = 1e-6, lambda = 0.3;

        var reference = ReferenceBackend.Instance;
        var adam = Build(form, lr, beta1, beta2, epsilon, lambda);
        var parameters = TensorTree.Of(("w", reference.FromArray(theta, new Shape(n))));
        var state = adam.Init(parameters);
        for (var t = 1; t <= 5; t++)
        {
            var g = key.Fold((ulong)(10 + t)).Normal(n);
            (parameters, state) = adam.Step(TensorTree.Of(("w", reference.FromArray(g, new Shape(n)))), state, parameters);

            // Adam's rate is −lr; the kernel folds it into γ as the chain does (AdamW: γ is the rate, k = 1/(1 − β₁ᵗ)).
            var s = 1 / Math.Sqrt(1 - Math.Pow(beta2, t));
            var correction1 = 1 - Math.Pow(beta1, t);
            var c = form switch
            {
                "adamw" => new AdamKernel.Coefficients(1 - beta1, beta2, 1 - beta2, s, epsilon, -lr, Decay: lambda, Correction: 1 / correction1),
                "adam l2" => new AdamKernel.Coefficients(1 - beta1, beta2, 1 - beta2, s, epsilon, -lr / correction1, GradientDecay: lambda),
                _ => new AdamKernel.Coefficients(1 - beta1, beta2, 1 - beta2, s, epsilon, -lr / correction1),
            };
            AdamKernel.Step<double>(g, m, v, theta, m, v, theta, c);
        }

        // Adam's state lives in link 0 of AdamW's chain and in link 1 after the L2 penalty.
        var link = form == "adam l2" ? "1." : "0.";
        AssertBits("θ", parameters["w"].ToArray(), theta);
        AssertBits("m", state[link + LeafState.Name("w", ScaleByAdam.MeanSlot)].ToArray(), m);
        AssertBits("v", state[link + LeafState.Name("w", ScaleByAdam.SquareSlot)].ToArray(), v);
    }

    private static Optimizer Build(string form, double lr, double beta1, double beta2, double epsilon, double lambda) => form switch
    {
        "adamw" => Optim.AdamW(lr, beta1, beta2, epsilon, lambda),
        "adam l2" => Optim.Adam(lr, beta1, beta2, epsilon, lambda),
        _ => Optim.Adam(lr, beta1, beta2, epsilon),
    };

    /// <summary>(2) The three forms on Torch float64, pure and donating, against the Reference backend: bit for bit over a tree of leaves.</summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("adam l2")]
    public void Torch_float64_steps_run_the_kernel_and_equal_the_reference_steps(string name)
    {
        var torch = TorchBackend.CpuFloat64;
        using var scope = torch.Scope();
        var shapes = new[] { ("0.weight", new Shape(5, 7)), ("0.bias", new Shape(5)), ("1.weight", new Shape(3, 5)), ("1.bias", new Shape(3)) };
        var key = Key.FromSeed(3);
        TensorTree Tree(Backend b, int salt) =>
            TensorTree.Of([.. shapes.Select((s, i) => (s.Item1, b.FromArray(key.Fold((ulong)salt).Fold((ulong)i).Normal((int)s.Item2.Size), s.Item2)))]);

        var adam = Build(name, 0.05, 0.9, 0.999, 1e-8, 0.2);
        var reference = ReferenceBackend.Instance;
        var (rp, rs) = (Tree(reference, 0), adam.Init(Tree(reference, 0)));
        var (pp, ps) = (Tree(torch, 0), adam.Init(Tree(torch, 0)));
        var (dp, ds) = (Tree(torch, 0), adam.Init(Tree(torch, 0)));
        for (var t = 1; t <= 6; t++)
        {
            (rp, rs) = adam.Step(Tree(reference, t), rs, rp);
            (pp, ps) = adam.Step(Tree(torch, t), ps, pp);
            (dp, ds) = adam.StepDonating(Tree(torch, t), ds, dp);
        }

        Bits.Identical($"Torch float64 pure {name} vs Reference", rp, pp);
        Bits.Identical($"Torch float64 pure {name} state vs Reference", rs, ps);
        Bits.Identical($"Torch float64 donated {name} vs Reference", rp, dp);
        Bits.Identical($"Torch float64 donated {name} state vs Reference", rs, ds);
    }

    /// <summary>(3) A pure step on Torch float32 writes fresh tensors and leaves g, m, v and θ as they were.</summary>
    [Fact]
    public void A_pure_step_leaves_its_operands_untouched()
    {
        var torch = TorchBackend.CpuFloat32;
        using var scope = torch.Scope();
        var key = Key.FromSeed(4);
        var parameters = TensorTree.Of(("w", torch.FromArray(key.Fold(1).Normal(300), new Shape(300))));
        var adam = Optim.Adam(0.1);
        var state = adam.Init(parameters);
        var gradients = TensorTree.Of(("w", torch.FromArray(key.Fold(2).Normal(300), new Shape(300))));
        (parameters, state) = adam.Step(gradients, state, parameters);
        var before = (P: parameters["w"].ToArray(), S: state.Select(l => l.Value.ToArray()).ToArray(), G: gradients["w"].ToArray());
        var (next, nextState) = adam.Step(gradients, state, parameters);

        Assert.Equal(before.P, parameters["w"].ToArray());
        Assert.Equal(before.G, gradients["w"].ToArray());
        Assert.Equal(before.S, state.Select(l => l.Value.ToArray()).ToArray());
        Assert.NotEqual(before.P, next["w"].ToArray());
        Assert.NotEqual(before.S[1], nextState["0." + LeafState.Name("w", ScaleByAdam.MeanSlot)].ToArray());
    }

    /// <summary>(4) Operands of different lengths are refused, every length named.</summary>
    [Fact]
    public void Operands_of_different_lengths_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            AdamKernel.Step<float>(new float[4], new float[4], new float[3], new float[4], new float[4], new float[4], new float[4], default));
        Assert.Contains("AdamKernel", e.Message, StringComparison.Ordinal);
        Assert.Contains("4, 4, 3, 4", e.Message, StringComparison.Ordinal);
    }

    private static void AssertBits(string what, double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"{what}[{i}]: kernel {actual[i]:R}, composition {expected[i]:R}");
        }
    }
}
