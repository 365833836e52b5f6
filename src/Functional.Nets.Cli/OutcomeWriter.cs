using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Functional.Nets.Cli;

/// <summary>Prints a <see cref="GradCheckOutcome"/>: a Spectre.Console table, plain text or JSON.</summary>
public static class OutcomeWriter
{
    private static readonly string[] Columns =
        ["check", "leaf", "shape", "checked", "kinks", "failed", "max abs err", "max rel err", "worst", "a (analytic)", "b (expected)", "verdict"];

    /// <summary>The heading lines: file, model, batch, loss, mode.</summary>
    public static IReadOnlyList<string> Heading(GradCheckOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var a = outcome.Arguments;
        var inv = CultureInfo.InvariantCulture;
        var mode = a.Fast
            ? "fast mode: random directional derivatives"
            : $"full mode: central differences entry by entry{(a.MaxEntries is { } m ? string.Create(inv, $" (a leaf of more than {m} entries: {m} of them, drawn at random)") : "")}";
        return
        [
            string.Create(inv, $"fnets gradcheck {a.ModelPath}{(outcome.Spec.Description is { } d ? $" — {d}" : "")}"),
            string.Create(inv, $"model {outcome.Spec.Model.Describe()}, {outcome.Parameters:N0} parameters; input batch {outcome.InputShape} ~ N(0, 1); loss {outcome.Loss}{(outcome.Spec.Loss is null ? " (default)" : "")}; seed {a.Seed}"),
            mode,
        ];
    }

    /// <summary>The verdict line.</summary>
    public static string Verdict(GradCheckOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var reports = outcome.Checks.Where(c => c.Report is not null).Select(c => c.Report!).ToArray();
        var failed = reports.Sum(r => r.Failures);
        var kinks = reports.Sum(r => r.Kinks);
        var skipped = outcome.Checks.Count(c => c.Skipped is not null);
        var seconds = reports.Sum(r => r.Elapsed.TotalSeconds);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{(outcome.Passed ? "PASSED" : "FAILED")}: {reports.Length} check{(reports.Length == 1 ? "" : "s")}, {reports.Sum(r => r.Checked)} entries/directions compared, {failed} failed, {kinks} kink{(kinks == 1 ? "" : "s")}{(skipped > 0 ? $", {skipped} backend(s) skipped" : "")} ({seconds:0.00} s)");
    }

    /// <summary>Plain text: heading, one aligned table, tolerances, notes and the verdict.</summary>
    public static void WritePlain(GradCheckOutcome outcome, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var line in Heading(outcome))
        {
            output.WriteLine(line);
        }

        output.WriteLine();
        var rows = new List<string[]> { Columns };
        rows.AddRange(Rows(outcome));
        var widths = Enumerable.Range(0, Columns.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var r in rows)
        {
            output.WriteLine(string.Join("  ", r.Select((cell, c) => c == r.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        output.WriteLine();
        foreach (var note in Notes(outcome))
        {
            output.WriteLine(note);
        }

        output.WriteLine(Verdict(outcome));
    }

    /// <summary>
    /// The same on a terminal: one Spectre.Console table per check (narrow enough for about 90 columns;
    /// the analytic and expected values at the worst entry are in the plain and JSON forms), verdicts in colour.
    /// </summary>
    public static void WriteRich(GradCheckOutcome outcome, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(console);
        var inv = CultureInfo.InvariantCulture;
        console.Write(new Rule("[bold]fnets gradcheck[/]").LeftJustified());
        foreach (var line in Heading(outcome))
        {
            console.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        }

        foreach (var check in outcome.Checks)
        {
            if (check.Report is not { } report)
            {
                console.MarkupLine($"[yellow]{Markup.Escape(check.Title)}: skipped, {Markup.Escape(check.Skipped ?? "")}[/]");
                continue;
            }

            var o = report.Options;
            var table = new Table()
                .Border(TableBorder.Rounded)
                .Title($"[bold]{Markup.Escape(check.Title)}[/]")
                .Caption(Markup.Escape($"pass when |a − b| ≤ {Number(o.Atol)} + {Number(o.Rtol)}·|b|"));
            foreach (var (c, right) in new[] { ("leaf", false), ("shape", false), ("checked", true), ("failed", true), ("max abs err", true), ("max rel err", true), ("worst", false), ("verdict", false) })
            {
                var column = new TableColumn(c).NoWrap();
                table.AddColumn(right ? column.RightAligned() : column);
            }

            foreach (var r in report.Rows)
            {
                var verdict = r.Passed
                    ? (r.Kinks > 0 ? string.Create(inv, $"[green]pass[/] [yellow]({r.Kinks} kink{(r.Kinks == 1 ? "" : "s")})[/]") : "[green]pass[/]")
                    : "[red bold]FAIL[/]";
                table.AddRow(
                    Markup.Escape(r.Leaf),
                    Markup.Escape(r.Shape.ToString()),
                    r.Checked.ToString(inv),
                    r.Failures == 0 ? "0" : $"[red]{r.Failures.ToString(inv)}[/]",
                    Number(r.MaxAbsoluteError),
                    Number(r.MaxRelativeError),
                    Markup.Escape(r.WorstPosition),
                    verdict);
            }

            console.Write(table);
        }

        foreach (var note in Notes(outcome).Where(n => !n.Contains("pass when", StringComparison.Ordinal)))
        {
            console.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
        }

        console.MarkupLine($"[bold {(outcome.Passed ? "green" : "red")}]{Markup.Escape(Verdict(outcome))}[/]");
    }

    /// <summary>
    /// JSON: the run's settings, <c>passed</c>, and per backend either <c>skipped</c> with the reason or the
    /// report as <see cref="GradCheckReport.ToJson"/> writes it.
    /// </summary>
    public static string Json(GradCheckOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            var a = outcome.Arguments;
            w.WriteStartObject();
            w.WriteString("model", a.ModelPath);
            if (outcome.Spec.Description is { } d)
            {
                w.WriteString("description", d);
            }

            w.WriteNumber("parameters", outcome.Parameters);
            w.WriteStartArray("input");
            foreach (var dim in outcome.InputShape.Dims)
            {
                w.WriteNumberValue(dim);
            }

            w.WriteEndArray();
            w.WriteString("loss", outcome.Loss.ToString());
            w.WriteNumber("seed", a.Seed);
            w.WriteString("mode", a.Fast ? "fast" : "full");
            w.WriteBoolean("passed", outcome.Passed);
            w.WriteStartArray("checks");
            foreach (var c in outcome.Checks)
            {
                w.WriteStartObject();
                w.WriteString("backend", c.Backend.ToString().ToLowerInvariant());
                w.WriteString("check", c.Title);
                if (c.Report is { } report)
                {
                    w.WriteBoolean("passed", report.Passed);
                    w.WritePropertyName("report");
                    report.WriteJson(w);
                }
                else
                {
                    w.WriteString("skipped", c.Skipped);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static IEnumerable<string[]> Rows(GradCheckOutcome outcome)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var c in outcome.Checks)
        {
            if (c.Report is not { } report)
            {
                yield return [c.Title, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", $"skipped: {c.Skipped}"];
                continue;
            }

            foreach (var r in report.Rows)
            {
                var against = r.Method == GradCheckMethod.DirectionalDerivatives ? " (directions)" : "";
                yield return
                [
                    c.Title + against,
                    r.Leaf,
                    r.Shape.ToString(),
                    .. r.MeasureCells("G6"),
                ];
            }
        }
    }

    private static IEnumerable<string> Notes(GradCheckOutcome outcome)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var c in outcome.Checks.Where(c => c.Report is not null))
        {
            var o = c.Report!.Options;
            yield return string.Create(inv, $"{c.Title}: pass when |a − b| ≤ {Number(o.Atol)} + {Number(o.Rtol)}·|b|{(c.Backend == CheckBackend.Reference ? $", step eps {Number(o.Eps)}" : "")}; relative error per leaf = max|a − b| / max(max|a|, max|b|)");
            foreach (var r in c.Report.Rows.Where(r => r.Kinks > 0))
            {
                yield return $"{c.Title}: {r.Leaf} has {r.Kinks} kink(s) at {string.Join(", ", r.KinkIndices.Take(6).Select(r.FormatPosition))}{(r.KinkIndices.Count > 6 ? ", …" : "")}: one-sided differences disagree (ReLU at 0); not failures";
            }

            if (c.Report.NoiseMayBlurVerdict)
            {
                yield return string.Create(inv, $"{c.Title}: the loss's own rounding puts noise of up to ~{Number(c.Report.DifferenceNoise)} (u·|L|/eps) on differences, above atol/10; failures and kinks of that size can be rounding, not derivatives (GradCheckOptions.Eps sets a larger step in the API)");
            }
        }

        foreach (var c in outcome.Checks.Where(c => c.Skipped is not null))
        {
            yield return $"{c.Title}: SKIPPED, {c.Skipped}";
        }
    }

    private static string Number(double v, string format = "G3") =>
        double.IsNaN(v) ? "NaN" : v.ToString(format, CultureInfo.InvariantCulture).Replace('E', 'e');
}
