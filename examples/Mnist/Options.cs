using System.Globalization;

namespace Functional.Nets.Examples.Mnist;

/// <summary>The example's command line; every setting has the default that the README's numbers were measured with.</summary>
internal sealed record Options
{
    /// <summary>An MNIST IDX directory; null: <c>../shared/data/mnist10k</c> beside the repository.</summary>
    public string? Data { get; init; }

    /// <summary><c>torch</c> (float32, the default), <c>torch64</c> or <c>reference</c>.</summary>
    public string Backend { get; init; } = "torch";

    /// <summary>Where the curves and the CSV go; null: <c>examples/Mnist/out</c> in the repository.</summary>
    public string? Out { get; init; }

    /// <summary>Passes over the 8,000 training digits.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Digits per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The seed of the run's key (initial weights, shuffling, shifts, dropout masks).</summary>
    public int Seed { get; init; }

    /// <summary>Hidden layer widths.</summary>
    public int[] Hidden { get; init; } = [512, 256];

    /// <summary>Dropout probability after each hidden layer (0: none).</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>Largest random shift in pixels (0: no augmentation).</summary>
    public int Shift { get; init; } = 1;

    /// <summary>Peak learning rate of AdamW.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>AdamW's decoupled weight decay λ (0: Adam).</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary><c>cosine</c> (the default: annealed to 0 over the run) or <c>constant</c>.</summary>
    public string Schedule { get; init; } = "cosine";

    /// <summary>Print the first steps' losses on every backend from the same key before training.</summary>
    public bool Compare { get; init; }

    /// <summary>Only compare the backends, do not train.</summary>
    public bool CompareOnly { get; init; }

    /// <summary>libtorch's intra-op threads (0: libtorch's default, one per core).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>In plain (redirected) output, also a line every this many steps.</summary>
    public int PlainEverySteps { get; init; }

    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project examples/Mnist -- [options]
          --data DIR            MNIST IDX directory (default: ../shared/data/mnist10k beside the repository);
                                its first 8,000 digits train, the last 2,000 test (a directory with LeCun's
                                four files: its training and t10k sets)
          --backend NAME        torch (float32, default) | torch64 | reference (float64, managed code: slow)
          --out DIR             curves PNG and CSV (default: examples/Mnist/out)
          --epochs N            default 30
          --batch N             default 128
          --seed N              default 0
          --hidden A,B,...      hidden widths, default 512,256
          --dropout P           default 0.3 (0: none)
          --shift S             random shifts of ±S pixels in training, default 1 (0: none)
          --lr A                AdamW's peak learning rate, default 0.002
          --weight-decay L      AdamW's decoupled decay, default 0.01 (0: plain Adam)
          --schedule NAME       cosine (default) | constant
          --compare             first 5 steps' losses on torch float32, torch float64 and reference, then train
          --compare-only        the comparison alone
          --threads N           libtorch threads, default 1 (0: one per core); on a busy machine 1 is
                                several times faster, see README
          --plain-every N       with redirected output, also a progress line every N steps
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with the offending option.</summary>
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
                "--backend" => o with { Backend = Next() },
                "--out" => o with { Out = Next() },
                "--epochs" => o with { Epochs = Int() },
                "--batch" => o with { BatchSize = Int() },
                "--seed" => o with { Seed = Int() },
                "--hidden" => o with { Hidden = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--dropout" => o with { Dropout = Real() },
                "--shift" => o with { Shift = Int() },
                "--lr" => o with { LearningRate = Real() },
                "--weight-decay" => o with { WeightDecay = Real() },
                "--schedule" => o with { Schedule = Next() },
                "--compare" => o with { Compare = true },
                "--compare-only" => o with { Compare = true, CompareOnly = true },
                "--plain-every" => o with { PlainEverySteps = Int() },
                "--threads" => o with { Threads = Int() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.Schedule is not ("cosine" or "constant"))
        {
            throw new ArgumentException($"--schedule must be cosine or constant, got {o.Schedule}");
        }

        return o;
    }
}
