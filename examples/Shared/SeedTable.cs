using System.Globalization;

namespace Functional.Nets.Examples;

/// <summary>
/// A table of accuracies measured over several seeds per cell (rows such as m labels per class, columns such as
/// ways of training), printed and written as Markdown with each cell as mean ± spread, the spread being the sample
/// standard deviation s = √(Σ(aᵢ − ā)² / (n − 1)) over the seeds (0 for one seed).
/// </summary>
internal sealed class SeedTable
{
    private readonly string rowTitle;
    private readonly string[] columns;
    private readonly List<(string Row, List<double>[] Cells)> rows = [];

    /// <summary>An empty table whose first column is headed <paramref name="rowTitle"/>, then one column per entry of <paramref name="columns"/>.</summary>
    public SeedTable(string rowTitle, params string[] columns)
    {
        this.rowTitle = rowTitle;
        this.columns = columns;
    }

    /// <summary>Records one seed's accuracy (a fraction in [0, 1]) in the cell at <paramref name="row"/> and <paramref name="column"/>.</summary>
    public void Add(string row, string column, double accuracy)
    {
        var c = Array.IndexOf(columns, column);
        if (c < 0)
        {
            throw new ArgumentException($"SeedTable: no column '{column}'; the columns are {string.Join(", ", columns)}", nameof(column));
        }

        var index = rows.FindIndex(r => r.Row == row);
        if (index < 0)
        {
            rows.Add((row, columns.Select(_ => new List<double>()).ToArray()));
            index = rows.Count - 1;
        }

        rows[index].Cells[c].Add(accuracy);
    }

    /// <summary>The mean of a cell's accuracies, NaN when it holds none.</summary>
    public double Mean(string row, string column)
    {
        var values = Values(row, column);
        return values.Count == 0 ? double.NaN : values.Average();
    }

    /// <summary>The accuracies recorded in a cell, in the order added.</summary>
    public IReadOnlyList<double> Values(string row, string column)
    {
        var r = rows.FirstOrDefault(x => x.Row == row);
        var c = Array.IndexOf(columns, column);
        return r.Cells is null || c < 0 ? [] : r.Cells[c];
    }

    /// <summary>The table as Markdown, accuracies in percent: <c>| m | frozen | … |</c>, each cell <c>84.1 ± 1.2</c>.</summary>
    public string ToMarkdown()
    {
        var lines = new List<string>
        {
            $"| {rowTitle} | {string.Join(" | ", columns)} |",
            $"| --- |{string.Concat(columns.Select(_ => " ---: |"))}",
        };
        lines.AddRange(rows.Select(r => $"| {r.Row} | {string.Join(" | ", r.Cells.Select(Cell))} |"));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Writes <see cref="ToMarkdown"/> to <paramref name="path"/> (creating its folder).</summary>
    public void WriteMarkdown(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, ToMarkdown() + Environment.NewLine);
    }

    private static string Cell(List<double> values)
    {
        if (values.Count == 0)
        {
            return "–";
        }

        var mean = values.Average();
        var spread = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return string.Create(CultureInfo.InvariantCulture, $"{100 * mean:F1} ± {100 * spread:F1}");
    }
}
