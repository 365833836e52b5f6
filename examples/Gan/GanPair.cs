namespace Functional.Nets.Examples.Gan;

/// <summary>
/// A generator G(z, α) and a discriminator D(x, β) for 28 × 28 digits with pixels in [0, 1]: G ends in a sigmoid and
/// gives images [N, 1, 28, 28]; D gives one logit per image (D(x) = σ(logit) is the probability that x is real).
/// </summary>
internal sealed record GanPair(string Name, Layer Generator, Layer Discriminator, int Noise, bool NoiseAsMaps)
{
    /// <summary>
    /// The MLP pair: G = z(64) → 256 → 512 → 784 (LeakyReLU 0.2, sigmoid), D = 784 → 512 → 256 → 1 (LeakyReLU 0.2),
    /// the fully connected networks of Goodfellow et al. 2014's MNIST experiment in size.
    /// </summary>
    public static GanPair Mlp(int noise) => new(
        "mlp",
        new Sequential(
            new Dense(noise, 256), new LeakyReLU(0.2),
            new Dense(256, 512), new LeakyReLU(0.2),
            new Dense(512, 784), new Sigmoid()),
        new Sequential(
            new Flatten(),
            new Dense(784, 512), new LeakyReLU(0.2),
            new Dense(512, 256), new LeakyReLU(0.2),
            new Dense(256, 1)),
        noise,
        NoiseAsMaps: false);

    /// <summary>
    /// The convolutional pair, DCGAN's recipe (Radford et al. 2016) at MNIST size: G takes z as [N, z, 1, 1] through
    /// ConvT 7×7 (→ 7×7, c₁ maps), ConvT 4×4 stride 2 (→ 14×14, c₂), ConvT 4×4 stride 2 (→ 28×28, 1), batch norm and
    /// ReLU between, a sigmoid at the end; D mirrors it with strided 4×4 convolutions (28 → 14 → 7) and LeakyReLU 0.2,
    /// no batch norm, then one dense logit. Convolutions feeding a batch norm carry no bias. G's base width is
    /// <paramref name="width"/> (c₁ = 2c, c₂ = c), D's <paramref name="discriminatorWidth"/> (c → 2c; default c).
    /// </summary>
    public static GanPair Conv(int noise, int width, int? discriminatorWidth = null) => new(
        "conv",
        new Sequential(
            new ConvTranspose2d(noise, 2 * width, 7, bias: false), new BatchNorm(2 * width), new ReLU(),
            new ConvTranspose2d(2 * width, width, 4, stride: 2, padding: 1, bias: false), new BatchNorm(width), new ReLU(),
            new ConvTranspose2d(width, 1, 4, stride: 2, padding: 1), new Sigmoid()),
        new Sequential(
            new Conv2d(1, discriminatorWidth ?? width, 4, stride: 2, padding: Padding.Symmetric(1, 1)), new LeakyReLU(0.2),
            new Conv2d(discriminatorWidth ?? width, 2 * (discriminatorWidth ?? width), 4, stride: 2, padding: Padding.Symmetric(1, 1)), new LeakyReLU(0.2),
            new Flatten(),
            new Dense(2 * (discriminatorWidth ?? width) * 7 * 7, 1)),
        noise,
        NoiseAsMaps: true);

    /// <summary><paramref name="count"/> noise vectors z ~ N(0, I) drawn from <paramref name="key"/>, shaped as the generator takes them.</summary>
    public Tensor NoiseBatch(Backend backend, Key key, int count) =>
        NoiseAsMaps ? backend.FromArray(key.Normal(count * Noise), count, Noise, 1, 1) : backend.FromArray(key.Normal(count * Noise), count, Noise);

    /// <summary>G(z) as images [N, 1, 28, 28] and G's new layer state (batch-norm statistics).</summary>
    public (Tensor Images, TensorTree State) Generate(TensorTree parameters, TensorTree state, Tensor z, Context context)
    {
        var (x, next) = Generator.Apply(parameters, state, z, context);
        return (x.Shape.Rank == 4 ? x : x.Reshape(x.Shape[0], 1, 28, 28), next);
    }

    /// <summary>D's logits [N, 1].</summary>
    public Tensor Logits(TensorTree parameters, Tensor images) => Discriminator.Apply(parameters, TensorTree.Empty, images, Context.TrainDeterministic).Output;
}
