namespace Functional.Nets.Examples.TextClassification;

/// <summary>
/// An LSTM over the word vectors of each e-mail, run to each sequence's own length (<see cref="RecurrentLayer.Run(TensorTree, Tensor, Context, IReadOnlyList{int}?, Tensor?, Tensor?)"/>
/// with lengths: padded steps neither change the carry nor receive gradient), bidirectional; the final states of
/// both directions h_n [2, N, H] concatenated to [N, 2H], dropout, and a dense layer to the two classes.
/// </summary>
internal sealed class LstmClassifier : Layer
{
    private readonly Embedding embedding;
    private readonly Lstm lstm;
    private readonly Dropout dropout;
    private readonly Dense head;

    public LstmClassifier(Embedding embedding, int hidden, double dropout)
    {
        this.embedding = embedding;
        lstm = new Lstm(embedding.Dimension, hidden, bidirectional: true);
        this.dropout = new Dropout(dropout);
        head = new Dense(2 * hidden, 2);
    }

    public override string Describe() => $"LstmClassifier({embedding.Describe()}, {lstm.Describe()}, final states, {dropout.Describe()}, {head.Describe()})";

    public override long ParameterCount => embedding.ParameterCount + lstm.ParameterCount + head.ParameterCount;

    public override bool IsStochastic => true;

    public override Shape OutputShape(Shape input) => new(input[0], 2);

    public override TensorTree Init(Key key, Backend backend) =>
        TensorTree.Nest([
            ("embedding", embedding.Init(key.Fold(0), backend)),
            ("lstm", lstm.Init(key.Fold(1), backend)),
            ("head", head.Init(key.Fold(2), backend)),
        ]);

    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var (lengths, ids) = PaddedIds.Trim(input, 1);
        var (vectors, _) = embedding.Apply(parameters.Child("embedding"), TensorTree.Empty, ids, context);
        var run = lstm.Run(parameters.Child("lstm"), vectors, context.ForChild(1), lengths);
        var n = input.Shape[0];
        var final = run.Hidden.Permute(1, 0, 2).Reshape(n, 2 * lstm.Hidden);   // [2, N, H] → [N, 2H]: forward | backward
        var (dropped, _) = dropout.Apply(TensorTree.Empty, TensorTree.Empty, final, context.ForChild(2));
        return (head.Apply(parameters.Child("head"), dropped), state);
    }
}
