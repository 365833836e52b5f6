using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Functional.Nets.Reporting;

/// <summary>
/// Shows a <see cref="Trainer.Fit"/> run as it goes. In a terminal: a live Spectre.Console progress bar per
/// epoch with the running loss, accuracy and throughput, each finished epoch staying on screen with its
/// validation metrics. When the output is redirected (a log file, a pipe) or the <c>CI</c> environment
/// variable is set: plain lines instead, one per epoch and optionally one every N steps, which read well in
/// a log and contain no escape codes.
/// </summary>
/// <example>
/// <code>
/// var (state, history) = trainer.Fit(initial, train, options, test, new ProgressDisplay("mnist"));
/// </code>
/// </example>
/// <remarks>
/// The live display renders from a thread of its own (Spectre.Console's progress loop) between
/// <see cref="OnFitStart"/> and <see cref="OnFitEnd"/>; write nothing else to the console in between, or
/// the two outputs interleave. <see cref="OnFitEnd"/> runs even when the run fails, so the terminal is left
/// clean. One display can watch several runs one after another, not two at once.
/// </remarks>
public sealed class ProgressDisplay : TrainingCallback, IDisposable
{
    private readonly TextWriter plainOutput;
    private readonly IAnsiConsole console;
    private readonly Stopwatch epochClock = new();

    private int epochs;
    private int batchesPerEpoch;
    private int epoch;
    private double lossSum;
    private int samples;
    private int correct;
    private bool hasLabels;

    private Thread? liveThread;
    private ProgressContext? liveContext;
    private ProgressTask? liveTask;
    private ManualResetEventSlim? liveStarted;
    private ManualResetEventSlim? liveDone;

    /// <summary>Creates the display.</summary>
    /// <param name="title">A name for the run, shown before it starts (e.g. the model and backend).</param>
    /// <param name="plainEverySteps">In plain mode, also write a line every this many steps (0: only one per epoch).</param>
    /// <param name="live">Force the live display on or off; null decides by <see cref="IsInteractiveTerminal"/>.</param>
    /// <param name="plainOutput">Where plain lines go (default: <see cref="Console.Out"/>).</param>
    /// <param name="console">Where the live display goes (default: <see cref="AnsiConsole.Console"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="plainEverySteps"/> is negative.</exception>
    public ProgressDisplay(string? title = null, int plainEverySteps = 0, bool? live = null, TextWriter? plainOutput = null, IAnsiConsole? console = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainEverySteps);
        Title = title;
        PlainEverySteps = plainEverySteps;
        IsLive = live ?? IsInteractiveTerminal;
        this.plainOutput = plainOutput ?? Console.Out;
        this.console = console ?? AnsiConsole.Console;
    }

    /// <summary>
    /// Whether a live display makes sense here: standard output is a terminal (not redirected), the <c>CI</c>
    /// environment variable is unset or empty, and the terminal understands ANSI escape codes.
    /// </summary>
    public static bool IsInteractiveTerminal =>
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>The run's name, or null.</summary>
    public string? Title { get; }

    /// <summary>In plain mode, a line every this many steps (0: only one per epoch).</summary>
    public int PlainEverySteps { get; }

    /// <summary>Whether this display draws live progress bars (otherwise plain lines; also if the live display fails to start).</summary>
    public bool IsLive { get; }

    /// <inheritdoc />
    public override void OnFitStart(int epochs, int batchesPerEpoch, int trainingSamples)
    {
        this.epochs = epochs;
        this.batchesPerEpoch = batchesPerEpoch;
        epoch = 0;
        var heading = string.Create(
            CultureInfo.InvariantCulture,
            $"{(Title is null ? "training" : Title)}: {epochs} epochs of {batchesPerEpoch} batches ({trainingSamples} samples)");
        if (IsLive)
        {
            console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
            StartLive();
        }
        else
        {
            plainOutput.WriteLine(heading);
            plainOutput.Flush();
        }
    }

    /// <inheritdoc />
    public override void OnStep(int epoch, int batch, TrainState state, StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(state);
        Record(epoch, batch, state.Step, metrics);
    }

    /// <inheritdoc />
    public override void OnMultiPartStep(int epoch, int batch, MultiPartState state, StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(state);
        Record(epoch, batch, state.Step, metrics);
    }

    /// <inheritdoc />
    public override FitDecision OnMultiPartEpochEnd(EpochMetrics metrics, MultiPartState state) => EndEpoch(metrics);

    /// <inheritdoc />
    public override FitDecision OnEpochEnd(EpochMetrics metrics, TrainState state) => EndEpoch(metrics);

    private void Record(int epoch, int batch, long step, StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (epoch != this.epoch)
        {
            BeginEpoch(epoch);
        }

        lossSum += metrics.Loss * metrics.Count;
        samples += metrics.Count;
        if (metrics.Correct is { } c)
        {
            hasLabels = true;
            correct += c;
        }

        if (liveTask is { } task)
        {
            task.Value = batch;
            var seconds = epochClock.Elapsed.TotalSeconds;
            task.Tag = Compact(lossSum / samples, hasLabels ? (double)correct / samples : null, seconds > 0 ? samples / seconds : 0, null, null);
        }
        else if (liveContext is null && PlainEverySteps > 0 && step % PlainEverySteps == 0)
        {
            plainOutput.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{EpochLabel(epoch)}  batch {batch.ToString(CultureInfo.InvariantCulture).PadLeft(Digits(batchesPerEpoch))}/{batchesPerEpoch}  step {step,6}  {Running()}"));
            plainOutput.Flush();
        }
    }

    private FitDecision EndEpoch(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (liveTask is { } task)
        {
            task.Tag = Compact(metrics.TrainLoss, metrics.TrainAccuracy, metrics.SamplesPerSecond, metrics.ValidationLoss, metrics.ValidationAccuracy);
            task.Value = task.MaxValue;
            task.StopTask();
            liveTask = null;
        }
        else if (liveContext is null)
        {
            plainOutput.WriteLine($"{EpochLabel(metrics.Epoch)}  step {metrics.Step.ToString(CultureInfo.InvariantCulture),6}  {Summary(metrics)}");
            plainOutput.Flush();
        }

        return FitDecision.Continue;
    }

    /// <inheritdoc />
    public override void OnFitEnd(History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var wasLive = liveContext is not null;
        StopLive();
        if (history.StopReason != "completed")
        {
            var line = $"{(Title is null ? "training" : Title)}: {history.StopReason} after epoch {history.Epochs.Count}";
            if (wasLive)
            {
                console.MarkupLine($"[yellow]{Markup.Escape(line)}[/]");
            }
            else
            {
                plainOutput.WriteLine(line);
                plainOutput.Flush();
            }
        }
    }

    /// <summary>Stops the live display if a run left it open (normally <see cref="OnFitEnd"/> does).</summary>
    public void Dispose() => StopLive();

    /// <summary>Formats the metrics of a finished epoch: loss, accuracy, validation, throughput, elapsed time.</summary>
    public static string Summary(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var parts = new List<string> { Invariant($"loss {metrics.TrainLoss:F4}") };
        if (metrics.TrainAccuracy is { } a)
        {
            parts.Add(Invariant($"acc {100 * a:F2}%"));
        }

        if (metrics.ValidationLoss is { } vl)
        {
            parts.Add(Invariant($"val loss {vl:F4}"));
        }

        if (metrics.ValidationAccuracy is { } va)
        {
            parts.Add(Invariant($"val acc {100 * va:F2}%"));
        }

        parts.Add(Invariant($"{metrics.SamplesPerSecond,7:N0} samples/s"));
        parts.Add(Invariant($"{metrics.Elapsed.TotalSeconds,6:F1} s"));
        return string.Join("  ", parts);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The live row's metrics, short enough for an 80-column terminal beside the bar:
    /// <c>loss 0.3364 acc 89.96% │ val 0.3235 90.95% │ 35.8k/s</c>.
    /// </summary>
    private static string Compact(double loss, double? accuracy, double samplesPerSecond, double? validationLoss, double? validationAccuracy)
    {
        var text = Invariant($"loss {loss:F4}");
        if (accuracy is { } a)
        {
            text += Invariant($" acc {100 * a:F2}%");
        }

        if (validationLoss is not null || validationAccuracy is not null)
        {
            text += " │ val";
            text += validationLoss is { } vl ? Invariant($" {vl:F4}") : "";
            text += validationAccuracy is { } va ? Invariant($" {100 * va:F2}%") : "";
        }

        var rate = samplesPerSecond >= 1e4 ? Invariant($"{samplesPerSecond / 1e3:F1}k/s") : Invariant($"{samplesPerSecond:F0}/s");
        return $"{text} │ {rate}";
    }

    private static int Digits(int n) => n.ToString(CultureInfo.InvariantCulture).Length;

    private string EpochLabel(int e) => Invariant($"epoch {e.ToString(CultureInfo.InvariantCulture).PadLeft(Digits(epochs))}/{epochs}");

    /// <summary>The epoch so far: mean loss and accuracy over its batches, and throughput.</summary>
    private string Running()
    {
        var seconds = epochClock.Elapsed.TotalSeconds;
        var parts = new List<string> { Invariant($"loss {(samples > 0 ? lossSum / samples : double.NaN):F4}") };
        if (hasLabels && samples > 0)
        {
            parts.Add(Invariant($"acc {100.0 * correct / samples:F2}%"));
        }

        parts.Add(Invariant($"{(seconds > 0 ? samples / seconds : 0),7:N0} samples/s"));
        return string.Join("  ", parts);
    }

    private void BeginEpoch(int e)
    {
        epoch = e;
        lossSum = 0;
        samples = 0;
        correct = 0;
        hasLabels = false;
        epochClock.Restart();
        if (liveContext is { } context)
        {
            if (liveTask is { } unfinished)
            {
                unfinished.StopTask();
            }

            liveTask = context.AddTask(EpochLabel(e), new ProgressTaskSettings { MaxValue = batchesPerEpoch, AutoStart = true });
            liveTask.Tag = "";
        }
    }

    /// <summary>Runs Spectre.Console's progress loop on a thread of its own until <see cref="StopLive"/>.</summary>
    private void StartLive()
    {
        StopLive();
        var started = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        liveStarted = started;
        liveDone = done;
        var progress = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 12 },
                new CountColumn(),
                new MetricsColumn());
        liveThread = new Thread(() =>
        {
            try
            {
                progress.Start(context =>
                {
                    liveContext = context;
                    started.Set();
                    done.Wait();
                    context.Refresh();
                });
            }
            finally
            {
                // If Spectre.Console fails to start, the run goes on without a display rather than hang.
                started.Set();
            }
        })
        { IsBackground = true, Name = "ProgressDisplay" };
        liveThread.Start();
        started.Wait();
    }

    private void StopLive()
    {
        liveTask?.StopTask();
        liveTask = null;
        liveDone?.Set();
        liveThread?.Join();
        liveThread = null;
        liveContext = null;
        liveStarted?.Dispose();
        liveDone?.Dispose();
        liveStarted = null;
        liveDone = null;
    }

    /// <summary>"12/63": batches done of the epoch's batches.</summary>
    private sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var width = Digits((int)task.MaxValue);
            var done = ((int)task.Value).ToString(CultureInfo.InvariantCulture).PadLeft(width);
            return new Text($"{done}/{((int)task.MaxValue).ToString(CultureInfo.InvariantCulture)}", new Style(Color.Grey));
        }
    }

    /// <summary>
    /// The metrics text that the training thread keeps in the task's <see cref="ProgressTask.Tag"/>, cut to the
    /// terminal's width so that a row never wraps (a wrapped row would break the live redraw).
    /// </summary>
    private sealed class MetricsColumn : ProgressColumn
    {
        /// <summary>The other columns' width with their padding: "epoch 12/30 " + bar + " 133/133 ".</summary>
        private const int OtherColumns = 40;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var text = task.Tag as string ?? "";
            var room = Math.Max(10, options.ConsoleSize.Width - OtherColumns);
            if (text.Length > room)
            {
                text = text[..(room - 1)] + "…";
            }

            return new Text(text, task.IsFinished ? Style.Plain : new Style(Color.Aqua));
        }
    }
}
