using ScottPlot;

namespace Functional.Nets.Reporting;

/// <summary>
/// Chosen word vectors projected onto their first two principal components (of the chosen words' vectors, centred),
/// one labelled point per word, one colour per group (numbers, days, countries, verbs of saying, …).
/// </summary>
public static class WordMapPlot
{
    /// <summary>Writes the map to <paramref name="path"/> (PNG); returns the fraction of the chosen words' variance the two components hold.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="groups">A group name and its words with their vectors (all of one dimension).</param>
    /// <param name="title">The heading.</param>
    public static double WritePng(string path, IReadOnlyList<(string Group, IReadOnlyList<(string Word, double[] Vector)> Words)> groups, string title = "word vectors, first two principal components")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(groups);
        var all = groups.SelectMany(g => g.Words).ToArray();
        if (all.Length < 2)
        {
            throw new ArgumentException("WordMapPlot: needs at least two words", nameof(groups));
        }

        var d = all[0].Vector.Length;
        var mean = new double[d];
        foreach (var (_, v) in all)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += v[j] / all.Length;
            }
        }

        // PCA through the n×n Gram matrix G = XXᵀ of the centred rows: its top eigenvectors (power iteration with
        // deflation) scaled by √λ are the coordinates on the principal components.
        var n = all.Length;
        var gram = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                double dot = 0;
                for (var j = 0; j < d; j++)
                {
                    dot += (all[i].Vector[j] - mean[j]) * (all[k].Vector[j] - mean[j]);
                }

                gram[i, k] = dot;
            }
        }

        var trace = Enumerable.Range(0, n).Sum(i => gram[i, i]);
        var projected = new double[n, 2];
        double captured = 0;
        for (var c = 0; c < 2; c++)
        {
            var v = Enumerable.Range(0, n).Select(i => 1.0 + 0.01 * i).ToArray();
            double lambda = 0;
            for (var iteration = 0; iteration < 500; iteration++)
            {
                var w = new double[n];
                for (var i = 0; i < n; i++)
                {
                    for (var k = 0; k < n; k++)
                    {
                        w[i] += gram[i, k] * v[k];
                    }
                }

                var norm = Math.Sqrt(w.Sum(t => t * t));
                if (norm == 0)
                {
                    break;
                }

                lambda = norm;
                v = w.Select(t => t / norm).ToArray();
            }

            captured += lambda;
            for (var i = 0; i < n; i++)
            {
                projected[i, c] = v[i] * Math.Sqrt(lambda);
                for (var k = 0; k < n; k++)
                {
                    gram[i, k] -= lambda * v[i] * v[k];
                }
            }
        }

        var explained = trace > 0 ? captured / trace : 0;

        var plot = new Plot();
        var row = 0;
        foreach (var (group, words) in groups)
        {
            var xs = new double[words.Count];
            var ys = new double[words.Count];
            for (var i = 0; i < words.Count; i++, row++)
            {
                xs[i] = projected[row, 0];
                ys[i] = projected[row, 1];
            }

            var points = plot.Add.ScatterPoints(xs, ys);
            points.LegendText = group;
            points.MarkerSize = 8;
            for (var i = 0; i < words.Count; i++)
            {
                var label = plot.Add.Text(words[i].Word, xs[i], ys[i]);
                label.LabelFontColor = points.MarkerFillColor;
                label.LabelFontSize = 13;
            }
        }

        plot.Title($"{title} ({explained:P0} of the variance)");
        plot.XLabel("PC 1");
        plot.YLabel("PC 2");
        plot.ShowLegend(Alignment.UpperRight);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        plot.SavePng(path, 1100, 800);
        return explained;
    }
}
