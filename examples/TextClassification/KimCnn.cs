namespace Functional.Nets.Examples.TextClassification;

/// <summary>
/// Kim's (2014) CNN for sentence classification: word vectors e_t ∈ ℝ^D, for each width w a bank of F filters
/// c_t = ReLU(W_w · [e_t … e_{t+w−1}] + b_w) (a <see cref="Conv1d"/> over the [N, D, T] sequence), max over time per
/// filter, the widths' maxima concatenated (|widths|·F features), dropout, and a dense layer to the two classes.
/// Padding positions (zero vectors) take part in the max, as in Kim's zero-padded batches.
/// </summary>
internal sealed class KimCnn : Layer
{
    private readonly Embedding embedding;
    private readonly int[] widths;
    private readonly Conv1d[] convolutions;
    private readonly Dropout dropout;
    private readonly Dense head;

    public KimCnn(Embedding embedding, int[] widths, int filters, double dropout)
    {
        this.embedding = embedding;
        this.widths = widths;
        convolutions = [.. widths.Select(w => new Conv1d(embedding.Dimension, filters, w))];
        this.dropout = new Dropout(dropout);
        head = new Dense(widths.Length * filters, 2);
    }

    public override string Describe() =>
        $"KimCnn({embedding.Describe()}, widths {string.Join('/', widths)} × {convolutions[0].OutChannels} filters, max over time, {dropout.Describe()}, {head.Describe()})";

    public override long ParameterCount => embedding.ParameterCount + convolutions.Sum(c => c.ParameterCount) + head.ParameterCount;

    public override bool IsStochastic => true;

    public override Shape OutputShape(Shape input) => new(input[0], 2);

    public override TensorTree Init(Key key, Backend backend) =>
        TensorTree.Nest([
            ("embedding", embedding.Init(key.Fold(0), backend)),
            .. convolutions.Select((c, i) => ($"conv{widths[i]}", c.Init(key.Fold((ulong)(i + 1)), backend))),
            ("head", head.Init(key.Fold(100), backend)),
        ]);

    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var (_, ids) = PaddedIds.Trim(input, widths.Max());
        var (vectors, _) = embedding.Apply(parameters.Child("embedding"), TensorTree.Empty, ids, context);
        var sequence = vectors.Permute(0, 2, 1);   // [N, D, T]: channels are the vector's entries
        var features = convolutions
            .Select((c, i) => c.Apply(parameters.Child($"conv{widths[i]}"), TensorTree.Empty, sequence, context).Output.Relu().Max([2]))
            .ToArray();
        var (dropped, _) = dropout.Apply(TensorTree.Empty, TensorTree.Empty, Tensor.Concat(features, 1), context.ForChild(1));
        return (head.Apply(parameters.Child("head"), dropped), state);
    }
}
