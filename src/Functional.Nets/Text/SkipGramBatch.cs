namespace Functional.Nets;

/// <summary>
/// One minibatch of skip-gram triples: <see cref="Count"/> centre words, each with one context word and
/// <see cref="Negatives"/> noise words, as int64 ids ready for <see cref="Backend.FromIndices(long[], int[])"/>.
/// </summary>
/// <param name="Centres">The centre words [Count].</param>
/// <param name="Outputs">Per triple, the context word then its negatives: [Count, 1 + Negatives], row-major.</param>
/// <param name="Negatives">Noise words per triple, k.</param>
/// <param name="Progress">The fraction of the whole training's corpus words read when this batch was filled, in [0, 1] (for the learning rate's decay).</param>
/// <param name="WordsRead">Corpus words read in this epoch so far (before subsampling).</param>
public sealed record SkipGramBatch(long[] Centres, long[] Outputs, int Negatives, double Progress, long WordsRead)
{
    /// <summary>The centre words [Count].</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public long[] Centres { get; init => field = value ?? throw new ArgumentNullException(nameof(Centres)); } = Centres ?? throw new ArgumentNullException(nameof(Centres));

    /// <summary>Per triple, the context word then its negatives: [Count, 1 + Negatives], row-major.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public long[] Outputs { get; init => field = value ?? throw new ArgumentNullException(nameof(Outputs)); } = Outputs ?? throw new ArgumentNullException(nameof(Outputs));

    /// <summary>The number of triples.</summary>
    public int Count => Centres.Length;
}
