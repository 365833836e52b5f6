namespace Functional.Nets.Serialization;

/// <summary>
/// The loss an architecture file asks for (its optional root field <c>"loss"</c>); tools such as
/// <c>fnets gradcheck</c> pair it with random targets of the right kind.
/// </summary>
public enum ModelLoss
{
    /// <summary><see cref="Losses.MeanSquaredError"/>; the default when a file names no loss.</summary>
    MeanSquaredError,

    /// <summary><see cref="Losses.HalfSquaredError"/>.</summary>
    HalfSquaredError,

    /// <summary><see cref="Losses.BinaryCrossEntropy"/>: the model outputs probabilities (ends in a sigmoid).</summary>
    BinaryCrossEntropy,

    /// <summary><see cref="Losses.BinaryCrossEntropyWithLogits"/>: the model outputs logits.</summary>
    BinaryCrossEntropyWithLogits,

    /// <summary><see cref="Losses.SoftmaxCrossEntropy(Tensor, IReadOnlyList{int})"/>: the model outputs logits [N, C], targets are class indices.</summary>
    SoftmaxCrossEntropy,
}

/// <summary>
/// What an architecture file holds: the model and, optionally, the loss it is trained with, the shape
/// of one input example (without the batch axis) and a description.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Loss">The root field <c>"loss"</c>; null when absent.</param>
/// <param name="Input">The root field <c>"input"</c>, e.g. <c>[784]</c>; null when absent (see <see cref="InputShape"/>).</param>
/// <param name="Description">The root field <c>"description"</c>, free text.</param>
public sealed record ModelSpec(Layer Model, ModelLoss? Loss = null, Shape? Input = null, string? Description = null)
{
    /// <summary>The model.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Layer Model { get; init => field = value ?? throw new ArgumentNullException(nameof(Model)); } = Model ?? throw new ArgumentNullException(nameof(Model));

    /// <summary>
    /// The shape of one example: <see cref="Input"/> when given, else the input width of the first
    /// <see cref="Dense"/> layer met before any layer whose input width is unknown.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither is available.</exception>
    public Shape InputShape() =>
        Input ?? (FirstWidth(Model) is { } w
            ? new Shape(w)
            : throw new InvalidOperationException(
                $"the input shape of {Model.Describe()} cannot be inferred (it does not start with a Dense layer); give it as the root field \"input\", e.g. \"input\": [784]"));

    /// <summary>The loss to use: <see cref="Loss"/>, or <see cref="ModelLoss.MeanSquaredError"/> when the file names none.</summary>
    public ModelLoss EffectiveLoss => Loss ?? ModelLoss.MeanSquaredError;

    private static int? FirstWidth(Layer layer) => layer switch
    {
        Dense d => d.Inputs,
        _ when layer.Children.Count > 0 => FirstWidth(layer.Children[0].Layer),
        _ => null,
    };
}
