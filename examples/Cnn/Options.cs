using System.Globalization;

namespace Functional.Nets.Examples.Cnn;

/// <summary>The example's command line; every setting has the default that the README's numbers were measured with.</summary>
internal sealed record Options
{
    /// <summary>An MNIST IDX directory; null: <c>../shared/data/mnist10k</c> beside the repository.</summary>
    public string? Data { get; init; }

    /// <summary><c>torch</c> (float32, the default), <c>torch64</c> or <c>reference</c>.</summary>
    public string Backend { get; init; } = "torch";

    /// <summary>Where the curves and the CSV go; null: <c>examples/Cnn/out</c> in the repository.</summary>
    public string? Out { get; init; }

    /// <summary>Passes over the 8,000 training digits.</summary>
    public int Epochs { get; init; } = 16;

    /// <summary>Digits per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The seed of the run's key (initial weights, shuffling, shifts, dropout masks).</summary>
    public int Seed { get; init; }

    /// <summary>Channels of the two convolution stages (two 3×3 convolutions each, then a 2×2 max-pool).</summary>
    public int[] Channels { get; init; } = [32, 64];

    /// <summary>Width of the hidden dense layer.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Dropout probability before the last dense layer (0: none).</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>Largest random shift in pixels (0: no augmentation).</summary>
    public int Shift { get; init; } = 2;

    /// <summary>The largest random rotation in degrees (0: shifts only, by <see cref="RandomShift"/>); with it, <see cref="RandomAffine"/> distorts.</summary>
    public double Rotate { get; init; } = 12;

    /// <summary>The largest random relative change of size, with <see cref="Rotate"/>.</summary>
    public double Scale { get; init; } = 0.1;

    /// <summary>Peak learning rate of Adam.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary><c>cosine</c> (the default: annealed to 0 over the run) or <c>constant</c>.</summary>
    public string Schedule { get; init; } = "cosine";

    /// <summary>Add a ResNet basic block after the second convolution stage.</summary>
    public bool Residual { get; init; }

    /// <summary>Add a squeeze-and-excitation block after the second convolution stage.</summary>
    public bool SqueezeExcitation { get; init; }

    /// <summary>Print the first steps' losses on Reference and Torch float64 from the same key before training.</summary>
    public bool Compare { get; init; }

    /// <summary>Only compare the backends, do not train.</summary>
    public bool CompareOnly { get; init; }

    /// <summary>A few steps of everything (seconds), for CI.</summary>
    public bool Quick { get; init; }

    /// <summary>libtorch's intra-op threads (0: libtorch's default, one per core); 1 as examples/Mnist, for a busy machine.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>In plain (redirected) output, also a line every this many steps.</summary>
    public int PlainEverySteps { get; init; }

    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project examples/Cnn -- [options]
          --data DIR            MNIST IDX directory (default: ../shared/data/mnist10k beside the repository);
                                its first 8,000 digits train, the last 2,000 test
          --backend NAME        torch (float32, default) | torch64 | reference (float64, managed code: very slow)
          --out DIR             curves PNG and CSV (default: examples/Cnn/out)
          --epochs N            default 16
          --batch N             default 128
          --seed N              default 0
          --channels A,B        channels of the two conv stages, default 32,64
          --hidden H            dense width, default 128
          --dropout P           default 0.3 (0: none)
          --shift S             random shifts of ±S pixels in training, default 2 (0: none)
          --rotate D            random rotations of ±D degrees, default 12 (with --scale, a RandomAffine layer,
                                bilinear; --rotate 0 --scale 0: integer shifts only, a RandomShift layer)
          --scale F             random scaling by 1 ± F, default 0.1
          --lr A                Adam's peak learning rate, default 0.002
          --schedule NAME       cosine (default) | constant
          --residual            add a ResNet basic block after the second stage
          --se                  add a squeeze-and-excitation block (r = 16) after the second stage
          --compare             first 3 steps' losses (batch 8) on reference and torch float64, then train
          --compare-only        the comparison alone
          --quick               a few steps of everything (seconds), for CI
          --threads N           libtorch threads, default 1 (0: one per core; on a busy machine 1 is faster)
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
                "--channels" => o with { Channels = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--hidden" => o with { Hidden = Int() },
                "--dropout" => o with { Dropout = Real() },
                "--shift" => o with { Shift = Int() },
                "--rotate" => o with { Rotate = Real() },
                "--scale" => o with { Scale = Real() },
                "--lr" => o with { LearningRate = Real() },
                "--schedule" => o with { Schedule = Next() },
                "--residual" => o with { Residual = true },
                "--se" => o with { SqueezeExcitation = true },
                "--compare" => o with { Compare = true },
                "--compare-only" => o with { Compare = true, CompareOnly = true },
                "--quick" => o with { Quick = true },
                "--plain-every" => o with { PlainEverySteps = Int() },
                "--threads" => o with { Threads = Int() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.Schedule is not ("cosine" or "constant"))
        {
            throw new ArgumentException($"--schedule must be cosine or constant, got {o.Schedule}");
        }

        if (o.Channels.Length != 2 || o.Channels.Any(c => c < 1))
        {
            throw new ArgumentException($"--channels needs two positive counts, got {string.Join(",", o.Channels)}");
        }

        if (o.SqueezeExcitation && o.Channels[1] % 16 != 0)
        {
            throw new ArgumentException($"--se needs the second stage's channels divisible by 16, got {o.Channels[1]}");
        }

        return o;
    }
}
