namespace Functional.Nets;

/// <summary>What <see cref="Dataset.Batches"/> does with the last batch when N is not a multiple of the batch size.</summary>
public enum LastBatch
{
    /// <summary>Yield it, smaller than the others: every sample is seen exactly once per epoch.</summary>
    Keep,

    /// <summary>Leave it out: every batch has the full size; up to batchSize − 1 samples (different ones each epoch when shuffled) are skipped.</summary>
    Drop,
}

/// <summary>
/// A minibatch: the rows of a dataset at <see cref="Indices"/>, gathered into fresh tensors.
/// The batch owns its tensors: dispose it when done (on the Torch backend they hold native memory).
/// A batch of a dataset of inputs only has no targets (<see cref="HasTargets"/> is false).
/// </summary>
public sealed record Batch : IDisposable
{
    private readonly Tensor? targets;

    /// <summary>Creates a batch with targets.</summary>
    /// <param name="Inputs">Inputs [B, ...].</param>
    /// <param name="Targets">Targets [B, ...].</param>
    /// <param name="Labels">Class indices of the B samples, when the dataset has labels.</param>
    /// <param name="Indices">The positions of the B samples in the dataset.</param>
    public Batch(Tensor Inputs, Tensor Targets, IReadOnlyList<int>? Labels, int[] Indices)
    {
        ArgumentNullException.ThrowIfNull(Inputs);
        ArgumentNullException.ThrowIfNull(Targets);
        ArgumentNullException.ThrowIfNull(Indices);
        this.Inputs = Inputs;
        targets = Targets;
        this.Labels = Labels;
        this.Indices = Indices;
    }

    /// <summary>Creates a batch of inputs only.</summary>
    /// <param name="inputs">Inputs [B, ...].</param>
    /// <param name="indices">The positions of the B samples in the dataset.</param>
    public Batch(Tensor inputs, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(indices);
        Inputs = inputs;
        Indices = indices;
    }

    /// <summary>Inputs [B, ...].</summary>
    public Tensor Inputs { get; init => field = value ?? throw new ArgumentNullException(nameof(Inputs)); }

    /// <summary>Targets [B, ...].</summary>
    /// <exception cref="InvalidOperationException">The batch has no targets (its dataset has inputs only); the message says how to give it some.</exception>
    public Tensor Targets
    {
        get => targets ?? throw new InvalidOperationException(
            $"Batch: this batch of {Count} samples (inputs {Inputs.Shape}) has no targets, because its dataset was built from inputs only (new Dataset(inputs)); a supervised loss needs new Dataset(inputs, targets), an unsupervised objective reads only batch.Inputs");
        init => targets = value;
    }

    /// <summary>Whether the batch has targets.</summary>
    public bool HasTargets => targets is not null;

    /// <summary>Class indices of the B samples, when the dataset has labels.</summary>
    public IReadOnlyList<int>? Labels { get; init; }

    /// <summary>The positions of the B samples in the dataset.</summary>
    public int[] Indices { get; init => field = value ?? throw new ArgumentNullException(nameof(Indices)); }

    /// <summary>The number of samples B.</summary>
    public int Count => Indices.Length;

    /// <summary>Deconstructs into inputs, targets, labels and indices (throws, as <see cref="Targets"/> does, without targets).</summary>
    public void Deconstruct(out Tensor Inputs, out Tensor Targets, out IReadOnlyList<int>? Labels, out int[] Indices)
    {
        Inputs = this.Inputs;
        Targets = this.Targets;
        Labels = this.Labels;
        Indices = this.Indices;
    }

    /// <summary>Releases <see cref="Inputs"/> and <see cref="Targets"/>.</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        targets?.Dispose();
    }
}

/// <summary>Minibatches.</summary>
public sealed partial class Dataset
{
    /// <summary>
    /// The dataset in minibatches of <paramref name="batchSize"/> samples, in order, or in the order of
    /// <c>shuffle.Permutation(Count)</c> when a key is given: the same key gives the same batches on every
    /// backend and in every process. Shuffle each epoch differently by folding the epoch into the key.
    /// </summary>
    /// <param name="batchSize">Samples per batch (≥ 1).</param>
    /// <param name="shuffle">The key of this epoch's permutation, or null for the dataset's order.</param>
    /// <param name="last">Whether a last, partial batch is yielded (<see cref="LastBatch.Keep"/>) or left out.</param>
    /// <returns>
    /// Lazily gathered batches (<see cref="Tensor.Gather"/>); each enumeration gathers again. Each
    /// batch owns its tensors: dispose it when done.
    /// </returns>
    /// <example>
    /// <code>
    /// for (var epoch = 0; epoch &lt; epochs; epoch++)
    /// {
    ///     foreach (var batch in train.Batches(128, key.Fold((ulong)epoch)))
    ///     {
    ///         using (batch) { (state, _) = trainer.Step(state, batch); }
    ///     }
    /// }
    /// </code>
    /// </example>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1 (thrown at the call, not at enumeration).</exception>
    public IEnumerable<Batch> Batches(int batchSize, Key? shuffle, LastBatch last = LastBatch.Keep)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Dataset.Batches: the batch size must be at least 1");
        }

        if (last is not (LastBatch.Keep or LastBatch.Drop))
        {
            throw new ArgumentOutOfRangeException(nameof(last), last, "Dataset.Batches: unknown LastBatch value");
        }

        return Enumerate(batchSize, shuffle, last);
    }

    /// <summary>The sample order of one epoch: 0..N−1, or the key's permutation of it.</summary>
    public int[] Order(Key? shuffle) => shuffle is { } key ? key.Permutation(Count) : Enumerable.Range(0, Count).ToArray();

    private IEnumerable<Batch> Enumerate(int batchSize, Key? shuffle, LastBatch last)
    {
        var order = Order(shuffle);

        // The position in 64 bits: start + batchSize exceeds int for a batch size near int.MaxValue, and must end the loop, not wrap.
        for (long start = 0; start < order.Length; start += batchSize)
        {
            var size = (int)Math.Min(batchSize, order.Length - start);
            if (size < batchSize && last == LastBatch.Drop)
            {
                yield break;
            }

            var indices = order.AsSpan((int)start, size).ToArray();
            var (inputs, targets, batchLabels) = Take(indices);
            yield return targets is null
                ? new Batch(inputs, indices)
                : new Batch(inputs, targets, batchLabels is null ? null : Array.AsReadOnly(batchLabels), indices);
        }
    }
}
