using ScottPlot;

namespace Functional.Nets.Examples.Gradients;

/// <summary>PNG line charts with ScottPlot.</summary>
internal static class Plots
{
    /// <summary>Lines on a log₁₀ y axis (ScottPlot has none built in: log₁₀ of the values, ticks labelled 10ᵏ).</summary>
    public static void LogLines(string path, string title, string xLabel, string yLabel, double[] xs, (string Name, double[] Values)[] series)
    {
        var plot = new Plot();
        foreach (var (name, values) in series)
        {
            var line = plot.Add.ScatterLine(xs, values.Select(Math.Log10).ToArray());
            line.LegendText = name;
            line.LineWidth = 2;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => $"1e{y:0}",
        };
        Finish(plot, path, title, xLabel, yLabel + " (log scale)");
    }

    /// <summary>Lines on linear axes.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, double[] xs, (string Name, double[] Values)[] series)
    {
        var plot = new Plot();
        foreach (var (name, values) in series)
        {
            var line = plot.Add.ScatterLine(xs, values);
            line.LegendText = name;
            line.LineWidth = 2;
        }

        Finish(plot, path, title, xLabel, yLabel);
    }

    private static void Finish(Plot plot, string path, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1000, 600);
    }
}
