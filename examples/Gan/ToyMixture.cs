// A toy GAN: a generator learns to turn Gaussian noise into samples of the 1-D mixture
// ½·N(−2, 0.5²) + ½·N(2, 0.5²), against a discriminator that learns to tell its samples from real ones.
// Both networks are parts of one MultiPartState, each with its own Adam state; a step is two updates on one
// batch of real samples (the discriminator's, then the generator's against the updated discriminator), and
// MultiPartTrainer.Fit runs the loop, the same loop Trainer.Fit is for supervised training. The dataset has
// inputs only: there are no targets to learn.
//
// Runs on Torch float32 with one libtorch thread (measured here: 1.1 s for the 384 steps, against 60 s with
// libtorch's default thread per core at load average ~18, whose spinning workers fight the other processes);
// pass "reference" for the Reference backend in float64 (3.0 s).
//
// Prints the measured statistics of 10,000 generated samples beside the data's. Exit code 0 only if the
// generator found both modes with about the right mean, spread and weights, so CI catches a regression.
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Examples.Gan;

/// <summary>The toy GAN on a 1-D mixture of two Gaussians (the example's default, which CI runs).</summary>
internal static class ToyMixture
{
    private const int Seed = 1;
    private const int Noise = 4;
    private const int Samples = 4096;
    private const int BatchSize = 128;
    private const int Epochs = 12; // 32 batches an epoch: 384 steps of two updates each
    private const int Measured = 10_000;

    /// <summary>Trains the toy and prints its statistics; 0 if the generator found both modes, else 1.</summary>
    public static int Run(string[] args)
    {
        Backend backend = args.Length > 0 && args[0] == "reference" ? ReferenceBackend.Instance : TorchBackend.CpuFloat32;
        if (backend is TorchBackend)
        {
            // One libtorch thread: its OpenMP workers spin while they wait, which costs more than they give on ops this small.
            TorchBackend.Threads = 1;
        }

        var generator = new Sequential(new Dense(Noise, 32), new Tanh(), new Dense(32, 32), new Tanh(), new Dense(32, 1));
        var discriminator = new Sequential(new Dense(1, 32), new Tanh(), new Dense(32, 32), new Tanh(), new Dense(32, 1));

        // Adam with β₁ = 0.5, as DCGAN does: a smaller momentum follows the moving target of the other player better.
        var state = MultiPartState.Create(
            Key.FromSeed(Seed), backend,
            ("generator", generator, Optim.Adam(2e-3, beta1: 0.5)),
            ("discriminator", discriminator, Optim.Adam(2e-3, beta1: 0.5)));
        var trainer = new MultiPartTrainer(new PartUpdate(DiscriminatorLoss, "discriminator"), new PartUpdate(GeneratorLoss, "generator"));

        using var data = new Dataset(backend.FromArray(Mixture(Key.FromSeed(100), Samples), Samples, 1));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (trained, history) = trainer.Fit(state, data, new FitOptions { Epochs = Epochs, BatchSize = BatchSize });
        var seconds = clock.Elapsed.TotalSeconds;

        Console.WriteLine($"Toy GAN on ½·N(−2, 0.5²) + ½·N(2, 0.5²): {trained.Step} steps of batch {BatchSize} in {Format(seconds, "F1")} s on {backend}");
        Console.WriteLine($"{"epoch",5} {"D loss",9} {"D accuracy",11} {"G loss",9}");
        foreach (var e in history.Epochs.Where(e => e.Epoch % 3 == 0 || e.Epoch == 1))
        {
            Console.WriteLine($"{e.Epoch,5} {Format(e.Scalar("discriminator.loss")!.Value, "F4"),9} {Format(e.Scalar("discriminator.accuracy")!.Value, "F3"),11} {Format(e.Scalar("generator.loss")!.Value, "F4"),9}");
        }

        // The generator's samples against fresh data samples: mean, standard deviation, the weight of the right-hand
        // mode and the spread within each mode.
        var real = Statistics.Of(Mixture(Key.FromSeed(200), Measured));
        var fake = Statistics.Of(Sample(trained, Key.FromSeed(300), Measured));
        Console.WriteLine();
        Console.WriteLine($"{"",-10} {"mean",8} {"std",8} {"P(x > 0)",9} {"left mode",16} {"right mode",16}");
        Print("data", real);
        Print("generator", fake);

        var failures = new List<string>();
        if (Math.Abs(fake.Mean - real.Mean) > 0.3) failures.Add($"mean {Format(fake.Mean, "F3")}, data {Format(real.Mean, "F3")}");
        if (Math.Abs(fake.Std - real.Std) > 0.3) failures.Add($"std {Format(fake.Std, "F3")}, data {Format(real.Std, "F3")}");
        if (fake.RightWeight is < 0.3 or > 0.7) failures.Add($"P(x > 0) = {Format(fake.RightWeight, "F3")}: a mode is missing");
        foreach (var f in failures)
        {
            Console.Error.WriteLine($"FAILED: the generator's {f}");
        }

        return failures.Count == 0 ? 0 : 1;

        // BCE(D(x), 1) + BCE(D(G(z)), 0): the generator's parameters are constants here (only "discriminator" is trained).
        ObjectiveResult DiscriminatorLoss(TensorTree p, TensorTree s, Batch batch, Key key)
        {
            var realLogits = discriminator.Apply(p.Child("discriminator"), batch.Inputs);
            var fakeLogits = discriminator.Apply(p.Child("discriminator"), generator.Apply(p.Child("generator"), NoiseBatch(key, batch.Count)));
            var loss = Losses.BinaryCrossEntropyWithLogits(realLogits, Full(batch.Count, 1)) + Losses.BinaryCrossEntropyWithLogits(fakeLogits, Full(batch.Count, 0));
            var right = realLogits.ToArray().Count(v => v > 0) + fakeLogits.ToArray().Count(v => v < 0);
            return new ObjectiveResult(loss, TensorTree.Empty, [new Metric("accuracy", right / (2.0 * batch.Count))]);
        }

        // The non-saturating generator loss BCE(D(G(z)), 1) = −mean log σ(D(G(z))), whose gradient does not vanish when
        // the discriminator wins (Goodfellow et al. 2014, §3); the discriminator is a constant here.
        ObjectiveResult GeneratorLoss(TensorTree p, TensorTree s, Batch batch, Key key)
        {
            var fakeLogits = discriminator.Apply(p.Child("discriminator"), generator.Apply(p.Child("generator"), NoiseBatch(key, batch.Count)));
            return new ObjectiveResult(Losses.BinaryCrossEntropyWithLogits(fakeLogits, Full(batch.Count, 1)), TensorTree.Empty);
        }

        Tensor NoiseBatch(Key key, int count) => backend.FromArray(key.Normal(count * Noise), count, Noise);

        Tensor Full(int count, double value) => backend.FromArray(Enumerable.Repeat(value, count).ToArray(), count, 1);

        double[] Sample(MultiPartState s, Key key, int count)
        {
            using var z = NoiseBatch(key, count);
            using var x = generator.Apply(s["generator"].Parameters, z);
            return x.ToArray();
        }

        // Each sample picks a mode by a fair coin and adds 0.5·N(0, 1) to ±2.
        static double[] Mixture(Key key, int count)
        {
            var coins = key.Fold(0).Uniform(count);
            var normals = key.Fold(1).Normal(count);
            return coins.Zip(normals, (c, n) => (c < 0.5 ? -2 : 2) + 0.5 * n).ToArray();
        }

        void Print(string label, Statistics st) =>
            Console.WriteLine(
                $"{label,-10} {Format(st.Mean, "F3"),8} {Format(st.Std, "F3"),8} {Format(st.RightWeight, "F3"),9} " +
                $"{$"{Format(st.LeftMean, "F2")} ± {Format(st.LeftStd, "F2")}",16} {$"{Format(st.RightMean, "F2")} ± {Format(st.RightStd, "F2")}",16}");

        static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
    }
}

/// <summary>Mean, standard deviation, the fraction above 0, and each side's mean and standard deviation.</summary>
internal sealed record Statistics(double Mean, double Std, double RightWeight, double LeftMean, double LeftStd, double RightMean, double RightStd)
{
    public static Statistics Of(double[] x)
    {
        var left = x.Where(v => v <= 0).ToArray();
        var right = x.Where(v => v > 0).ToArray();
        return new Statistics(x.Average(), StdOf(x), (double)right.Length / x.Length, MeanOf(left), StdOf(left), MeanOf(right), StdOf(right));
    }

    private static double MeanOf(double[] x) => x.Length == 0 ? double.NaN : x.Average();

    // The population standard deviation √(Σ(x − x̄)²/n).
    private static double StdOf(double[] x)
    {
        if (x.Length == 0)
        {
            return double.NaN;
        }

        var mean = x.Average();
        return Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Sum() / x.Length);
    }
}
