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
