using System.Globalization;
using System.Text;

namespace Functional.Nets.Diagnostics;

/// <summary>One layer's gradient magnitude.</summary>
/// <param name="Layer">The layer's prefix in parameter names (<c>0</c>, <c>2</c>, <c>1.0</c>).</param>
/// <param name="Description">The layer's description when the model was given (<c>Dense(841→100)</c>), else the prefix.</param>
/// <param name="Count">The number of gradient entries averaged.</param>
/// <param name="MeanAbsolute">mean |∂L/∂W| over those entries.</param>
public sealed record LayerGradient(string Layer, string Description, long Count, double MeanAbsolute)
{
    /// <summary>The layer's prefix in parameter names (<c>0</c>, <c>2</c>, <c>1.0</c>).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Layer { get; init => field = value ?? throw new ArgumentNullException(nameof(Layer)); } = Layer ?? throw new ArgumentNullException(nameof(Layer));

    /// <summary>The layer's description when the model was given (<c>Dense(841→100)</c>), else the prefix.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Description { get; init => field = value ?? throw new ArgumentNullException(nameof(Description)); } = Description ?? throw new ArgumentNullException(nameof(Description));
}

/// <summary>
/// Per-layer gradient magnitude, mean |∂L/∂W|, the quantity that shows vanishing gradients: in a deep
/// sigmoid network it shrinks layer by layer towards the input, since each layer multiplies the
/// backward signal by Wᵀ and by σ′ ≤ 1/4.
/// </summary>
public static class GradientMagnitudes
{
    /// <summary>
    /// mean |g| over the leaves of <paramref name="gradients"/> grouped by layer prefix (everything before the
    /// last dot: <c>3.weight</c> belongs to layer <c>3</c>), in the order the layers first appear (input first).
    /// </summary>
    /// <param name="gradients">A gradient tree, as <see cref="Grad.ValueAndGrad"/> returns it.</param>
    /// <param name="model">The model, to describe each layer (optional).</param>
    /// <param name="leaves">Which leaves count, by their last name segment; default: <c>weight</c> only, as in mean |∂L/∂W|.</param>
    public static IReadOnlyList<LayerGradient> ByLayer(TensorTree gradients, Layer? model = null, Func<string, bool>? leaves = null)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        leaves ??= leaf => leaf == "weight";
        var groups = new List<(string Prefix, double Sum, long Count)>();
        foreach (var (name, tensor) in gradients)
        {
            var cut = name.LastIndexOf('.');
            var (prefix, leaf) = cut < 0 ? ("", name) : (name[..cut], name[(cut + 1)..]);
            if (!leaves(leaf))
            {
                continue;
            }

            var sum = 0.0;
            foreach (var v in tensor.ToArray())
            {
                sum += Math.Abs(v);
            }

            var i = groups.FindIndex(g => g.Prefix == prefix);
            if (i < 0)
            {
                groups.Add((prefix, sum, tensor.Size));
            }
            else
            {
                groups[i] = (prefix, groups[i].Sum + sum, groups[i].Count + tensor.Size);
            }
        }

        return groups.Select(g => new LayerGradient(g.Prefix, Describe(model, g.Prefix), g.Count, g.Count == 0 ? 0 : g.Sum / g.Count)).ToArray();
    }

    /// <summary>
    /// The ratio of each layer's magnitude to the previous one's (the first layer gets NaN): about 10 per layer
    /// towards the output in the lecture's sigmoid network.
    /// </summary>
    public static IReadOnlyList<double> GrowthPerLayer(IReadOnlyList<LayerGradient> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        return layers.Select((l, i) => i == 0 ? double.NaN : l.MeanAbsolute / layers[i - 1].MeanAbsolute).ToArray();
    }

    /// <summary>A plain-text table in the lecture's layout: one row per layer, its mean |∂L/∂W|.</summary>
    public static string Table(IReadOnlyList<LayerGradient> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var growth = GrowthPerLayer(layers);
        var width = Math.Max(5, layers.Max(l => l.Description.Length + l.Layer.Length + 3));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"layer".PadRight(width)}  {"mean |∂L/∂W|",14}  {"× previous",10}");
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            var name = l.Description == l.Layer ? l.Layer : $"{l.Layer} {l.Description}";
            var ratio = double.IsNaN(growth[i]) ? "" : growth[i].ToString("F1", CultureInfo.InvariantCulture);
            sb.AppendLine(CultureInfo.InvariantCulture, $"{name.PadRight(width)}  {l.MeanAbsolute,14:E3}  {ratio,10}");
        }

        return sb.ToString();
    }

    /// <summary>The description of the layer at <paramref name="prefix"/> (<c>1.0</c>: child 0 of child 1).</summary>
    private static string Describe(Layer? model, string prefix)
    {
        if (model is null)
        {
            return prefix;
        }

        var layer = model;
        foreach (var part in prefix.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var child = layer.Children.FirstOrDefault(c => c.Name == part).Layer;
            if (child is null)
            {
                return prefix;
            }

            layer = child;
        }

        return layer.Describe();
    }
}

/// <summary>
/// Per-layer mean |∂L/∂W| recorded over training steps: one series per layer, for a plot of the
/// magnitudes against the step (on a log scale, where vanishing gradients show as evenly spaced lines).
/// </summary>
public sealed class GradientHistory
{
    private readonly List<int> steps = [];
    private readonly List<IReadOnlyList<LayerGradient>> records = [];
    private readonly Layer? model;
    private readonly Func<string, bool>? leaves;

    /// <summary>Creates an empty history; <paramref name="model"/> and <paramref name="leaves"/> as in <see cref="GradientMagnitudes.ByLayer"/>.</summary>
    public GradientHistory(Layer? model = null, Func<string, bool>? leaves = null)
    {
        this.model = model;
        this.leaves = leaves;
    }

    /// <summary>The steps recorded, in order.</summary>
    public IReadOnlyList<int> Steps => steps;

    /// <summary>The layers' prefixes, input first (from the first record).</summary>
    public IReadOnlyList<string> Layers => records.Count == 0 ? [] : records[0].Select(l => l.Layer).ToArray();

    /// <summary>Every record: the per-layer magnitudes at each step.</summary>
    public IReadOnlyList<IReadOnlyList<LayerGradient>> Records => records;

    /// <summary>Records the magnitudes of <paramref name="gradients"/> at <paramref name="step"/>.</summary>
    public IReadOnlyList<LayerGradient> Record(int step, TensorTree gradients)
    {
        var row = GradientMagnitudes.ByLayer(gradients, model, leaves);
        steps.Add(step);
        records.Add(row);
        return row;
    }

    /// <summary>The magnitudes of layer <paramref name="layer"/> at each recorded step.</summary>
    public IReadOnlyList<double> Series(string layer) =>
        records.Select(r => r.FirstOrDefault(l => l.Layer == layer)?.MeanAbsolute ?? double.NaN).ToArray();

    /// <summary>Each layer's magnitude averaged over the recorded steps (the table to print after training).</summary>
    public IReadOnlyList<LayerGradient> Average()
    {
        if (records.Count == 0)
        {
            return [];
        }

        return records[0].Select(l => l with { MeanAbsolute = Series(l.Layer).Average() }).ToArray();
    }
}
