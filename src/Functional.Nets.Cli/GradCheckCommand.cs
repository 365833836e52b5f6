using Functional.Nets.Reference;
using Functional.Nets.Serialization;
using Functional.Nets.Torch;
using Functional.Nets.Torch.Native;

namespace Functional.Nets.Cli;

/// <summary>One backend's part of a <c>fnets gradcheck</c> run: a report, or why it was skipped.</summary>
/// <param name="Backend">Which backend.</param>
/// <param name="Title">What was compared with what, e.g. <c>reference vs finite differences</c>.</param>
/// <param name="Report">The report; null when skipped.</param>
/// <param name="Skipped">Why the backend was skipped (libtorch did not load); null when checked.</param>
public sealed record BackendCheck(CheckBackend Backend, string Title, GradCheckReport? Report, string? Skipped);

/// <summary>The result of <c>fnets gradcheck</c>.</summary>
/// <param name="Arguments">The command line.</param>
/// <param name="Spec">The architecture read from the file.</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="InputShape">The random batch's shape.</param>
/// <param name="Loss">The loss checked.</param>
/// <param name="Checks">One entry per backend, in order.</param>
public sealed record GradCheckOutcome(
    GradCheckArguments Arguments,
    ModelSpec Spec,
    long Parameters,
    Shape InputShape,
    ModelLoss Loss,
    IReadOnlyList<BackendCheck> Checks)
{
    /// <summary>Whether every report passed (skipped backends do not fail a run that did not name them).</summary>
    public bool Passed => Checks.All(c => c.Report?.Passed ?? true);
}

/// <summary>A backend named with <c>--backend</c> could not be loaded; exit code <see cref="ExitCode.BackendUnavailable"/>.</summary>
public sealed class BackendUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// <c>fnets gradcheck</c>: builds the model, a random batch and a loss from an architecture file and a
/// seed, and checks the loss's gradient on each backend.
/// </summary>
/// <remarks>
/// Random data, all from <c>Key.FromSeed(seed)</c>: parameters from fold 0 (the layers' own
/// initializers), inputs standard normal from fold 1, targets from fold 2, the check's sampling from fold 3,
/// the training-mode context key from fold 4. Targets by loss: standard normal for MeanSquaredError and
/// HalfSquaredError; uniform in (0, 1) for the binary cross-entropies (soft labels: the gradient is as
/// informative as with 0/1 labels and no entry sits on a boundary); uniform class indices for
/// SoftmaxCrossEntropy. The model runs in training mode with that fixed key, so dropout masks and batch
/// statistics are the same in every evaluation and on every backend.
/// </remarks>
public static class GradCheckCommand
{
    /// <summary>Runs the checks; <paramref name="registry"/> gives the layer types the file may use (default: the library's).</summary>
    /// <exception cref="Serialization.ArchitectureFormatException">The file is malformed.</exception>
    /// <exception cref="InvalidInputException">The model, its input shape or its loss do not fit together.</exception>
    /// <exception cref="BackendUnavailableException">A backend named explicitly could not be loaded.</exception>
    public static GradCheckOutcome Execute(GradCheckArguments arguments, ArchitectureRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!File.Exists(arguments.ModelPath))
        {
            throw new InvalidInputException($"{arguments.ModelPath}: no such file");
        }

        var spec = ArchitectureJson.Load(arguments.ModelPath, registry);
        try
        {
            return Check(arguments, spec);
        }
        catch (Exception e) when (e is ShapeMismatchException or NonFiniteException or ArgumentException or OverflowException)
        {
            // The library's refusal of what this file builds (a shape a layer rejects while running, a size
            // that does not fit): the file's fault, said in one line, not a stack trace.
            throw new InvalidInputException($"{arguments.ModelPath}: {e.Message.Split('\n')[0]}");
        }
    }

    private static GradCheckOutcome Check(GradCheckArguments arguments, ModelSpec spec)
    {
        var model = spec.Model;
        var loss = spec.EffectiveLoss;
        Shape example;
        Shape output;
        Shape batch;
        try
        {
            example = spec.InputShape();
            batch = new Shape([arguments.Batch, .. example.Dims]);
            output = model.OutputShape(batch);
        }
        catch (Exception e) when (e is InvalidOperationException or ShapeMismatchException or ArgumentException)
        {
            throw new InvalidInputException($"{arguments.ModelPath}: {e.Message}");
        }

        if (loss == ModelLoss.SoftmaxCrossEntropy && output.Rank != 2)
        {
            throw new InvalidInputException($"{arguments.ModelPath}: SoftmaxCrossEntropy needs outputs [N, C], the model gives {output}");
        }

        // What the file and the command line ask for, checked before anything is allocated.
        long parameterCount;
        try
        {
            parameterCount = model.ParameterCount;
        }
        catch (OverflowException e)
        {
            throw new InvalidInputException($"{arguments.ModelPath}: {e.Message}");
        }

        RequireFits(arguments, $"the model's {parameterCount:N0} parameters", parameterCount, oneArray: false);
        RequireFits(arguments, $"the input batch {batch} (--batch {arguments.Batch})", batch.Size, oneArray: true);
        RequireFits(arguments, $"the model's output and targets {output} (--batch {arguments.Batch})", output.Size, oneArray: true);

        var root = Key.FromSeed(arguments.Seed);
        var xs = root.Fold(1).Normal(checked((int)batch.Size));
        var targetKey = root.Fold(2);
        var targets = loss switch
        {
            ModelLoss.MeanSquaredError or ModelLoss.HalfSquaredError => targetKey.Normal(checked((int)output.Size)),
            ModelLoss.SoftmaxCrossEntropy => targetKey.Uniform(output[0]).Select(u => Math.Min(output[1] - 1, (int)(u * output[1])) * 1.0).ToArray(),
            _ => targetKey.Uniform(checked((int)output.Size)),
        };
        var context = Context.Train(root.Fold(4));

        Func<TensorTree, Tensor> LossOn(Backend b)
        {
            var x = b.FromArray(xs, batch);
            var state = model.InitState(b);
            Func<Tensor, Tensor> objective = loss switch
            {
                ModelLoss.MeanSquaredError => Bind(b, output, targets, Losses.MeanSquaredError),
                ModelLoss.HalfSquaredError => Bind(b, output, targets, Losses.HalfSquaredError),
                ModelLoss.BinaryCrossEntropy => Bind(b, output, targets, Losses.BinaryCrossEntropy),
                ModelLoss.BinaryCrossEntropyWithLogits => Bind(b, output, targets, Losses.BinaryCrossEntropyWithLogits),
                _ => z => Losses.SoftmaxCrossEntropy(z, targets.Select(c => (int)c).ToArray()),
            };
            return p => objective(model.Apply(p, state, x, context).Output);
        }

        var reference = ReferenceBackend.Instance;
        var parameters = model.Init(root.Fold(0), reference);
        var value = LossOn(reference)(parameters).Item();
        if (!double.IsFinite(value))
        {
            var hint = loss == ModelLoss.BinaryCrossEntropy
                ? " (BinaryCrossEntropy takes probabilities: does the model end in a Sigmoid?)"
                : "";
            throw new InvalidInputException($"{arguments.ModelPath}: the loss {loss} is {value} at the initial parameters{hint}");
        }

        var options = GradCheckOptions.Float64 with
        {
            Mode = arguments.Fast ? GradCheckMode.Fast : GradCheckMode.Full,
            MaxEntriesPerLeaf = arguments.MaxEntries ?? int.MaxValue,
            Key = root.Fold(3),
        };
        var subject = $"{Path.GetFileName(arguments.ModelPath)} ({parameters.ParameterCount:N0} parameters, {loss}, batch {arguments.Batch})";
        var checks = new List<BackendCheck>();
        foreach (var which in arguments.Backends)
        {
            switch (which)
            {
                case CheckBackend.Reference:
                    checks.Add(new BackendCheck(which, "reference vs finite differences", GradCheck.Check(LossOn(reference), parameters, options, subject), null));
                    break;
                default:
                    var title = which == CheckBackend.Torch64 ? "torch64 vs reference" : "torch32 vs reference";
                    Backend torch;
                    try
                    {
                        torch = which == CheckBackend.Torch64 ? TorchBackend.CpuFloat64 : TorchBackend.CpuFloat32;
                    }
                    catch (Exception e) when (e is LibTorchLoadException or DllNotFoundException or TypeInitializationException)
                    {
                        if (arguments.BackendsExplicit)
                        {
                            throw new BackendUnavailableException($"{which}: libtorch could not be loaded: {e.Message}", e);
                        }

                        checks.Add(new BackendCheck(which, title, null, $"libtorch could not be loaded: {e.Message.Split('\n')[0]}"));
                        continue;
                    }

                    // Tolerances: float64's for torch64; the float32 defaults (GradCheckOptions.Float32) for torch32.
                    var across = which == CheckBackend.Torch64 ? options : GradCheckOptions.Float32;
                    checks.Add(new BackendCheck(which, title, GradCheck.Across(LossOn, parameters, torch, across, subject), null));
                    break;
            }
        }

        return new GradCheckOutcome(arguments, spec, parameters.ParameterCount, batch, loss, checks);
    }

    /// <summary>
    /// Refuses <paramref name="entries"/> float64 entries when they take more than <see cref="GradCheckArguments.MaxBytes"/>
    /// or (<paramref name="oneArray"/>: the entries are one array) more than one .NET array holds; the message gives the
    /// count and says how to raise the limit. A model's parameters are many arrays: the layers check their own.
    /// </summary>
    private static void RequireFits(GradCheckArguments arguments, string what, long entries, bool oneArray)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (oneArray && entries > Array.MaxLength)
        {
            throw new InvalidInputException(string.Create(inv, $"{arguments.ModelPath}: {what}: {entries:N0} entries, more than one array holds ({Array.MaxLength:N0})"));
        }

        // entries > MaxBytes / 8 rather than 8·entries > MaxBytes: a count near 2⁶³ must not wrap.
        if (entries > arguments.MaxBytes / 8)
        {
            throw new InvalidInputException(string.Create(
                inv, $"{arguments.ModelPath}: {what} take {8.0 * entries:N0} bytes as float64, more than the limit of {arguments.MaxBytes:N0} bytes (raise it with --max-memory, e.g. --max-memory {Math.Ceiling(8.0 * entries / (1L << 30)):0}GiB)"));
        }
    }

    private static Func<Tensor, Tensor> Bind(Backend b, Shape shape, double[] targets, Func<Tensor, Tensor, Tensor> loss)
    {
        var t = b.FromArray(targets, shape);
        return y => loss(y, t);
    }
}

/// <summary>A model file that reads but cannot be checked (shapes that do not fit, a loss that is not finite); exit code <see cref="ExitCode.BadInput"/>.</summary>
public sealed class InvalidInputException(string message) : Exception(message);
