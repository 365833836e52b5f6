using System.Globalization;
using ScottPlot;

namespace Functional.Nets.Examples.Optimizers;

/// <summary>The race as one PNG: a panel per surface (contours, every path, start and target) and a legend panel.</summary>
internal static class Picture
{
    /// <summary>Grid points per axis for the contours.</summary>
    private const int GridPoints = 161;

    /// <summary>Contour levels per surface.</summary>
    private const int Levels = 18;

    /// <summary>Writes the picture of <paramref name="races"/> to <paramref name="path"/>.</summary>
    public static void Write(IReadOnlyList<(Surface Surface, Trajectory[] Paths)> races, string path, Backend backend)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(races.Count + 1);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, (races.Count + 2) / 2);
        IPalette palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < races.Count; i++)
        {
            Draw(multiplot.GetPlot(i), races[i].Surface, races[i].Paths, palette, backend);
        }

        Legend(multiplot.GetPlot(races.Count), races.Select(r => r.Surface).ToArray(), palette);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        multiplot.SavePng(path, 1600, 1400);
    }

    private static void Draw(Plot plot, Surface surface, Trajectory[] paths, IPalette palette, Backend backend)
    {
        var contours = plot.Add.ContourLines(Grid(surface, backend), Levels);
        contours.LineColor = Colors.Gray.WithAlpha(0.6);
        contours.Colormap = null;
        contours.LabelStyle.IsVisible = false;

        // The lecture forms last, dashed, so they show on top of the PyTorch forms they coincide with.
        foreach (var i in Enumerable.Range(0, paths.Length).OrderBy(i => Contender.All[i].IsLectureForm))
        {
            var points = paths[i].Points;
            var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), palette.GetColor(i));
            line.LineWidth = Contender.All[i].IsLectureForm ? 2.5f : 2;
            line.LinePattern = Contender.All[i].IsLectureForm ? LinePattern.Dashed : LinePattern.Solid;
            if (!paths[i].LeftAt.HasValue)
            {
                // Where it ended, when that is on the picture.
                plot.Add.Marker(points[^1].X, points[^1].Y, MarkerShape.FilledCircle, 8, palette.GetColor(i));
            }
        }

        plot.Add.Marker(surface.Start.X, surface.Start.Y, MarkerShape.FilledCircle, 12, Colors.Black);
        plot.Add.Marker(surface.Target.X, surface.Target.Y, MarkerShape.Eks, 16, Colors.Black);
        plot.Axes.SetLimits(surface.XRange.Min, surface.XRange.Max, surface.YRange.Min, surface.YRange.Max);
        plot.Title($"{surface.Name}: {surface.Formula}");
        plot.XLabel("x");
        plot.YLabel("y");
    }

    /// <summary>
    /// f on a square grid over the plotted ranges, evaluated in one call of the surface's tensor function on
    /// [n²] tensors; ln(1 + f) where the surface asks for it.
    /// </summary>
    private static Coordinates3d[,] Grid(Surface surface, Backend backend)
    {
        var n = GridPoints;
        var xs = new double[n * n];
        var ys = new double[n * n];
        for (var row = 0; row < n; row++)
        {
            for (var column = 0; column < n; column++)
            {
                xs[row * n + column] = surface.XRange.Min + (surface.XRange.Max - surface.XRange.Min) * column / (n - 1);
                ys[row * n + column] = surface.YRange.Min + (surface.YRange.Max - surface.YRange.Min) * row / (n - 1);
            }
        }

        var f = surface.F(backend.FromArray(xs, n * n), backend.FromArray(ys, n * n)).ToArray();
        var grid = new Coordinates3d[n, n];
        for (var row = 0; row < n; row++)
        {
            for (var column = 0; column < n; column++)
            {
                var i = row * n + column;
                grid[row, column] = new Coordinates3d(xs[i], ys[i], surface.LogContours ? Math.Log(1 + f[i]) : f[i]);
            }
        }

        return grid;
    }

    private static void Legend(Plot plot, Surface[] surfaces, IPalette palette)
    {
        plot.HideAxesAndGrid();
        for (var i = 0; i < Contender.All.Count; i++)
        {
            var contender = Contender.All[i];
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = contender.Name,
                LineColor = palette.GetColor(i),
                LineWidth = 3,
                LinePattern = contender.IsLectureForm ? LinePattern.Dashed : LinePattern.Solid,
            });
        }

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "start (a coloured dot: where a path ended)", MarkerShape = MarkerShape.FilledCircle, MarkerSize = 12, MarkerColor = Colors.Black });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "minimum / saddle point", MarkerShape = MarkerShape.Eks, MarkerSize = 14, MarkerColor = Colors.Black });
        plot.Legend.FontSize = 18;
        plot.ShowLegend(Alignment.UpperLeft);

        // The rates behind the paths, one line per surface.
        var lines = surfaces.Select(s => string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Name}: η {s.Rates.Sgd:G3} (SGD, momentum, Nesterov), AdaGrad {s.Rates.Adagrad:G3}, RMSprop {s.Rates.RmsProp:G3}, AdaDelta {s.Rates.Adadelta:G3}, Adam(W) {s.Rates.Adam:G3}"));
        var text = string.Join("\n", lines.Prepend(string.Create(
            CultureInfo.InvariantCulture,
            $"γ = μ = {Contender.Momentum:G}; AdamW's λ = {Contender.WeightDecay:G}; contours of ln(1 + f) for Rosenbrock and Beale")));
        var note = plot.Add.Annotation(text, Alignment.LowerLeft);
        note.LabelFontSize = 13;
        note.LabelBackgroundColor = Colors.White;
        note.LabelBorderColor = Colors.Gray;
    }
}
