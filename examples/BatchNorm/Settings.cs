using System.Globalization;

namespace Functional.Nets.Examples.BatchNorm;

/// <summary>The example's command line, with the defaults its README numbers were measured with.</summary>
internal sealed record Settings
{
    /// <summary>An MNIST IDX directory with one images/labels pair; null: ../shared/data/mnist10k beside the repository.</summary>
    public string? Data { get; init; }

    /// <summary>Where the figure goes; null: examples/BatchNorm/out.</summary>
    public string? Out { get; init; }

    /// <summary>Passes over the training digits.</summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Digits per step (the paper's 60).</summary>
    public int BatchSize { get; init; } = 60;

    /// <summary>SGD's learning rate for the first comparison.</summary>
    public double LearningRate { get; init; } = 0.5;

    /// <summary>The raised learning rate.</summary>
    public double RaisedLearningRate { get; init; } = 10;

    /// <summary>σ of the Gaussian initial weights.</summary>
    public double InitStd { get; init; } = 0.1;

    /// <summary>Batch norm's momentum: the weight of each batch's statistics in the running averages that evaluation uses.</summary>
    public double BatchNormMomentum { get; init; } = 0.1;

    /// <summary>Steps between probes.</summary>
    public int Every { get; init; } = 50;

    /// <summary>The probed unit of the last hidden layer.</summary>
    public int Unit { get; init; }

    /// <summary>The run's seed.</summary>
    public int Seed { get; init; }

    /// <summary>libtorch threads (1 is fastest on a busy 2-core machine; see TorchBackend.Threads).</summary>
    public int Threads { get; init; } = 1;

    private const string Usage = """
        usage: dotnet run -c Release --project examples/BatchNorm -- [options]
          --data DIR      MNIST IDX directory with one images/labels pair (default ../shared/data/mnist10k);
                          the first 80% train, the last 20% test
          --out DIR       where batchnorm.png goes (default examples/BatchNorm/out)
          --epochs N      default 40          --batch N      default 60
          --lr A          default 0.5         --raised A     default 10
          --init-std S    default 0.1         --every N      probe every N steps, default 50
          --bn-momentum M batch norm's running-average momentum (PyTorch's convention), default 0.1
          --unit J        probed unit, default 0             --seed N      default 0
          --threads N     libtorch threads, default 1
        """;

    /// <summary>Parses <paramref name="args"/>, or prints the usage and returns null.</summary>
    public static Settings? Parse(string[] args)
    {
        var s = new Settings();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Int() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
                double Real() => double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
                s = args[i] switch
                {
                    "--data" => s with { Data = Next() },
                    "--out" => s with { Out = Next() },
                    "--epochs" => s with { Epochs = Int() },
                    "--batch" => s with { BatchSize = Int() },
                    "--lr" => s with { LearningRate = Real() },
                    "--raised" => s with { RaisedLearningRate = Real() },
                    "--init-std" => s with { InitStd = Real() },
                    "--every" => s with { Every = Int() },
                    "--bn-momentum" => s with { BatchNormMomentum = Real() },
                    "--unit" => s with { Unit = Int() },
                    "--seed" => s with { Seed = Int() },
                    "--threads" => s with { Threads = Int() },
                    _ => throw new ArgumentException(args[i] is "--help" or "-h" ? "" : $"unknown option {args[i]}"),
                };
            }

            return s.Unit is >= 0 and < Network.Width && s.Every >= 1
                ? s
                : throw new ArgumentException($"--unit must lie in [0, {Network.Width}) and --every be ≥ 1");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            if (e.Message.Length > 0)
            {
                Console.Error.WriteLine($"BatchNorm: {e.Message}");
            }

            Console.Error.WriteLine(Usage);
            return null;
        }
    }
}
