using System.Globalization;

namespace Functional.Nets.Examples.Transfer;

/// <summary>The example's command line; every setting has the default that the README's table was measured with.</summary>
internal sealed record Options
{
    /// <summary>An MNIST IDX directory; null: <c>../shared/data/mnist10k</c> beside the repository.</summary>
    public string? Data { get; init; }

    /// <summary>Where the checkpoint, the base curves and the table go; null: <c>examples/Transfer/out</c>.</summary>
    public string? Out { get; init; }

    /// <summary>Passes of the base training over the ~4,000 training digits 0–4.</summary>
    public int BaseEpochs { get; init; } = 6;

    /// <summary>Steps of every target cell (whatever m is: the epochs are as many as these steps need).</summary>
    public int Steps { get; init; } = 150;

    /// <summary>Digits per step (a cell with fewer digits steps on all of them at once).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Labelled digits per class of the target task; 0 stands for all of them.</summary>
    public int[] PerClass { get; init; } = [1, 2, 5, 10, 50, 100, 0];

    /// <summary>Seeds per cell (the labelled sample, the new head's initial weights, the shuffling, shifts and dropout).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Channels of the two convolution stages.</summary>
    public int[] Channels { get; init; } = [16, 32];

    /// <summary>Width of the backbone's last (dense) layer: the features the head sees.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>
    /// Where f ends: <c>dense</c> (the default: the convolution stages and the dense layer, so the head is one dense layer
    /// on h features) or <c>conv</c> (the convolution stages only; the head is dense(h) → ReLU → dropout → dense).
    /// </summary>
    public string Cut { get; init; } = "dense";

    /// <summary>Dropout before the head's dense layer.</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>Largest random shift in pixels during training.</summary>
    public int Shift { get; init; } = 2;

    /// <summary>Adam's peak learning rate (cosine to 0), the same for the base and every cell.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>A few steps of everything (seconds), for CI.</summary>
    public bool Quick { get; init; }

    /// <summary>libtorch's intra-op threads (0: libtorch's default).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project examples/Transfer -- [options]
          --data DIR            MNIST IDX directory (default: ../shared/data/mnist10k beside the repository);
                                its first 8,000 digits train, the last 2,000 test
          --out DIR             checkpoint, base curves, table (default: examples/Transfer/out)
          --base-epochs N       epochs of the base training on digits 0-4, default 6
          --steps N             steps of every target cell, default 150
          --batch N             default 64
          --m A,B,...           labelled digits per class of 5-9 (0 or 'all': all of them), default 1,2,5,10,50,100,all
          --seeds N             seeds per cell, default 3
          --channels A,B        channels of the two conv stages, default 16,32
          --hidden H            width of the backbone's dense layer (the head's input), default 128
          --cut NAME            where the backbone f ends: dense (default: after the dense layer) | conv (after the
                                convolution stages; the dense layer joins the head)
          --dropout P           before the head's last layer, default 0.3
          --shift S             random shifts of ±S pixels in training, default 2
          --lr A                Adam's peak learning rate, default 0.002
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
                "--base-epochs" => o with { BaseEpochs = Int() },
                "--steps" => o with { Steps = Int() },
                "--batch" => o with { BatchSize = Int() },
                "--m" => o with { PerClass = Next().Split(',').Select(s => s == "all" ? 0 : int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--seeds" => o with { Seeds = Int() },
                "--channels" => o with { Channels = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--hidden" => o with { Hidden = Int() },
                "--cut" => o with { Cut = Next() },
                "--dropout" => o with { Dropout = Real() },
                "--shift" => o with { Shift = Int() },
                "--lr" => o with { LearningRate = Real() },
                "--quick" => o with { Quick = true },
                "--threads" => o with { Threads = Int() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.Channels.Length != 2 || o.Channels.Any(c => c < 1))
        {
            throw new ArgumentException($"--channels needs two positive counts, got {string.Join(",", o.Channels)}");
        }

        if (o.PerClass.Length == 0 || o.PerClass.Any(m => m < 0))
        {
            throw new ArgumentException($"--m needs counts ≥ 1 or 'all', got {string.Join(",", o.PerClass)}");
        }

        if (o.BaseEpochs < 1 || o.Steps < 1 || o.BatchSize < 1 || o.Seeds < 1 || o.Hidden < 1 || o.Shift < 1)
        {
            throw new ArgumentException("--base-epochs, --steps, --batch, --seeds, --hidden and --shift must be ≥ 1");
        }

        if (o.Cut is not ("dense" or "conv"))
        {
            throw new ArgumentException($"--cut must be dense or conv, got {o.Cut}");
        }

        if (o.Dropout is < 0 or >= 1)
        {
            throw new ArgumentException($"--dropout must lie in [0, 1), got {o.Dropout}");
        }

        return o;
    }
}
