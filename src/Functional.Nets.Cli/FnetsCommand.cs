using Functional.Nets.Serialization;
using Spectre.Console;

namespace Functional.Nets.Cli;

/// <summary>
/// The <c>fnets</c> command line, callable in-process (tests do): <see cref="Run"/> parses the arguments,
/// runs the command, writes to the given writers and returns the exit code (<see cref="ExitCode"/>).
/// </summary>
public static class FnetsCommand
{
    /// <summary>The top-level usage text.</summary>
    public const string Usage =
        """
        fnets: command-line tools for Functional.Nets

        commands:
          gradcheck MODEL.json [options]   check a model's gradients on every backend (fnets gradcheck --help)
          summary MODEL.json [--batch N]   print the model's layers, output shapes and parameter counts
          export MODEL.json CHECKPOINT.safetensors OUT.onnx   write the model as ONNX (fnets export --help)

        A model file is an architecture in JSON, e.g. examples/models/xor.json.
        """;

    /// <summary>Runs <c>fnets</c> with <paramref name="args"/>.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="rich">Colours and box-drawn tables (an interactive terminal); false for plain text.</param>
    /// <param name="registry">The layer types model files may use (default <see cref="ArchitectureRegistry.Default"/>); an application with layers of its own passes its registry.</param>
    /// <returns>The exit code: <see cref="ExitCode.Passed"/>, <see cref="ExitCode.Failed"/>, <see cref="ExitCode.BadInput"/> or <see cref="ExitCode.BackendUnavailable"/>.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, bool rich = false, ArchitectureRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
            {
                output.WriteLine(Usage);
                return args.Count == 0 ? ExitCode.BadInput : ExitCode.Passed;
            }

            var rest = args.Skip(1).ToArray();
            switch (args[0])
            {
                case "gradcheck":
                    if (rest.Any(a => a is "-h" or "--help"))
                    {
                        output.WriteLine(GradCheckArguments.Usage);
                        return ExitCode.Passed;
                    }

                    return GradCheck(GradCheckArguments.Parse(rest), output, rich, registry);
                case "summary":
                    return Summary(rest, output, registry);
                case "export":
                    if (rest.Any(a => a is "-h" or "--help"))
                    {
                        output.WriteLine(ExportArguments.Usage);
                        return ExitCode.Passed;
                    }

                    output.WriteLine(ExportCommand.Execute(ExportArguments.Parse(rest), registry));
                    return ExitCode.Passed;
                default:
                    throw new UsageException($"unknown command '{args[0]}'");
            }
        }
        catch (UsageException e)
        {
            error.WriteLine($"fnets: {e.Message}");
            error.WriteLine("run 'fnets --help' or 'fnets gradcheck --help' for usage");
            return ExitCode.BadInput;
        }
        catch (ArchitectureFormatException e)
        {
            error.WriteLine($"fnets: {OneLine(e.Message)}");
            return ExitCode.BadInput;
        }
        catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"fnets: {OneLine(e.Message)}");
            return ExitCode.BadInput;
        }
        catch (BackendUnavailableException e)
        {
            error.WriteLine($"fnets: {e.Message}");
            return ExitCode.BackendUnavailable;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Never a stack trace: an exception that reaches here is a bug (every bad input has its own message above),
            // said in one line with its type so it can be reported.
            error.WriteLine($"fnets: internal error, please report it: {e.GetType().Name}: {OneLine(e.Message)}");
            return ExitCode.InternalError;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static int GradCheck(GradCheckArguments arguments, TextWriter output, bool rich, ArchitectureRegistry? registry)
    {
        var outcome = GradCheckCommand.Execute(arguments, registry);
        if (arguments.Json)
        {
            output.WriteLine(OutcomeWriter.Json(outcome));
        }
        else if (rich)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            OutcomeWriter.WriteRich(outcome, console);
        }
        else
        {
            OutcomeWriter.WritePlain(outcome, output);
        }

        return outcome.Passed ? ExitCode.Passed : ExitCode.Failed;
    }

    private static int Summary(IReadOnlyList<string> args, TextWriter output, ArchitectureRegistry? registry)
    {
        var path = args.FirstOrDefault(a => !a.StartsWith('-')) ?? throw new UsageException("summary needs a model file: fnets summary MODEL.json");
        var batch = 1;
        var i = args.ToList().IndexOf("--batch");
        if (i >= 0 && !(i + 1 < args.Count && int.TryParse(args[i + 1], out batch) && batch > 0))
        {
            throw new UsageException("--batch needs a positive integer");
        }

        if (!File.Exists(path))
        {
            throw new InvalidInputException($"{path}: no such file");
        }

        var spec = ArchitectureJson.Load(path, registry);
        try
        {
            var input = new Shape([batch, .. spec.InputShape().Dims]);
            output.WriteLine(ModelSummary.Of(spec.Model, input));
            output.WriteLine($"loss: {spec.EffectiveLoss}{(spec.Loss is null ? " (default)" : "")}");
        }
        catch (Exception e) when (e is InvalidOperationException or ShapeMismatchException or ArgumentException or OverflowException)
        {
            throw new InvalidInputException($"{path}: {e.Message}");
        }

        return ExitCode.Passed;
    }
}
