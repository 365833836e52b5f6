using Spectre.Console;

namespace Functional.Nets.Examples.Gradients;

/// <summary>Where the example prints: Spectre.Console, with colours and box tables only on an interactive terminal.</summary>
internal static class Report
{
    /// <summary>Plain text when the output is redirected or under CI (logs stay readable); rich otherwise.</summary>
    public static IAnsiConsole Console { get; } = Create();

    /// <summary>Whether to print plain text.</summary>
    public static bool Plain =>
        System.Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    private static IAnsiConsole Create()
    {
        if (!Plain)
        {
            return AnsiConsole.Console;
        }

        // Redirected output has no width; Spectre would wrap at 80 columns, which breaks the trace's lines.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 160;
        return console;
    }

    /// <summary>A table in the console's style: rounded boxes on a terminal, ASCII in logs.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(Plain ? TableBorder.Ascii : TableBorder.Rounded);
        foreach (var c in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        }

        return table;
    }
}
