using System.Globalization;
using ScottPlot;

namespace Functional.Nets.Reporting;

/// <summary>
/// Learning curves of a <see cref="History"/> as a PNG (ScottPlot): loss by epoch on the left and accuracy by
/// epoch on the right, each with its training and validation line. The same numbers as CSV come from
/// <see cref="History.WriteCsv"/>.
/// </summary>
public static class Curves
{
    /// <summary>Writes the loss (and, when the data has labels, accuracy) curves of <paramref name="history"/> to <paramref name="path"/>.</summary>
    /// <param name="history">The run's history (at least one epoch).</param>
    /// <param name="path">The PNG file to create or replace; its directory is created if missing.</param>
    /// <param name="title">A heading for the plots, e.g. the model and backend.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="validationLabel">The legend's name for the data passed to Fit as validation (e.g. "test" when it is the test set).</param>
    /// <exception cref="ArgumentException">The history has no epochs.</exception>
    public static void WritePng(History history, string path, string? title = null, int width = 1200, int height = 480, string validationLabel = "validation")
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (history.Epochs.Count == 0)
        {
            throw new ArgumentException("Curves.WritePng: the history has no epochs to plot", nameof(history));
        }

        var epochs = history.Epochs;
        var hasAccuracy = epochs.Any(e => e.TrainAccuracy is not null || e.ValidationAccuracy is not null);
        var multiplot = new Multiplot();
        multiplot.AddPlots(hasAccuracy ? 2 : 1);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var loss = multiplot.GetPlot(0);
        Series(loss, epochs, e => e.TrainLoss, "training");
        Series(loss, epochs, e => e.ValidationLoss, validationLabel);
        Label(loss, Heading(title, "loss"), "loss");

        if (hasAccuracy)
        {
            var accuracy = multiplot.GetPlot(1);
            Series(accuracy, epochs, e => e.TrainAccuracy * 100, "training");
            Series(accuracy, epochs, e => e.ValidationAccuracy * 100, validationLabel);
            Label(accuracy, Heading(title, "accuracy"), "accuracy (%)");
            accuracy.Legend.Alignment = Alignment.LowerRight;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        multiplot.SavePng(path, width, height);
    }

    /// <summary>
    /// Writes one line per series against its index (a step count, say) to <paramref name="path"/> (PNG): both parts'
    /// losses of an adversarial run step by step, or a gradient norm per step on a log₁₀ axis. Non-finite values, and
    /// values ≤ 0 on a log axis, are left out of their line.
    /// </summary>
    /// <param name="path">The PNG file to create or replace; its directory is created if missing.</param>
    /// <param name="series">A name per line and its values for x = 0, 1, …</param>
    /// <param name="title">The plot's heading.</param>
    /// <param name="xLabel">The horizontal axis's label.</param>
    /// <param name="yLabel">The vertical axis's label.</param>
    /// <param name="logY">Whether the vertical axis is log₁₀ (ticks labelled 1e−3, 1e−2, …).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">No series, or one with no value to plot; the message names it.</exception>
    public static void WriteSeriesPng(string path, IReadOnlyList<(string Name, double[] Values)> series, string title, string xLabel, string yLabel, bool logY = false, int width = 1000, int height = 560) =>
        WriteSeriesPng(path, series, title, xLabel, yLabel, logY, width, height, Alignment.UpperRight);

    /// <summary><see cref="WriteSeriesPng(string, IReadOnlyList{ValueTuple{string, double[]}}, string, string, string, bool, int, int)"/> with the legend at <paramref name="legend"/>.</summary>
    internal static void WriteSeriesPng(string path, IReadOnlyList<(string Name, double[] Values)> series, string title, string xLabel, string yLabel, bool logY, int width, int height, Alignment legend)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        if (series.Count == 0)
        {
            throw new ArgumentException("Curves.WriteSeriesPng: give at least one series", nameof(series));
        }

        var plot = new Plot();
        foreach (var (name, values) in series)
        {
            var points = (values ?? []).Select((v, x) => (X: (double)x, V: v)).Where(p => double.IsFinite(p.V) && (!logY || p.V > 0)).ToArray();
            if (points.Length == 0)
            {
                throw new ArgumentException($"Curves.WriteSeriesPng: the series '{name}' has no {(logY ? "finite positive" : "finite")} value to plot", nameof(series));
            }

            var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => logY ? Math.Log10(p.V) : p.V).ToArray());
            line.LegendText = name;
            line.LineWidth = 2;
        }

        if (logY)
        {
            // ScottPlot has no log axis: the values are log₁₀'d above and the ticks say so.
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => string.Create(CultureInfo.InvariantCulture, $"1e{y:0}"),
            };
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        plot.SavePng(path, width, height);
    }

    /// <summary>One line with markers through the epochs where <paramref name="value"/> is present; nothing if it never is.</summary>
    private static void Series(Plot plot, IReadOnlyList<EpochMetrics> epochs, Func<EpochMetrics, double?> value, string label)
    {
        var points = epochs.Where(e => value(e) is { } v && double.IsFinite(v)).ToArray();
        if (points.Length == 0)
        {
            return;
        }

        var line = plot.Add.Scatter(points.Select(e => (double)e.Epoch).ToArray(), points.Select(e => value(e)!.Value).ToArray());
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = points.Length <= 60 ? 5 : 0;
    }

    private static void Label(Plot plot, string title, string yLabel)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static string Heading(string? title, string what) =>
        title is null ? what : string.Create(CultureInfo.InvariantCulture, $"{title}: {what}");
}
