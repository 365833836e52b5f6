using Functional.Nets.Reference;
using Functional.Nets.Tests.Checkpoints;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// The GAN's objectives as examples/Gan states them, on two tiny pairs shaped like its MLP and convolutional pairs
/// (the latter with transposed convolutions and batch norm in the generator) on 6 × 6 images: the discriminator's
/// BCE(D(x), 1) + BCE(D(G(z)), 0) with respect to D only, and both generator criteria (non-saturating BCE(D(G(z)), 1),
/// saturating −BCE(D(G(z)), 0) = mean ln(1 − D(G(z)))) with respect to G only. Each part's gradient agrees between the
/// Reference backend's hand-written VJPs and libtorch's autograd in float64, and with central differences; a step that
/// updates one part leaves the other's parameters, layer state and optimizer state bit-identical, on every backend.
/// </summary>
/// <remarks>
/// The pairs use tanh and sigmoid only (no ReLU-type kinks), so central differences need no kink detection.
/// </remarks>
public sealed class GanObjectiveTests
{
    private const int Noise = 3;
    private const int Samples = 6;

    /// <summary>Pairs × objectives.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var pair in new[] { "mlp", "conv" })
        {
            foreach (var objective in new[] { "discriminator", "non-saturating", "saturating" })
            {
                data.Add(pair, objective);
            }
        }

        return data;
    }

    /// <summary>Every backend combination × pair.</summary>
    public static TheoryData<string, string> BackendPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string combination in BackendCombinations.All)
        {
            data.Add(combination, "mlp");
            data.Add(combination, "conv");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_parts_gradient_agrees_between_the_float64_backends(string pair, string objective)
    {
        var reference = ReferenceBackend.Instance;
        var torch = TorchBackend.CpuFloat64;
        var state = Create(pair, reference);
        var (_, expected) = Gradient(pair, objective, state, reference);
        var (_, actual) = Gradient(pair, objective, ToBackend(state, torch), torch);

        // Only the trained part is differentiated: the gradient tree has its leaves and no others.
        var part = Part(objective);
        Assert.Equal(state.Parameters.Names.Where(n => n.StartsWith(part + ".", StringComparison.Ordinal)), expected.Names);
        Assert.Equal(expected.Names, actual.Names);
        foreach (var (name, g) in expected)
        {
            // DESIGN.md's law 2: two float64 gradient paths summing in different orders differ by a few ulps per
            // operation; 1e-10 per tensor leaves ample room at this depth.
            var error = RelativeError.Of(g, actual[name]);
            Assert.True(error.Value <= 1e-10, $"{pair}/{objective}: leaf '{name}' relative error {error.Value:E2} at {error.WorstIndex}: reference {error.A:R}, torch {error.B:R}");
            Assert.True(g.ToArray().Any(v => v != 0), $"{pair}/{objective}: leaf '{name}' has an all-zero gradient; the comparison would be empty");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_parts_gradient_agrees_with_central_differences(string pair, string objective)
    {
        var backend = ReferenceBackend.Instance;
        var state = Create(pair, backend);
        var (loss, gradients) = Gradient(pair, objective, state, backend);
        var part = Part(objective);
        foreach (var (name, leaf) in state.Parameters.Where(n => n.StartsWith(part + ".", StringComparison.Ordinal)))
        {
            var values = leaf.ToArray();
            var analytic = gradients[name].ToArray();
            var numeric = new double[values.Length];
            for (var j = 0; j < values.Length; j++)
            {
                // h = 1e-6·max(1, |θ|): truncation error ~h²·|L‴| ≈ 1e-12, rounding noise ~u·|L|/h ≈ 1e-16·|L|/1e-6.
                var h = 1e-6 * Math.Max(1, Math.Abs(values[j]));
                double At(double theta)
                {
                    var copy = (double[])values.Clone();
                    copy[j] = theta;
                    var moved = state.Parameters.With(TensorTree.Of((name, backend.FromArray(copy, leaf.Shape))));
                    return Loss(pair, objective, moved, state.LayerState, backend).Item();
                }

                numeric[j] = (At(values[j] + h) - At(values[j] - h)) / (2 * h);
            }

            // The noise above is ≈ 1e-10·|L| per entry (|L| ≈ 1.4 here); 1e-8 absolute is 100 times that, and 1e-6 of the
            // leaf's scale covers the truncation term. A wrong derivative (a sign, a factor, the wrong part) is off by
            // the order of the gradient itself.
            var scale = Math.Max(analytic.Max(Math.Abs), numeric.Max(Math.Abs));
            for (var j = 0; j < values.Length; j++)
            {
                Assert.True(
                    Math.Abs(analytic[j] - numeric[j]) <= 1e-8 * Math.Max(1, Math.Abs(loss)) + (1e-6 * scale),
                    $"{pair}/{objective}: leaf '{name}' entry {j}: VJP {analytic[j]:R}, central difference {numeric[j]:R} (leaf scale {scale:E2}, loss {loss:R})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(BackendPairs))]
    public void A_step_that_updates_one_part_leaves_the_other_bit_identical(string combination, string pair)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var images = Images(backend);
        var batch = new Batch(images, [.. Enumerable.Range(0, Samples)]);
        foreach (var (trained, untouched, objective) in new[] { ("discriminator", "generator", "discriminator"), ("generator", "discriminator", "non-saturating") })
        {
            var start = Create(pair, backend);

            // One full step first, so both optimizer states hold moments (not Adam's initial zeros) when compared.
            var both = new MultiPartTrainer(new PartUpdate(Objective(pair, "discriminator"), "discriminator"), new PartUpdate(Objective(pair, "non-saturating"), "generator"));
            var (state, _) = both.Step(start, batch, requireFiniteLoss: true);
            var before = Snapshot(state[untouched]);
            var changed = Snapshot(state[trained]);

            // Donated: the optimizer may write into the state's buffers, so the comparison is against copies taken before.
            var one = new MultiPartTrainer(new PartUpdate(Objective(pair, objective), trained));
            var (after, _) = one.Step(state, batch, requireFiniteLoss: true, donate: true);
            var what = $"{combination}/{pair}: after a step of '{trained}' only, '{untouched}'";
            Bits.Identical($"{what} parameters", before.Parameters, after[untouched].Parameters);
            Bits.Identical($"{what} layer state", before.LayerState, after[untouched].LayerState);
            Bits.Identical($"{what} optimizer state", before.OptimizerState, after[untouched].OptimizerState);

            // The trained part did move, and so did its optimizer state (the check is not between two idle parts).
            var moved = after[trained];
            Assert.Contains(changed.Parameters.Names, n => !changed.Parameters[n].ToArray().SequenceEqual(moved.Parameters[n].ToArray()));
            Assert.Contains(changed.OptimizerState.Names, n => !changed.OptimizerState[n].ToArray().SequenceEqual(moved.OptimizerState[n].ToArray()));
        }
    }

    /// <summary>The generator: MLP z → 8 → 36 (tanh, sigmoid) reshaped to [N, 1, 6, 6]; conv: ConvT 3×3 (z → 3 maps of 3×3), BN, tanh, ConvT 4×4 stride 2 (→ 1 map of 6×6), sigmoid.</summary>
    private static Layer Generator(string pair) => pair == "mlp"
        ? new Sequential(new Dense(Noise, 8), new Tanh(), new Dense(8, 36), new Sigmoid())
        : new Sequential(new ConvTranspose2d(Noise, 3, 3, bias: false), new BatchNorm(3), new Tanh(), new ConvTranspose2d(3, 1, 4, stride: 2, padding: 1), new Sigmoid());

    /// <summary>The discriminator: MLP 36 → 6 → 1 (tanh); conv: conv 4×4 stride 2 (1 → 3 maps of 3×3), tanh, dense 27 → 1.</summary>
    private static Layer Discriminator(string pair) => pair == "mlp"
        ? new Sequential(new Flatten(), new Dense(36, 6), new Tanh(), new Dense(6, 1))
        : new Sequential(new Conv2d(1, 3, 4, stride: 2, padding: Padding.Symmetric(1, 1)), new Tanh(), new Flatten(), new Dense(27, 1));

    private static MultiPartState Create(string pair, Backend backend) =>
        MultiPartState.Create(Key.FromSeed(11), backend, ("generator", Generator(pair), Optim.Adam(1e-2, beta1: 0.5)), ("discriminator", Discriminator(pair), Optim.Adam(1e-2, beta1: 0.5)));

    /// <summary>Six "real" images with pixels in (0, 1).</summary>
    private static Tensor Images(Backend backend) => backend.FromArray(Key.FromSeed(12).Uniform(Samples * 36, 0.05, 0.95), Samples, 1, 6, 6);

    private static string Part(string objective) => objective == "discriminator" ? "discriminator" : "generator";

    /// <summary>The objective in examples/Gan's form (G in training mode; the generator update keeps G's new batch-norm statistics).</summary>
    private static Objective Objective(string pair, string objective) => (parameters, state, batch, key) =>
    {
        var backend = batch.Inputs.Backend;
        var (fake, next) = Generator(pair).Apply(parameters.Child("generator"), state.Child("generator"), backend.FromArray(key.Normal(batch.Count * Noise), pair == "mlp" ? new[] { batch.Count, Noise } : new[] { batch.Count, Noise, 1, 1 }), Context.TrainDeterministic);
        fake = fake.Reshape(batch.Count, 1, 6, 6);
        var d = Discriminator(pair);
        var fakeLogits = d.Apply(parameters.Child("discriminator"), TensorTree.Empty, fake, Context.TrainDeterministic).Output;
        var ones = backend.FromArray(Enumerable.Repeat(1.0, batch.Count).ToArray(), batch.Count, 1);
        var zeros = backend.FromArray(new double[batch.Count], batch.Count, 1);
        switch (objective)
        {
            case "discriminator":
                var realLogits = d.Apply(parameters.Child("discriminator"), TensorTree.Empty, batch.Inputs, Context.TrainDeterministic).Output;
                return new ObjectiveResult(Losses.BinaryCrossEntropyWithLogits(realLogits, ones) + Losses.BinaryCrossEntropyWithLogits(fakeLogits, zeros), TensorTree.Empty);
            case "non-saturating":
                return new ObjectiveResult(Losses.BinaryCrossEntropyWithLogits(fakeLogits, ones), TensorTree.Nest([("generator", next)]));
            default:
                return new ObjectiveResult(-Losses.BinaryCrossEntropyWithLogits(fakeLogits, zeros), TensorTree.Nest([("generator", next)]));
        }
    };

    private static Tensor Loss(string pair, string objective, TensorTree parameters, TensorTree layerState, Backend backend)
    {
        var images = Images(backend);
        return Objective(pair, objective)(parameters, layerState, new Batch(images, [.. Enumerable.Range(0, Samples)]), Key.FromSeed(13)).Loss;
    }

    /// <summary>The loss and its gradient with respect to the objective's own part (the other part a constant), as a PartUpdate takes it.</summary>
    private static (double Loss, TensorTree Gradients) Gradient(string pair, string objective, MultiPartState state, Backend backend)
    {
        var part = Part(objective);
        var (trainable, frozen) = (state.Parameters.Where(n => n.StartsWith(part + ".", StringComparison.Ordinal)), state.Parameters.Where(n => !n.StartsWith(part + ".", StringComparison.Ordinal)));
        var (value, gradients) = Grad.ValueAndGradTrainable(p => Loss(pair, objective, p, state.LayerState, backend), trainable, frozen);
        return (value.Item(), gradients);
    }

    private static MultiPartState ToBackend(MultiPartState state, Backend backend) =>
        state with { Parts = state.Parts.Select(p => p with { Parameters = p.Parameters.ToBackend(backend), LayerState = p.LayerState.ToBackend(backend), OptimizerState = p.OptimizerState.ToBackend(backend) }).ToArray() };

    /// <summary>Copies of a part's trees (new tensors with the same values), safe from a donated step's in-place writes.</summary>
    private static TrainPart Snapshot(TrainPart part)
    {
        static TensorTree Copy(TensorTree t) => t.Map(x => x.Backend.FromArray(x.ToArray(), x.Shape));
        return part with { Parameters = Copy(part.Parameters), LayerState = Copy(part.LayerState), OptimizerState = Copy(part.OptimizerState) };
    }
}
