using System.Globalization;

namespace Functional.Nets.Cli;

/// <summary>The backends <c>fnets gradcheck</c> can check.</summary>
public enum CheckBackend
{
    /// <summary>The Reference backend's hand-written VJPs against central finite differences (float64).</summary>
    Reference,

    /// <summary>libtorch autograd in float64 against the Reference backend's gradient.</summary>
    Torch64,

    /// <summary>libtorch autograd in float32 against the Reference backend's gradient (float32 tolerances).</summary>
    Torch32,
}

/// <summary>The parsed command line of <c>fnets gradcheck</c>.</summary>
/// <param name="ModelPath">The architecture file.</param>
/// <param name="Seed">Seeds the parameters, the input batch, the targets and the check's random choices.</param>
/// <param name="Batch">The number of random examples.</param>
/// <param name="Fast">Random directional derivatives instead of entry-by-entry differences.</param>
/// <param name="Json">Print a JSON document instead of tables.</param>
/// <param name="Backends">The backends to check, in order.</param>
/// <param name="BackendsExplicit">Whether <c>--backend</c> named them (then an unavailable one is an error, not a skip).</param>
/// <param name="MaxEntries">Full mode: at most this many entries per leaf (a random subset); null for all.</param>
/// <param name="MaxBytes">
/// The most memory, in bytes at 8 per float64 entry, that the model's parameters (and, separately, the random input
/// batch and its targets) may take; a file asking for more is refused before anything is allocated
/// (<c>--max-memory</c>; default <see cref="DefaultMaxBytes"/>).
/// </param>
public sealed record GradCheckArguments(
    string ModelPath,
    long Seed,
    int Batch,
    bool Fast,
    bool Json,
    IReadOnlyList<CheckBackend> Backends,
    bool BackendsExplicit,
    int? MaxEntries,
    long MaxBytes = GradCheckArguments.DefaultMaxBytes)
{
    /// <summary>Default for <see cref="MaxBytes"/>: 4 GiB.</summary>
    public const long DefaultMaxBytes = 4L << 30;

    /// <summary>Default batch size.</summary>
    public const int DefaultBatch = 4;

    /// <summary>Default cap on entries per leaf in full mode.</summary>
    public const int DefaultMaxEntries = 256;

    /// <summary>The usage text.</summary>
    public const string Usage =
        """
        usage: fnets gradcheck MODEL.json [--seed N] [--batch N] [--fast] [--max-entries N|all]
                                          [--backend reference|torch64|torch32|all] [--json] [--max-memory SIZE]

        Loads the architecture, initializes it from the seed, draws a random input batch and targets for
        the file's "loss" (MeanSquaredError when it names none), and checks the gradient of the loss:
          reference  the Reference backend's hand-written VJPs against central finite differences (float64)
          torch64    libtorch autograd, float64, against the Reference gradient
          torch32    libtorch autograd, float32, against the Reference gradient (float32 tolerances)
        An entry passes when |a − b| ≤ atol + rtol·|b| (torch.autograd.gradcheck's rule and float64 defaults:
        eps 1e-6, atol 1e-5, rtol 1e-3). Kinks (ReLU at 0) are reported, not failed.

        options:
          --seed N           key seed for parameters, inputs, targets and sampling (default 0)
          --batch N          examples in the random batch (default 4)
          --fast             random directional derivatives (vᵀJu) instead of every entry
          --max-entries N    full mode: check at most N random entries per parameter leaf (default 256; 'all')
          --backend B        reference, torch64, torch32 or all (default all; an unavailable torch is skipped
                             with a notice under 'all', an error when named)
          --json             print the result as JSON
          --max-memory SIZE  refuse a model whose parameters, or a batch whose inputs or targets, take more than
                             SIZE at 8 bytes an entry, before allocating (default 4GiB; e.g. 512MiB, 16GiB, 10000000)

        exit codes: 0 passed, 1 a check failed, 2 bad input, 3 a named backend could not be loaded, 4 internal error (a bug)
        """;

    /// <summary>Parses the arguments after <c>gradcheck</c>; throws <see cref="UsageException"/> on bad ones.</summary>
    public static GradCheckArguments Parse(IReadOnlyList<string> args)
    {
        string? path = null;
        long seed = 0;
        var batch = DefaultBatch;
        var fast = false;
        var json = false;
        int? maxEntries = DefaultMaxEntries;
        CheckBackend[] backends = [CheckBackend.Reference, CheckBackend.Torch64, CheckBackend.Torch32];
        var explicitBackends = false;
        var maxBytes = DefaultMaxBytes;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"option {a} needs a value");
            switch (a)
            {
                case "--seed":
                    seed = long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
                        ? s : throw new UsageException($"--seed needs an integer, got '{args[i]}'");
                    break;
                case "--batch":
                    batch = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b > 0
                        ? b : throw new UsageException($"--batch needs a positive integer, got '{args[i]}'");
                    break;
                case "--max-entries":
                    var m = Value();
                    maxEntries = m == "all" ? null
                        : int.TryParse(m, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                            ? n : throw new UsageException($"--max-entries needs a positive integer or 'all', got '{m}'");
                    break;
                case "--max-memory":
                    var size = Value();
                    maxBytes = ParseSize(size) ?? throw new UsageException($"--max-memory needs a positive size in bytes, optionally with KiB, MiB or GiB, got '{size}'");
                    break;
                case "--fast":
                    fast = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--backend":
                    var name = Value();
                    explicitBackends = name != "all";
                    backends = name switch
                    {
                        "reference" => [CheckBackend.Reference],
                        "torch64" => [CheckBackend.Torch64],
                        "torch32" => [CheckBackend.Torch32],
                        "all" => [CheckBackend.Reference, CheckBackend.Torch64, CheckBackend.Torch32],
                        _ => throw new UsageException($"--backend must be reference, torch64, torch32 or all, got '{name}'"),
                    };
                    break;
                default:
                    if (a.StartsWith('-') && a != "-")
                    {
                        throw new UsageException($"unknown option '{a}'");
                    }

                    path = path is null ? a : throw new UsageException($"one model file only, got '{path}' and '{a}'");
                    break;
            }
        }

        return new GradCheckArguments(
            path ?? throw new UsageException("gradcheck needs a model file: fnets gradcheck MODEL.json"),
            seed,
            batch,
            fast,
            json,
            backends,
            explicitBackends,
            maxEntries,
            maxBytes);
    }

    /// <summary>A positive size: an integer count of bytes, optionally followed by KiB, MiB or GiB (K, M, G alone too); null when not one or when it overflows.</summary>
    private static long? ParseSize(string text)
    {
        var units = new (string Suffix, int Shift)[] { ("KiB", 10), ("MiB", 20), ("GiB", 30), ("K", 10), ("M", 20), ("G", 30), ("", 0) };
        foreach (var (suffix, shift) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && long.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && n > 0)
            {
                return n <= long.MaxValue >> shift ? n << shift : null;
            }
        }

        return null;
    }
}

/// <summary>A command line that cannot be understood; exit code <see cref="ExitCode.BadInput"/>.</summary>
public sealed class UsageException(string message) : Exception(message);
