using System.Globalization;
using Functional.Nets.Diagnostics;
using Functional.Nets.Torch;
using Spectre.Console;

namespace Functional.Nets.Examples.Gradients;

/// <summary>
/// The lecture's vanishing-gradient experiment: 841 inputs (29×29 images), five hidden layers of 100
/// sigmoid units, 26 outputs (letters), weights drawn from a small normal N(0, σ²), biases zero, trained
/// briefly with plain SGD while mean |∂L/∂W| is recorded for every layer at every step.
/// </summary>
/// <remarks>
/// Why the gradient grows towards the output: backpropagation through one hidden layer is
/// δₗ = σ′(zₗ) ⊙ (Wₗ₊₁ᵀ δₗ₊₁). With small weights every unit sits near σ(0) = ½, where σ′ = ¼, and a sum
/// of 100 terms wᵢⱼδᵢ with wᵢⱼ ~ N(0, σ²) has standard deviation σ·√100·rms(δ). So each layer towards the input
/// scales the backward signal by about ¼·σ·√100 = 2.5σ, and ∂L/∂Wₗ = δₗ hₗ₋₁ᵀ inherits it (hₗ₋₁ ≈ ½ throughout).
/// σ = 0.04 makes that factor 1/10, the order of magnitude per layer that the lecture shows; σ = 0.01 would
/// make it 1/40. The data are synthetic: 26 random binary 29×29 prototypes with 10% of the pixels flipped
/// per sample (the lecture's letters are not needed to see the effect, which is a property of the network).
/// Runs on the Torch backend in float32 (gradients down to ~1e-8 are far above float32's smallest normal).
/// </remarks>
internal static class VanishingGradients
{
    public const double Sigma = 0.04;
    private const int Inputs = 841;
    private const int Hidden = 100;
    private const int HiddenLayers = 5;
    private const int Outputs = 26;
    private const double LearningRate = 0.5;
    private const int Batch = 32;

    public static void Run(IAnsiConsole console, string output, bool quick)
    {
        var steps = quick ? 40 : 200;
        console.Write(new Rule("[bold]2. Vanishing gradients in a deep sigmoid network[/]").LeftJustified());
        var backend = TorchBackend.CpuFloat32;
        var layers = new List<Layer>();
        var width = Inputs;
        for (var i = 0; i < HiddenLayers; i++)
        {
            layers.Add(new Dense(width, Hidden, weightInit: Initializer.Normal(0, Sigma), biasInit: Initializer.Zeros));
            layers.Add(new Sigmoid());
            width = Hidden;
        }

        layers.Add(new Dense(Hidden, Outputs, weightInit: Initializer.Normal(0, Sigma), biasInit: Initializer.Zeros));
        var model = new Sequential(layers);
        var data = ClassificationData.Prototypes("synthetic 29×29 letters", 2600, Inputs, Outputs, 0.1, Key.FromSeed(7));

        var history = new GradientHistory(model);
        var parameters = model.Init(Key.FromSeed(1), backend);
        var started = DateTime.UtcNow;
        var run = Classifier.Train(model, parameters, data, Optim.Sgd(LearningRate), steps, Batch, Key.FromSeed(3), history);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        console.MarkupLine(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"841-100-100-100-100-100-26, sigmoid, W ~ N(0, {Sigma}²), b = 0; {data.Name}, {data.Count} samples; SGD η = {LearningRate}, batch {Batch}, {steps} steps on {backend} ({seconds:F1} s); loss {run.Losses[0]:F3} → {run.Losses[^1]:F3}")));

        var names = Enumerable.Range(1, HiddenLayers).Select(i => $"hidden layer {i}").Append("output layer").ToArray();
        var average = history.Average();
        var atStart = history.Records[0];
        var growth = GradientMagnitudes.GrowthPerLayer(average);
        var table = Report.Table("layer", "weights", "mean |∂L/∂W|", "at step 0", "× previous layer");
        for (var i = 0; i < average.Count; i++)
        {
            table.AddRow(
                names[i],
                Markup.Escape(average[i].Description),
                average[i].MeanAbsolute.ToString("0.00e+00", CultureInfo.InvariantCulture),
                atStart[i].MeanAbsolute.ToString("0.00e+00", CultureInfo.InvariantCulture),
                double.IsNaN(growth[i]) ? "" : growth[i].ToString("F1", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"mean |∂L/∂W| averaged over the {steps} steps. Predicted growth per layer towards the output: 1/(σ′·σ·√100) = 1/(¼·{Sigma}·10) = {1 / (0.25 * Sigma * 10):F0}; measured (hidden layers, geometric mean): {GeometricMean(growth.Skip(1).Take(HiddenLayers - 1)):F1}.")));

        var plot = Path.Combine(output, "vanishing-gradients.png");
        Plots.LogLines(
            plot,
            "Mean |∂L/∂W| per layer during training (841-100×5-26, sigmoid)",
            "training step",
            "mean |∂L/∂W|",
            history.Steps.Select(s => (double)s).ToArray(),
            names.Select((n, i) => (n, history.Series(history.Layers[i]).ToArray())).ToArray());
        console.MarkupLine($"plot: {Markup.Escape(plot)}");
        console.WriteLine();
        run.Parameters.Dispose();
    }

    private static double GeometricMean(IEnumerable<double> values)
    {
        var v = values.ToArray();
        return Math.Exp(v.Average(Math.Log));
    }
}
