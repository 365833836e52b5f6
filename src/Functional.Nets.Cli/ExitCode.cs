namespace Functional.Nets.Cli;

/// <summary>The exit codes of <c>fnets</c>.</summary>
public static class ExitCode
{
    /// <summary>Every check passed (kinks are reported, not failed).</summary>
    public const int Passed = 0;

    /// <summary>A gradient check failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: unknown command or option, missing or malformed model file, unknown layer type, shapes that do not fit.</summary>
    public const int BadInput = 2;

    /// <summary>A backend named explicitly with <c>--backend</c> could not be loaded (libtorch); the message says why.</summary>
    public const int BackendUnavailable = 3;

    /// <summary>An unexpected error, a bug in fnets or the library: one line naming the exception's type (never a stack trace); please report it.</summary>
    public const int InternalError = 4;
}
