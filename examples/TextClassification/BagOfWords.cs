namespace Functional.Nets.Examples.TextClassification;

/// <summary>
/// Logistic regression on the set of words: logits z = Σ_{w ∈ words(e-mail)} W[w] + b, W [V, 2], b [2], i.e. a linear
/// function of the binary bag-of-words vector x ∈ {0, 1}^V (z = Wᵀx + b), computed by looking up the rows of the words
/// present (an <see cref="Embedding"/> with two columns, its padding row zero and without gradient) instead of
/// multiplying by a mostly-zero [N, V] matrix. Softmax over the two logits is the logistic regression (one redundant column).
/// </summary>
internal sealed class BagOfWords(int vocabulary) : Layer
{
    private readonly Embedding weights = new(vocabulary, 2, paddingIndex: TokenIds.Padding, weightInit: Initializer.Zeros);

    public override string Describe() => $"BagOfWords({vocabulary} → 2)";

    public override long ParameterCount => weights.ParameterCount + 2;

    public override Shape OutputShape(Shape input) => new(input[0], 2);

    public override TensorTree Init(Key key, Backend backend) =>
        TensorTree.Nest([("weights", weights.Init(key, backend)), ("bias", TensorTree.Of(("value", backend.FromArray(new double[2], 2))))]);

    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        var (_, bags) = PaddedIds.Trim(input, 1);
        var (rows, _) = weights.Apply(parameters.Child("weights"), TensorTree.Empty, bags, context);
        return (rows.Sum([1]) + Leaf(parameters, "bias.value"), state);
    }
}
