using System.Globalization;
using System.Text;

namespace Functional.Nets;

/// <summary>One row of a <see cref="ModelSummary"/>: a layer, where it sits, what it outputs and what it holds.</summary>
/// <param name="Path">Position in the model, as in parameter names (<c>1.0</c>); empty for the root.</param>
/// <param name="Depth">Nesting depth (0 for the root).</param>
/// <param name="Layer">The layer's description.</param>
/// <param name="OutputShape">The output shape for the summarized input.</param>
/// <param name="Parameters">Parameters the layer holds, its children's included.</param>
public sealed record SummaryRow(string Path, int Depth, string Layer, Shape OutputShape, long Parameters)
{
    /// <summary>Position in the model, as in parameter names (<c>1.0</c>); empty for the root.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Path { get; init => field = value ?? throw new ArgumentNullException(nameof(Path)); } = Path ?? throw new ArgumentNullException(nameof(Path));

    /// <summary>The layer's description.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Layer { get; init => field = value ?? throw new ArgumentNullException(nameof(Layer)); } = Layer ?? throw new ArgumentNullException(nameof(Layer));
}

/// <summary>
/// A Keras/torchinfo-style summary: each layer with its output shape and parameter count, and the
/// total. Computed from shapes alone; nothing is initialized or run.
/// </summary>
public sealed class ModelSummary
{
    private ModelSummary(Shape input, IReadOnlyList<SummaryRow> rows, long total)
    {
        Input = input;
        Rows = rows;
        TotalParameters = total;
    }

    /// <summary>The input shape summarized.</summary>
    public Shape Input { get; }

    /// <summary>The rows, outer layers before their children.</summary>
    public IReadOnlyList<SummaryRow> Rows { get; }

    /// <summary>The number of parameters in the whole model.</summary>
    public long TotalParameters { get; }

    /// <summary>Summarizes <paramref name="model"/> for inputs of shape <paramref name="input"/>; throws the usual shape error if they do not fit.</summary>
    public static ModelSummary Of(Layer model, Shape input)
    {
        var rows = new List<SummaryRow>();
        Walk(model, "", 0, input, rows);
        return new ModelSummary(input, rows, model.ParameterCount);
    }

    /// <summary>A plain-text table, one line per layer, then the total.</summary>
    public override string ToString()
    {
        var layerWidth = Math.Max(5, Rows.Max(r => r.Depth * 2 + r.Layer.Length + (r.Path.Length > 0 ? r.Path.Length + 3 : 0)));
        var shapeWidth = Math.Max(12, Rows.Max(r => r.OutputShape.ToString().Length));
        var sb = new StringBuilder();
        var header = $"{"Layer".PadRight(layerWidth)}  {"Output shape".PadRight(shapeWidth)}  {"Params",12}";
        var rule = new string('─', header.Length);
        sb.AppendLine(rule).AppendLine(header).AppendLine(rule);
        foreach (var r in Rows)
        {
            var name = new string(' ', r.Depth * 2) + (r.Path.Length > 0 ? $"[{r.Path}] " : "") + r.Layer;
            sb.AppendLine(CultureInfo.InvariantCulture, $"{name.PadRight(layerWidth)}  {r.OutputShape.ToString().PadRight(shapeWidth)}  {r.Parameters,12:N0}");
        }

        sb.AppendLine(rule);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Input: {Input}   Total parameters: {TotalParameters:N0}");
        return sb.ToString();
    }

    private static Shape Walk(Layer layer, string path, int depth, Shape input, List<SummaryRow> rows)
    {
        var output = layer.OutputShape(input);
        rows.Add(new SummaryRow(path, depth, layer.Describe(), output, layer.ParameterCount));
        var shape = input;
        foreach (var (name, child) in layer.Children)
        {
            // An empty child name (a transparent wrapper such as EvalMode) adds no segment: the child's leaves are the parent's.
            var childOutput = Walk(child, name.Length == 0 ? path : path.Length == 0 ? name : path + "." + name, depth + 1, shape, rows);
            shape = layer.ChildrenShareInput ? input : childOutput;
        }

        return output;
    }
}
