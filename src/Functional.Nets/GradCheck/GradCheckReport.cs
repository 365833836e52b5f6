using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Functional.Nets;

/// <summary>What a row of a <see cref="GradCheckReport"/> compared the analytic gradient with.</summary>
public enum GradCheckMethod
{
    /// <summary>Central differences entry by entry (<see cref="GradCheckMode.Full"/>).</summary>
    CentralDifferences,

    /// <summary>Central differences along random unit directions (<see cref="GradCheckMode.Fast"/>).</summary>
    DirectionalDerivatives,

    /// <summary>The gradient computed by another backend from the same parameters (exact copies in float64).</summary>
    Backend,
}

/// <summary>
/// One row of a <see cref="GradCheckReport"/>: one parameter leaf (or op input) compared one way.
/// </summary>
/// <param name="Leaf">The leaf's name (<c>0.weight</c>), <c>input</c>/<c>input1</c> for an op, or <c>(all)</c> for directions spanning every leaf.</param>
/// <param name="Shape">The leaf's shape (for <c>(all)</c>: [total parameter count]).</param>
/// <param name="Method">What the analytic gradient was compared with.</param>
/// <param name="Against">The comparison in words: <c>central differences</c>, <c>directional derivatives</c>, or the other backend.</param>
/// <param name="Checked">Entries (full mode, backends) or directions (fast mode) compared, kinks excluded.</param>
/// <param name="Kinks">Entries or directions whose one-sided differences disagree as at a kink; excluded from the errors and the verdict.</param>
/// <param name="Failures">Entries or directions beyond atol + rtol·|b|.</param>
/// <param name="MaxAbsoluteError">max |a − b| over the checked entries.</param>
/// <param name="MaxRelativeError">max |a − b| / max(max |a|, max |b|, floor) over the checked entries (per leaf, not per entry: an entry that cancels to nearly zero says nothing).</param>
/// <param name="WorstIndex">The worst entry's flat row-major index (full mode, backends) or the worst direction's number (fast mode: 0 along the analytic gradient, 1, 2, … random); −1 if nothing was checked.</param>
/// <param name="Analytic">a, the analytic gradient (or ∇f·u) at the worst entry.</param>
/// <param name="Expected">b, the finite difference (or the other backend's gradient) there.</param>
/// <param name="KinkIndices">The entries (or directions) reported as kinks.</param>
public sealed record GradCheckRow(
    string Leaf,
    Shape Shape,
    GradCheckMethod Method,
    string Against,
    int Checked,
    int Kinks,
    int Failures,
    double MaxAbsoluteError,
    double MaxRelativeError,
    int WorstIndex,
    double Analytic,
    double Expected,
    IReadOnlyList<int> KinkIndices)
{
    /// <summary>The leaf's name (<c>0.weight</c>), <c>input</c>/<c>input1</c> for an op, or <c>(all)</c> for directions spanning every leaf.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Leaf { get; init => field = value ?? throw new ArgumentNullException(nameof(Leaf)); } = Leaf ?? throw new ArgumentNullException(nameof(Leaf));

    /// <summary>The comparison in words: <c>central differences</c>, <c>directional derivatives</c>, or the other backend.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Against { get; init => field = value ?? throw new ArgumentNullException(nameof(Against)); } = Against ?? throw new ArgumentNullException(nameof(Against));

    /// <summary>The entries (or directions) reported as kinks.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<int> KinkIndices { get; init => field = value ?? throw new ArgumentNullException(nameof(KinkIndices)); } = KinkIndices ?? throw new ArgumentNullException(nameof(KinkIndices));

    /// <summary>Whether no checked entry failed (kinks do not fail a row).</summary>
    public bool Passed => Failures == 0;

    /// <summary>The absolute tolerance this row was judged by (a float32 comparison may use looser ones than the report's options).</summary>
    public double Atol { get; init; } = GradCheckOptions.Float64.Atol;

    /// <summary>The relative tolerance this row was judged by.</summary>
    public double Rtol { get; init; } = GradCheckOptions.Float64.Rtol;

    /// <summary>The worst entry's position: a multi-index such as <c>[1, 2]</c>, <c>u2</c> for a direction, <c>-</c> for none.</summary>
    public string WorstPosition => FormatPosition(WorstIndex);

    /// <summary>
    /// The row's measurements as table cells, in the order checked, kinks, failed, max abs err, max rel err,
    /// worst, a, b, verdict; <paramref name="valueFormat"/> formats the two values at the worst entry.
    /// </summary>
    public IReadOnlyList<string> MeasureCells(string valueFormat = "G10")
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            Checked.ToString(inv),
            Kinks.ToString(inv),
            Failures.ToString(inv),
            GradCheckReport.Number(MaxAbsoluteError),
            GradCheckReport.Number(MaxRelativeError),
            WorstPosition,
            WorstIndex < 0 ? "-" : GradCheckReport.Number(Analytic, valueFormat),
            WorstIndex < 0 ? "-" : GradCheckReport.Number(Expected, valueFormat),
            Passed ? (Kinks > 0 ? "pass (kinks)" : "pass") : "FAIL",
        ];
    }

    /// <summary>Formats a flat index of this row as <see cref="WorstPosition"/> does.</summary>
    public string FormatPosition(int index)
    {
        if (index < 0)
        {
            return "-";
        }

        if (Method == GradCheckMethod.DirectionalDerivatives)
        {
            return "u" + index.ToString(CultureInfo.InvariantCulture);
        }

        var dims = Shape.Dims;
        if (dims.Length == 0)
        {
            return "[]";
        }

        var position = new int[dims.Length];
        var rest = index;
        for (var axis = dims.Length - 1; axis >= 0; axis--)
        {
            position[axis] = dims[axis] == 0 ? 0 : rest % dims[axis];
            rest = dims[axis] == 0 ? 0 : rest / dims[axis];
        }

        return "[" + string.Join(", ", position) + "]";
    }
}

/// <summary>
/// The outcome of a <see cref="GradCheck"/>: one row per leaf and comparison, an overall verdict, a readable
/// table (<see cref="ToString"/>) and JSON (<see cref="ToJson"/>).
/// </summary>
public sealed class GradCheckReport
{
    /// <summary>Assembles a report (checks build these; public so that tools can combine and re-render them).</summary>
    public GradCheckReport(string subject, string backend, double value, GradCheckOptions options, IReadOnlyList<GradCheckRow> rows, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rows);
        Subject = subject;
        Backend = backend;
        Value = value;
        Options = options;
        Rows = rows;
        Elapsed = elapsed;
    }

    /// <summary>What was checked, e.g. <c>loss of 101,770 parameters</c> or <c>custom op 'swish' at [4, 5]</c>.</summary>
    public string Subject { get; }

    /// <summary>The backend whose analytic gradient was checked, e.g. <c>reference/float64/cpu</c>.</summary>
    public string Backend { get; }

    /// <summary>The value of the function at the checked point.</summary>
    public double Value { get; }

    /// <summary>The options the check ran with.</summary>
    public GradCheckOptions Options { get; }

    /// <summary>The rows, leaf by leaf, comparison by comparison.</summary>
    public IReadOnlyList<GradCheckRow> Rows { get; }

    /// <summary>The wall-clock time the check took.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>
    /// How far the function's own rounding alone can move a finite difference: u·|L|/eps, with u the unit roundoff
    /// of the dtype the function was evaluated in (2⁻⁵³ or 2⁻²⁴) and L its value (for a custom op, Σ|wᵢyᵢ| of the
    /// contracted outputs). Two evaluations each rounded by about u·|L|, divided by a step of eps (at least), give
    /// this. When it exceeds a tenth of atol, failures and kinks of that size may be rounding, not derivatives, and
    /// the table says so. 0 when not measured.
    /// </summary>
    public double DifferenceNoise { get; init; }

    /// <summary>Whether <see cref="DifferenceNoise"/> is large enough (over atol/10) to blur the verdict.</summary>
    public bool NoiseMayBlurVerdict => DifferenceNoise > Options.Atol / 10;

    /// <summary>Whether every row passed. Kinks are reported, not failed.</summary>
    public bool Passed => Rows.All(r => r.Passed);

    /// <summary>Entries or directions beyond tolerance, over all rows.</summary>
    public int Failures => Rows.Sum(r => r.Failures);

    /// <summary>Entries or directions reported as kinks, over all rows.</summary>
    public int Kinks => Rows.Sum(r => r.Kinks);

    /// <summary>Entries or directions checked (kinks excluded), over all rows.</summary>
    public int Checked => Rows.Sum(r => r.Checked);

    /// <summary>The failing rows.</summary>
    public IEnumerable<GradCheckRow> FailedRows => Rows.Where(r => !r.Passed);

    /// <summary>The row with the largest relative error, or null if there are no rows.</summary>
    public GradCheckRow? Worst => Rows.Count == 0 ? null : Rows.MaxBy(r => double.IsNaN(r.MaxRelativeError) ? double.PositiveInfinity : r.MaxRelativeError);

    /// <summary>
    /// Combines reports of one subject (e.g. one model checked on several backends) into one whose rows are
    /// theirs, in order; the backend reads as the list of the parts' backends, and the elapsed time is their sum.
    /// Its <see cref="DifferenceNoise"/> is the largest of the parts checked with the first part's eps and atol.
    /// </summary>
    public static GradCheckReport Combine(string subject, IReadOnlyList<GradCheckReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
        {
            throw new ArgumentException("GradCheckReport.Combine: no reports", nameof(reports));
        }

        var rows = reports.SelectMany(r => r.Rows.Select(row => reports.Count == 1 || r.Backend.Length == 0 ? row : row with { Against = $"{r.Backend}: {row.Against}" })).ToArray();
        return new GradCheckReport(
            subject,
            string.Join(", ", reports.Select(r => r.Backend).Distinct()),
            reports[0].Value,
            reports[0].Options,
            rows,
            TimeSpan.FromTicks(reports.Sum(r => r.Elapsed.Ticks)))
        {
            // Judged against the combined report's atol, so only the parts checked with its options count.
            DifferenceNoise = reports.Where(r => r.Options.Atol == reports[0].Options.Atol && r.Options.Eps == reports[0].Options.Eps).Max(r => r.DifferenceNoise),
        };
    }

    /// <summary>
    /// A table, one row per leaf and comparison, headed by the verdict:
    /// <code>
    /// Gradient check of custom op 'swish' at [4, 5] (analytic: hand-written VJP, float64): PASSED (20 checked, 0 failed, 0 kinks; 2 ms)
    /// tolerance |a − b| ≤ 1e-5 + 0.001·|b|, eps 1e-6, full mode; a = analytic, b = expected
    /// leaf   shape   against              checked  kinks  failed  max abs err  max rel err  worst   analytic        expected        verdict
    /// input  [4, 5]  central differences  20       0      0       3.89e-11     2.78e-11     [2, 2]  -0.02256897828  -0.02256897831  pass
    /// </code>
    /// </summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"Gradient check of {Subject} (analytic: {Backend}): {(Passed ? "PASSED" : "FAILED")} ");
        sb.Append(inv, $"({Checked} checked, {Failures} failed, {Kinks} kink{(Kinks == 1 ? "" : "s")}; {FormatElapsed(Elapsed)})").AppendLine();
        sb.Append(inv, $"tolerance |a − b| ≤ {Number(Options.Atol)} + {Number(Options.Rtol)}·|b|, eps {Number(Options.Eps)}, {(Options.Mode == GradCheckMode.Fast ? $"fast mode ({Options.Directions} random directions u1… per leaf and overall{(Options.AlongGradient ? ", u0 along the analytic gradient" : "")})" : "full mode")}; a = analytic, b = expected").AppendLine();
        string[] header = ["leaf", "shape", "against", "checked", "kinks", "failed", "max abs err", "max rel err", "worst", "analytic", "expected", "verdict"];
        var lines = new List<string[]> { header };
        foreach (var r in Rows)
        {
            lines.Add(
            [
                r.Leaf,
                r.Shape.ToString(),
                r.Against,
                .. r.MeasureCells("G10"),
            ]);
        }

        var widths = Enumerable.Range(0, header.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
        foreach (var line in lines)
        {
            sb.AppendLine(string.Join("  ", line.Select((cell, c) => c == line.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        foreach (var group in Rows.Where(r => r.Atol != Options.Atol || r.Rtol != Options.Rtol).GroupBy(r => (r.Against, r.Atol, r.Rtol)))
        {
            sb.Append(inv, $"rows against {group.Key.Against} are judged by |a − b| ≤ {Number(group.Key.Atol)} + {Number(group.Key.Rtol)}·|b|").AppendLine();
        }

        foreach (var r in Rows.Where(r => r.Kinks > 0))
        {
            var shown = string.Join(", ", r.KinkIndices.Take(8).Select(r.FormatPosition));
            sb.Append(inv, $"kinks in {r.Leaf} ({r.Against}): {shown}{(r.KinkIndices.Count > 8 ? ", …" : "")}: one-sided differences disagree (ReLU at 0, a tie in a max); not counted as failures").AppendLine();
        }

        if (NoiseMayBlurVerdict)
        {
            sb.Append(inv, $"note: the rounding of the function's value alone puts noise of up to ~{Number(DifferenceNoise)} (u·|L|/eps) on differences at eps {Number(Options.Eps)}, ");
            sb.Append("above atol/10: failures and kinks of that size can be rounding, not derivatives; ");
            sb.Append("a larger eps (e.g. 1e-4) or a smaller loss tells them apart").AppendLine();
        }

        return sb.ToString();
    }

    /// <summary>
    /// The report as JSON (System.Text.Json): subject, backend, value, passed, counts, elapsed seconds, options,
    /// and the rows with every field of <see cref="GradCheckRow"/> (worst position as index and text). Non-finite
    /// numbers are written as the strings "NaN", "Infinity", "-Infinity".
    /// </summary>
    public string ToJson(bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            WriteJson(w);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the object <see cref="ToJson"/> returns to <paramref name="writer"/> (to embed it in a larger document).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("subject", Subject);
        writer.WriteString("backend", Backend);
        Write(writer, "value", Value);
        writer.WriteBoolean("passed", Passed);
        writer.WriteNumber("checked", Checked);
        writer.WriteNumber("failures", Failures);
        writer.WriteNumber("kinks", Kinks);
        writer.WriteNumber("elapsedSeconds", Elapsed.TotalSeconds);
        Write(writer, "differenceNoise", DifferenceNoise);
        writer.WriteStartObject("options");
        writer.WriteString("mode", Options.Mode == GradCheckMode.Fast ? "fast" : "full");
        writer.WriteNumber("eps", Options.Eps);
        writer.WriteNumber("atol", Options.Atol);
        writer.WriteNumber("rtol", Options.Rtol);
        writer.WriteNumber("directions", Options.Directions);
        writer.WriteBoolean("alongGradient", Options.AlongGradient);
        if (Options.MaxEntriesPerLeaf != int.MaxValue)
        {
            writer.WriteNumber("maxEntriesPerLeaf", Options.MaxEntriesPerLeaf);
        }

        writer.WriteNumber("relativeErrorFloor", Options.RelativeErrorFloor);
        writer.WriteBoolean("detectKinks", Options.DetectKinks);
        writer.WriteEndObject();
        writer.WriteStartArray("rows");
        foreach (var r in Rows)
        {
            writer.WriteStartObject();
            writer.WriteString("leaf", r.Leaf);
            writer.WriteStartArray("shape");
            foreach (var d in r.Shape.Dims)
            {
                writer.WriteNumberValue(d);
            }

            writer.WriteEndArray();
            writer.WriteString("method", r.Method switch
            {
                GradCheckMethod.CentralDifferences => "centralDifferences",
                GradCheckMethod.DirectionalDerivatives => "directionalDerivatives",
                _ => "backend",
            });
            writer.WriteString("against", r.Against);
            writer.WriteBoolean("passed", r.Passed);
            writer.WriteNumber("checked", r.Checked);
            writer.WriteNumber("kinks", r.Kinks);
            writer.WriteNumber("failures", r.Failures);
            writer.WriteNumber("atol", r.Atol);
            writer.WriteNumber("rtol", r.Rtol);
            Write(writer, "maxAbsoluteError", r.MaxAbsoluteError);
            Write(writer, "maxRelativeError", r.MaxRelativeError);
            writer.WriteNumber("worstIndex", r.WorstIndex);
            writer.WriteString("worstPosition", r.WorstPosition);
            Write(writer, "analytic", r.Analytic);
            Write(writer, "expected", r.Expected);
            writer.WriteStartArray("kinkIndices");
            foreach (var k in r.KinkIndices)
            {
                writer.WriteNumberValue(k);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    /// <summary>A number as <c>3.1e-11</c> (lower-case exponent, no leading zeros in it) or <c>NaN</c>.</summary>
    internal static string Number(double v, string format = "G3")
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }

        var text = v.ToString(format, CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        var exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..e] + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static string FormatElapsed(TimeSpan t) =>
        t.TotalSeconds >= 1
            ? t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s"
            : t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
