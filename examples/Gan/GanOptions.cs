using System.Globalization;

namespace Functional.Nets.Examples.Gan;

/// <summary>The MNIST GAN's command line; the defaults are the settings the README's figures were measured with.</summary>
internal sealed record GanOptions
{
    /// <summary>An MNIST IDX directory; null: <c>../shared/data/mnist10k</c> beside the repository.</summary>
    public string? Data { get; init; }

    /// <summary>Where PNGs, CSVs, checkpoints and the cached judge go; null: <c>examples/Gan/out</c>.</summary>
    public string? Out { get; init; }

    /// <summary><c>conv</c> (the default) or <c>mlp</c>.</summary>
    public string Pair { get; init; } = "conv";

    /// <summary>The generator's criterion.</summary>
    public GeneratorCriterion Criterion { get; init; } = GeneratorCriterion.NonSaturating;

    /// <summary>Discriminator updates per generator update.</summary>
    public int K { get; init; } = 1;

    /// <summary>Passes over the 8,000 training digits.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Real digits per discriminator update (the step's batch is k times this).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Noise dimensions.</summary>
    public int Noise { get; init; } = 64;

    /// <summary>The conv pair's base width c (G: 2c → c maps, D: c → 2c).</summary>
    public int Width { get; init; } = 32;

    /// <summary>The conv pair's discriminator width when it differs from G's (D: c → 2c); null: <see cref="Width"/>.</summary>
    public int? DiscriminatorWidth { get; init; }

    /// <summary>Adam's rate for both parts.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Adam's rate for the discriminator when it differs from G's (two time-scale updates, Heusel et al. 2017); null: <see cref="LearningRate"/>.</summary>
    public double? DiscriminatorLearningRate { get; init; }

    /// <summary><c>constant</c> (the default) or <c>cosine</c>: both rates follow α(t) = ½α₀(1 + cos(πt/T)) to 0 over the run's T steps.</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Adam's β₁ for both parts (DCGAN: 0.5).</summary>
    public double Beta1 { get; init; } = 0.5;

    /// <summary>
    /// β of each exponential moving average of G's parameters kept in its optimizer state (none: empty); samples come
    /// from the last one, and every checkpoint also judges the others and G's current parameters.
    /// </summary>
    public IReadOnlyList<double> Averages { get; init; } = [];

    /// <summary>The seed of the run's key.</summary>
    public int Seed { get; init; }

    /// <summary>Judge, sample grid and checkpoint every this many epochs (and at the end).</summary>
    public int Every { get; init; } = 2;

    /// <summary>Samples the judge classifies per checkpoint.</summary>
    public int Judged { get; init; } = 2000;

    /// <summary>Epochs of the judge's training, when it is not cached yet.</summary>
    public int JudgeEpochs { get; init; } = 8;

    /// <summary>Sample with the generator's batch statistics (training-mode batch norm) instead of its running statistics.</summary>
    public bool SampleBatchStatistics { get; init; }

    /// <summary>A checkpoint of this run's kind to resume from.</summary>
    public string? Resume { get; init; }

    /// <summary>Only measure the two criteria's generator gradient norms over this many steps (0: train instead).</summary>
    public int CompareCriteria { get; init; }

    /// <summary>A few steps of everything (seconds), for CI.</summary>
    public bool Quick { get; init; }

    /// <summary>libtorch's intra-op threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>In plain (redirected) output, also a line every this many steps.</summary>
    public int PlainEverySteps { get; init; }

    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project examples/Gan -- mnist [options]
          --data DIR              MNIST IDX directory (default: ../shared/data/mnist10k beside the repository)
          --out DIR               PNGs, CSVs, checkpoints, the cached judge (default: examples/Gan/out)
          --pair conv|mlp         the convolutional pair (default) or the MLP pair
          --criterion NAME        non-saturating (default: G maximises ln D(G(z))) | saturating (G minimises ln(1 − D(G(z))))
          --k N                   discriminator updates per generator update, default 1
          --epochs N              default 10
          --batch N               real digits per discriminator update, default 64
          --noise N               noise dimensions, default 64
          --width C               conv pair's base width, default 32
          --width-d C             the conv discriminator's base width when it differs, default: --width
          --lr A                  Adam's rate for both parts, default 0.0002
          --lr-d A                the discriminator's rate when it differs (two time scales), default: --lr
          --schedule NAME         constant (default) | cosine: both rates annealed to 0 over the run
          --beta1 B               Adam's β₁ for both parts, default 0.5
          --average B[,B2…]       keep θ̄ ← B·θ̄ + (1 − B)·θ of G's parameters and sample from it (e.g. 0.999; with
                                  several, sample from the last and judge the others beside it), default: none
          --seed N                default 0
          --every N               judge + sample grid + checkpoint every N epochs (and at the end), default 2
          --judged N              samples the judge classifies, default 2000
          --judge-epochs N        epochs of the judge's training when it is not cached, default 8
          --sample-batch-stats    sample with batch norm's batch statistics (default: its running statistics)
          --resume FILE           continue from a checkpoint of this run (same settings)
          --compare-criteria N    only measure ‖∇G‖ under both criteria over the first N steps from one initialisation
          --quick                 a few steps of everything (seconds), for CI; the judge is a 1-epoch CNN
          --threads N             libtorch threads, default 1
          --plain-every N         in redirected output, a line every N steps
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the offending option.</summary>
    public static GanOptions Parse(string[] args)
    {
        var o = new GanOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {name} needs a value");
            int Int() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            double Real() => double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
            o = name switch
            {
                "--data" => o with { Data = Next() },
                "--out" => o with { Out = Next() },
                "--pair" => o with { Pair = Next() switch { "conv" => "conv", "mlp" => "mlp", var p => throw new ArgumentException($"--pair must be conv or mlp, got {p}") } },
                "--criterion" => o with
                {
                    Criterion = Next() switch
                    {
                        "non-saturating" => GeneratorCriterion.NonSaturating,
                        "saturating" => GeneratorCriterion.Saturating,
                        var c => throw new ArgumentException($"--criterion must be non-saturating or saturating, got {c}"),
                    },
                },
                "--k" => o with { K = Positive(name, Int()) },
                "--epochs" => o with { Epochs = Positive(name, Int()) },
                "--batch" => o with { BatchSize = Positive(name, Int()) },
                "--noise" => o with { Noise = Positive(name, Int()) },
                "--width" => o with { Width = Positive(name, Int()) },
                "--width-d" => o with { DiscriminatorWidth = Positive(name, Int()) },
                "--lr" => o with { LearningRate = Real() },
                "--lr-d" => o with { DiscriminatorLearningRate = Real() },
                "--beta1" => o with { Beta1 = Real() },
                "--schedule" => o with { Schedule = Next() switch { "constant" => "constant", "cosine" => "cosine", var c => throw new ArgumentException($"--schedule must be constant or cosine, got {c}") } },
                "--average" => o with { Averages = [.. Next().Split(',').Select(v => Decay(name, double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)))] },
                "--seed" => o with { Seed = Int() },
                "--every" => o with { Every = Positive(name, Int()) },
                "--judged" => o with { Judged = Positive(name, Int()) },
                "--judge-epochs" => o with { JudgeEpochs = Positive(name, Int()) },
                "--resume" => o with { Resume = Next() },
                "--compare-criteria" => o with { CompareCriteria = Positive(name, Int()) },
                "--quick" => o with { Quick = true },
                "--sample-batch-stats" => o with { SampleBatchStatistics = true },
                "--threads" => o with { Threads = Int() },
                "--plain-every" => o with { PlainEverySteps = Int() },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return o;
    }

    private static double Decay(string name, double value) =>
        value >= 0 && value < 1 ? value : throw new ArgumentException($"option {name} must lie in [0, 1), got {value}");

    private static int Positive(string name, int value) =>
        value >= 1 ? value : throw new ArgumentException($"option {name} must be ≥ 1, got {value}");
}
