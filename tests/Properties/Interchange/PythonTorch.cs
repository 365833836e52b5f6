using System.Diagnostics;

namespace Functional.Nets.Tests.Interchange;

/// <summary>
/// The Python interpreter with PyTorch that the interchange tests run: Debian's <c>python3-torch</c> under
/// <c>/usr/bin/python3</c> (a <c>python3</c> earlier on the PATH, e.g. pyenv's, does not see Debian's packages), or the
/// interpreter <see cref="PythonVariable"/> names.
/// </summary>
public static class PythonTorch
{
    /// <summary>Environment variable naming the Python interpreter to use instead of <c>/usr/bin/python3</c>.</summary>
    public const string PythonVariable = "FUNCTIONAL_NETS_PYTHON";

    /// <summary>The interpreter's path.</summary>
    public static string Interpreter =>
        Environment.GetEnvironmentVariable(PythonVariable) is { Length: > 0 } chosen ? chosen : "/usr/bin/python3";

    /// <summary>Whether this run is under CI (<c>CI=true</c>), where a missing PyTorch fails the tests instead of skipping them.</summary>
    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>PyTorch's version, or null with the reason it cannot be imported.</summary>
    public static (string? Version, string? Missing) Probe()
    {
        if (!File.Exists(Interpreter))
        {
            return (null, $"{Interpreter} does not exist (install Debian's python3-torch: apt-get install python3-torch, or set {PythonVariable})");
        }

        var (code, stdout, stderr) = Run(["-c", "import torch, numpy; print(torch.__version__)"], TimeSpan.FromMinutes(2));
        return code == 0
            ? (stdout.Trim(), null)
            : (null, $"{Interpreter} cannot import torch and numpy (exit {code}: {stderr.Trim().Split('\n')[^1]}); install Debian's python3-torch: apt-get install python3-torch");
    }

    /// <summary>Runs the interpreter with <paramref name="arguments"/>; returns the exit code and both outputs.</summary>
    public static (int Code, string Stdout, string Stderr) Run(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // One thread: the cases are tiny, and the suite runs beside other test processes.
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Interpreter} {string.Join(' ', start.ArgumentList)} ran longer than {timeout}");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
