namespace Functional.Nets.Examples.SelfSupervised;

/// <summary>
/// One shared encoder applied to each of k patches of a sample, the k feature vectors joined, then a head:
/// [N, k, P, P] → reshape [N·k, 1, P, P] → encoder → [N·k, d] → reshape [N, k·d] → head. The reshapes keep
/// sample n's patches together (rows n·k … n·k + k − 1), so row n of the joined features is
/// [f(patch₁) … f(patchₖ)]: the k patches share every weight of the encoder (a siamese network for k = 2).
/// Leaves: <c>encoder.*</c> and <c>head.*</c>; with no head the output is the joined features themselves.
/// </summary>
internal sealed class PatchSet : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="encoder">f: [B, 1, P, P] → [B, d].</param>
    /// <param name="head">The layer on the joined features [N, k·d], or null for none.</param>
    /// <param name="patches">k, the patches per sample.</param>
    /// <param name="patchSize">P.</param>
    public PatchSet(Layer encoder, Layer? head, int patches, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSize);
        Encoder = encoder;
        Head = head;
        Patches = patches;
        PatchSize = patchSize;
        var features = encoder.OutputShape(new Shape(1, 1, patchSize, patchSize));
        Features = features.Rank == 2
            ? features[1]
            : throw new ArgumentException($"PatchSet: the encoder {encoder.Describe()} maps a [1, 1, {patchSize}, {patchSize}] patch to {features}; it must give [1, d]", nameof(encoder));
    }

    /// <summary>The shared encoder.</summary>
    public Layer Encoder { get; }

    /// <summary>The head on the joined features, or null.</summary>
    public Layer? Head { get; }

    /// <summary>k, the patches per sample.</summary>
    public int Patches { get; }

    /// <summary>P, a patch's side.</summary>
    public int PatchSize { get; }

    /// <summary>d, the encoder's features per patch.</summary>
    public int Features { get; }

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, Layer Layer)> Children =>
        Head is null ? [("encoder", Encoder)] : [("encoder", Encoder), ("head", Head)];

    /// <inheritdoc />
    public override long ParameterCount => checked(Encoder.ParameterCount + (Head?.ParameterCount ?? 0));

    /// <inheritdoc />
    public override bool IsStochastic => Encoder.IsStochastic || Head?.IsStochastic == true;

    /// <inheritdoc />
    public override bool HasState => Encoder.HasState || Head?.HasState == true;

    /// <inheritdoc />
    public override string Describe() =>
        $"PatchSet({Patches} × [{PatchSize}×{PatchSize}] → {Encoder.Describe()} → [{Patches}·{Features}]{(Head is null ? "" : $" → {Head.Describe()}")})";

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        RequireShape(input);
        var joined = new Shape(input[0], Patches * Features);
        return Head is null ? joined : Head.OutputShape(joined);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var (ke, kh) = key.Split();
        return Head is null
            ? TensorTree.Nest([("encoder", Encoder.Init(ke, backend))])
            : TensorTree.Nest([("encoder", Encoder.Init(ke, backend)), ("head", Head.Init(kh, backend))]);
    }

    /// <inheritdoc />
    public override TensorTree InitState(Backend backend) =>
        Head is null
            ? TensorTree.Nest([("encoder", Encoder.InitState(backend))])
            : TensorTree.Nest([("encoder", Encoder.InitState(backend)), ("head", Head.InitState(backend))]);

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        RequireShape(input.Shape);
        var n = input.Shape[0];
        var patches = input.Reshape(n * Patches, 1, PatchSize, PatchSize);
        var (features, encoderState) = Encoder.Apply(parameters.Child("encoder"), state.Child("encoder"), patches, context.ForChild(0));
        var joined = features.Reshape(n, Patches * Features);
        if (Head is null)
        {
            return (joined, TensorTree.Nest([("encoder", encoderState)]));
        }

        var (y, headState) = Head.Apply(parameters.Child("head"), state.Child("head"), joined, context.ForChild(1));
        return (y, TensorTree.Nest([("encoder", encoderState), ("head", headState)]));
    }

    private void RequireShape(Shape input)
    {
        if (input.Rank != 4 || input[1] != Patches || input[2] != PatchSize || input[3] != PatchSize)
        {
            throw new LayerShapeException(Describe(), "", $"an input [N, {Patches}, {PatchSize}, {PatchSize}]", input);
        }
    }
}
