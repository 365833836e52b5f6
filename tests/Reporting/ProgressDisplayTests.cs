using System.Text;
using Functional.Nets.Reporting;
using Spectre.Console;

namespace Functional.Nets.Tests.Reporting;

/// <summary>The progress display in its two modes: plain lines for logs and CI, a live display for terminals.</summary>
public sealed class ProgressDisplayTests
{
    /// <summary>Plain mode writes a heading, one line per epoch with its metrics, and no escape codes.</summary>
    [Fact]
    public void Plain_mode_writes_one_line_per_epoch()
    {
        var output = new StringWriter();
        var display = new ProgressDisplay("tiny", live: false, plainOutput: output);
        TinyRun.Fit(epochs: 3, validation: true, display);

        var lines = Lines(output);
        Assert.Equal("tiny: 3 epochs of 5 batches (40 samples)", lines[0]);
        Assert.Equal(4, lines.Length);
        for (var e = 1; e <= 3; e++)
        {
            var line = lines[e];
            Assert.StartsWith($"epoch {e}/3  step {5 * e,6}  loss ", line);
            Assert.Contains(" acc ", line);
            Assert.Contains(" val loss ", line);
            Assert.Contains(" val acc ", line);
            Assert.Contains(" samples/s", line);
        }

        Assert.DoesNotContain('\u001b', output.ToString());
    }

    /// <summary>With plainEverySteps = N, plain mode also writes a line every N steps (here 15 steps: lines at 4, 8, 12).</summary>
    [Fact]
    public void Plain_mode_writes_step_lines_every_n_steps()
    {
        var output = new StringWriter();
        TinyRun.Fit(epochs: 3, validation: false, new ProgressDisplay(plainEverySteps: 4, live: false, plainOutput: output));

        var steps = Lines(output).Where(l => l.Contains(" batch ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["step      4", "step      8", "step     12"], steps.Select(l => l[l.IndexOf("step", StringComparison.Ordinal)..][..11]));
        Assert.All(steps, l => Assert.Contains(" loss ", l));
        Assert.Equal(3, Lines(output).Count(l => l.StartsWith("epoch", StringComparison.Ordinal) && !l.Contains(" batch ", StringComparison.Ordinal)));
    }

    /// <summary>A run stopped by a callback says so.</summary>
    [Fact]
    public void Plain_mode_reports_an_early_stop()
    {
        var output = new StringWriter();
        TinyRun.Fit(epochs: 10, validation: false, new StopAfter(2), new ProgressDisplay("tiny", live: false, plainOutput: output));

        Assert.Equal("tiny: stopped by StopAfter(2) after epoch 2", Lines(output)[^1]);
    }

    /// <summary>
    /// The live display draws through Spectre.Console on a thread of its own and ends with the run: here into a
    /// recording console that claims to be an interactive ANSI terminal, 120 columns wide.
    /// </summary>
    [Fact]
    public void Live_mode_draws_every_epoch_and_returns()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 120;
        var display = new ProgressDisplay("tiny", live: true, console: console);

        var (_, history) = TinyRun.Fit(epochs: 3, validation: true, display);

        Assert.True(display.IsLive);
        Assert.Equal(3, history.Epochs.Count);
        var text = writer.ToString();
        Assert.Contains("tiny: 3 epochs of 5 batches", text);
        Assert.Contains("epoch 3/3", text);
        Assert.Contains("│ val ", text);
    }

    /// <summary>The mode follows the environment unless forced: redirected output or CI=... means plain lines.</summary>
    [Fact]
    public void Redirected_output_is_not_an_interactive_terminal()
    {
        // The test runner redirects standard output, so the display must choose plain lines by itself.
        Assert.True(Console.IsOutputRedirected);
        Assert.False(ProgressDisplay.IsInteractiveTerminal);
        Assert.False(new ProgressDisplay().IsLive);
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>Stops the run after a given epoch.</summary>
    private sealed class StopAfter(int epoch) : TrainingCallback
    {
        public override FitDecision OnEpochEnd(EpochMetrics metrics, TrainState state) =>
            metrics.Epoch >= epoch ? FitDecision.Stop : FitDecision.Continue;

        public override string ToString() => $"StopAfter({epoch})";
    }
}
