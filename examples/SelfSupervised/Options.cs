using System.Globalization;

namespace Functional.Nets.Examples.SelfSupervised;

/// <summary>The example's command line; every setting has the default that the README's table was measured with.</summary>
internal sealed record Options
{
    /// <summary>An MNIST IDX directory; null: <c>../shared/data/mnist10k</c> beside the repository.</summary>
    public string? Data { get; init; }

    /// <summary>Where the curves and the table go; null: <c>examples/SelfSupervised/out</c>.</summary>
    public string? Out { get; init; }

    /// <summary>Passes of the pretext training over its pairs.</summary>
    public int PretextEpochs { get; init; } = 4;

    /// <summary>Pairs drawn per training image (each a random neighbour with random jitters).</summary>
    public int PairsPerImage { get; init; } = 3;

    /// <summary>Passes of the supervised encoder's training over the 8,000 labelled training digits.</summary>
    public int SupervisedEpochs { get; init; } = 3;

    /// <summary>Samples per step of the two encoder trainings.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Channels of the encoder's two convolutions.</summary>
    public int Channels { get; init; } = 32;

    /// <summary>d, the encoder's features per patch (the probe sees 9·d).</summary>
    public int Features { get; init; } = 64;

    /// <summary>Adam's peak learning rate (cosine to 0) of the two encoder trainings.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Labelled digits per class for the probes; 0 stands for all of them.</summary>
    public int[] PerClass { get; init; } = [5, 10, 50, 100, 0];

    /// <summary>Seeds per cell (the labelled sample, the probe's initial weights, its shuffling).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Steps of every probe.</summary>
    public int ProbeSteps { get; init; } = 300;

    /// <summary>Adam's peak learning rate (cosine to 0) of the probes.</summary>
    public double ProbeLearningRate { get; init; } = 1e-2;

    /// <summary>A few steps of everything (seconds), for CI.</summary>
    public bool Quick { get; init; }

    /// <summary>libtorch's intra-op threads (0: libtorch's default).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project examples/SelfSupervised -- [options]
          --data DIR            MNIST IDX directory (default: ../shared/data/mnist10k beside the repository);
                                its first 8,000 digits train, the last 2,000 test
          --out DIR             curves and table (default: examples/SelfSupervised/out)
          --pretext-epochs N    epochs of the relative-position training, default 4
          --pairs N             pairs drawn per training image, default 3
          --supervised-epochs N epochs of the supervised encoder, default 3
          --batch N             default 128
          --channels C          channels of the encoder's convolutions, default 32
          --features D          features per patch, default 64
          --lr A                Adam's peak learning rate of the encoders, default 0.002
          --m A,B,...           labels per class for the probes (0 or 'all': all), default 5,10,50,100,all
          --seeds N             seeds per probe cell, default 3
          --probe-steps N       default 300
          --probe-lr A          default 0.01
          --quick               a few steps of everything (seconds), for CI
          --threads N           libtorch threads, default 1 (0: one per core)
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the offending option.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            double Real() => double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--data" => o with { Data = Next() },
                "--out" => o with { Out = Next() },
                "--pretext-epochs" => o with { PretextEpochs = Int() },
                "--pairs" => o with { PairsPerImage = Int() },
                "--supervised-epochs" => o with { SupervisedEpochs = Int() },
                "--batch" => o with { BatchSize = Int() },
                "--channels" => o with { Channels = Int() },
                "--features" => o with { Features = Int() },
                "--lr" => o with { LearningRate = Real() },
                "--m" => o with { PerClass = Next().Split(',').Select(s => s == "all" ? 0 : int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--seeds" => o with { Seeds = Int() },
                "--probe-steps" => o with { ProbeSteps = Int() },
                "--probe-lr" => o with { ProbeLearningRate = Real() },
                "--quick" => o with { Quick = true },
                "--threads" => o with { Threads = Int() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.PretextEpochs < 1 || o.PairsPerImage < 1 || o.SupervisedEpochs < 1 || o.BatchSize < 1 || o.Channels < 1
            || o.Features < 1 || o.Seeds < 1 || o.ProbeSteps < 1)
        {
            throw new ArgumentException("--pretext-epochs, --pairs, --supervised-epochs, --batch, --channels, --features, --seeds and --probe-steps must be ≥ 1");
        }

        if (o.PerClass.Length == 0 || o.PerClass.Any(m => m < 0))
        {
            throw new ArgumentException($"--m needs counts ≥ 1 or 'all', got {string.Join(",", o.PerClass)}");
        }

        return o;
    }
}
