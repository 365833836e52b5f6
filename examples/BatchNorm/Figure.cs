using System.Globalization;
using ScottPlot;

namespace Functional.Nets.Examples.BatchNorm;

/// <summary>
/// The paper's Figure 1, one row per learning rate: (a) test accuracy over training steps, with and without
/// batch norm; (b) without and (c) with batch norm, the 15th, 50th and 85th percentiles of the input to one
/// sigmoid of the last hidden layer over the test digits.
/// </summary>
internal static class Figure
{
    private static readonly Color Without = Colors.OrangeRed;
    private static readonly Color With = Colors.RoyalBlue;

    /// <summary>Writes the figure for <paramref name="runs"/> (pairs without/with batch norm, one pair per rate) to <paramref name="path"/>.</summary>
    public static void Write(IReadOnlyList<Run> runs, Settings settings, string path)
    {
        var rates = runs.Select(r => r.LearningRate).Distinct().ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(3 * rates.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rates.Length, 3);
        for (var row = 0; row < rates.Length; row++)
        {
            var rate = rates[row];
            var without = runs.Single(r => r.LearningRate == rate && !r.BatchNorm);
            var with = runs.Single(r => r.LearningRate == rate && r.BatchNorm);
            var eta = rate.ToString("G", CultureInfo.InvariantCulture);

            var accuracy = multiplot.GetPlot(3 * row);
            Accuracy(accuracy, without, Without);
            Accuracy(accuracy, with, With);
            accuracy.Title($"(a) test accuracy, η = {eta}");
            accuracy.XLabel("training step");
            accuracy.YLabel("test accuracy (%)");
            accuracy.ShowLegend(Alignment.LowerRight);

            // One y range for both networks, so the drift compares, unless one spans over 4 times the other
            // (a saturated sigmoid's input runs off to tens): then each gets its own.
            var a = Range([without]);
            var b = Range([with]);
            var share = Math.Max(a.High - a.Low, b.High - b.Low) <= 4 * Math.Min(a.High - a.Low, b.High - b.Low);
            var both = Range([without, with]);
            Percentiles(multiplot.GetPlot(3 * row + 1), without, Without, $"(b) without batch norm, η = {eta}", settings.Unit, share ? both : a);
            Percentiles(multiplot.GetPlot(3 * row + 2), with, With, $"(c) with batch norm, η = {eta}", settings.Unit, share ? both : b);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        multiplot.SavePng(path, 1650, 520 * rates.Length);
    }

    private static void Accuracy(Plot plot, Run run, Color color)
    {
        var line = plot.Add.ScatterLine(run.Samples.Select(s => (double)s.Step).ToArray(), run.Samples.Select(s => 100 * s.TestAccuracy).ToArray(), color);
        line.LineWidth = 2;
        line.LegendText = run.Label;
    }

    /// <summary>The three percentile lines, the median bold, on the given y limits.</summary>
    private static void Percentiles(Plot plot, Run run, Color color, string title, int unit, (double Low, double High) limits)
    {
        var steps = run.Samples.Select(s => (double)s.Step).ToArray();
        (string Label, Func<Sample, double> Value, float Width)[] lines =
        [
            ("85th percentile", s => s.P85, 1.5f),
            ("median", s => s.P50, 3f),
            ("15th percentile", s => s.P15, 1.5f),
        ];
        foreach (var (label, value, width) in lines)
        {
            var line = plot.Add.ScatterLine(steps, run.Samples.Select(value).ToArray(), color);
            line.LineWidth = width;
            line.LegendText = label;
        }

        plot.Axes.SetLimitsY(limits.Low, limits.High);
        plot.Title(title);
        plot.XLabel("training step");
        plot.YLabel($"input to sigmoid unit {unit} of hidden layer 3");
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static (double Low, double High) Range(Run[] runs)
    {
        var low = runs.SelectMany(r => r.Samples).Min(s => s.P15);
        var high = runs.SelectMany(r => r.Samples).Max(s => s.P85);
        var margin = 0.08 * Math.Max(high - low, 1e-6);
        return (low - margin, high + margin);
    }
}
