using System.Collections.ObjectModel;

namespace Functional.Nets;

/// <summary>
/// An immutable in-memory dataset: N samples whose inputs are the rows (entries along axis 0) of
/// <see cref="Inputs"/> and whose targets are the rows of <see cref="Targets"/>, with optional class
/// indices (<see cref="Labels"/>) for accuracy and stratified splits. A dataset of inputs only
/// (<see cref="Dataset(Tensor)"/>: a GAN's samples, an autoencoder's, word2vec's pairs) has no targets; its
/// batches have none either, and a supervised loss that asks for them gets a clear error.
/// </summary>
/// <remarks>
/// <para>
/// Every operation returns a new dataset with freshly gathered tensors (<see cref="Slice"/>,
/// <see cref="Subset"/>, <see cref="Batches"/>, <see cref="Split"/>, <see cref="StratifiedSplit"/>,
/// <see cref="ToBackend"/> to another backend); nothing is mutated.
/// </para>
/// <para>
/// Lifetimes (Torch backend): <see cref="Dispose"/> releases <see cref="Inputs"/> and
/// <see cref="Targets"/>. A dataset built from another's tensors (for instance
/// <c>new Dataset(standardizer.Transform(d.Inputs), d.Targets, d.Labels)</c>) shares them, and
/// <see cref="ToBackend"/> to the dataset's own backend returns the dataset itself; release shared
/// tensors once, when the last dataset using them is done.
/// </para>
/// </remarks>
public sealed partial class Dataset : IDisposable
{
    private readonly ReadOnlyCollection<int>? labels;
    private readonly Tensor? targets;

    /// <summary>Creates a dataset of N samples with inputs only (no targets, no labels), for unsupervised and adversarial objectives.</summary>
    /// <param name="inputs">Inputs [N, ...] (rank ≥ 1).</param>
    /// <exception cref="ShapeMismatchException">The inputs are a scalar.</exception>
    public Dataset(Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Shape.Rank == 0)
        {
            throw new ShapeMismatchException($"Dataset: inputs need a sample axis (rank ≥ 1), got {inputs.Shape}");
        }

        Inputs = inputs;
    }

    /// <summary>Creates a dataset of N samples.</summary>
    /// <param name="inputs">Inputs [N, ...] (rank ≥ 1).</param>
    /// <param name="targets">Targets [N, ...] (rank ≥ 1) on the same backend, e.g. one-hot [N, classes].</param>
    /// <param name="labels">Optional class indices (≥ 0), one per sample; copied.</param>
    /// <exception cref="ShapeMismatchException">A tensor is a scalar, or the two tensors disagree on N; the message names both shapes.</exception>
    /// <exception cref="BackendMismatchException">The tensors live on different backends.</exception>
    /// <exception cref="ArgumentException">The number of labels is not N, or a label is negative.</exception>
    public Dataset(Tensor inputs, Tensor targets, IReadOnlyList<int>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.Shape.Rank == 0 || targets.Shape.Rank == 0)
        {
            throw new ShapeMismatchException(
                $"Dataset: inputs and targets need a sample axis (rank ≥ 1), got inputs {inputs.Shape} and targets {targets.Shape}");
        }

        if (inputs.Shape[0] != targets.Shape[0])
        {
            throw new ShapeMismatchException(
                $"Dataset: inputs {inputs.Shape} and targets {targets.Shape} disagree on the number of samples (axis 0: {inputs.Shape[0]} and {targets.Shape[0]})");
        }

        if (!inputs.Backend.Equals(targets.Backend))
        {
            throw new BackendMismatchException(
                $"Dataset: inputs live on {inputs.Backend} and targets on {targets.Backend}; move one with ToBackend(...) first");
        }

        if (labels is not null)
        {
            if (labels.Count != inputs.Shape[0])
            {
                throw new ArgumentException(
                    $"Dataset: {labels.Count} labels for {inputs.Shape[0]} samples (inputs {inputs.Shape}, targets {targets.Shape})", nameof(labels));
            }

            var copy = labels.ToArray();
            for (var i = 0; i < copy.Length; i++)
            {
                if (copy[i] < 0)
                {
                    throw new ArgumentException($"Dataset: label {copy[i]} at position {i} is negative; labels are class indices 0, 1, ...", nameof(labels));
                }
            }

            this.labels = Array.AsReadOnly(copy);
        }

        Inputs = inputs;
        this.targets = targets;
    }

    /// <summary>Inputs [N, ...].</summary>
    public Tensor Inputs { get; }

    /// <summary>Targets [N, ...].</summary>
    /// <exception cref="InvalidOperationException">The dataset has inputs only (<see cref="HasTargets"/> is false).</exception>
    public Tensor Targets => targets ?? throw new InvalidOperationException(
        $"Dataset: this dataset has inputs only ({Inputs.Shape}, built with new Dataset(inputs)), so it has no targets; a supervised loss needs new Dataset(inputs, targets), an unsupervised objective reads only batch.Inputs");

    /// <summary>Whether the dataset has targets (false for <see cref="Dataset(Tensor)"/>).</summary>
    public bool HasTargets => targets is not null;

    /// <summary>Class indices, one per sample, or null.</summary>
    public IReadOnlyList<int>? Labels => labels;

    /// <summary>The number of samples N.</summary>
    public int Count => Inputs.Shape[0];

    /// <summary>The backend both tensors live on.</summary>
    public Backend Backend => Inputs.Backend;

    /// <summary>The samples <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> − 1, in order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within [0, <see cref="Count"/>).</exception>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), $"Dataset.Slice: samples [{start}, {(long)start + count}) are not within the {Count} samples");
        }

        return Subset(Enumerable.Range(start, count).ToArray());
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index lies outside [0, <see cref="Count"/>).</exception>
    public Dataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var (inputs, taken, subsetLabels) = Take(indices);
        return taken is null ? new Dataset(inputs) : new Dataset(inputs, taken, subsetLabels);
    }

    /// <summary>The same samples on <paramref name="backend"/> (exact from and to float64); this dataset if it already lives there.</summary>
    public Dataset ToBackend(Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.Equals(Backend))
        {
            return this;
        }

        return targets is null ? new Dataset(Inputs.ToBackend(backend)) : new Dataset(Inputs.ToBackend(backend), targets.ToBackend(backend), labels);
    }

    /// <summary>Releases <see cref="Inputs"/> and <see cref="Targets"/> (native memory on the Torch backend; no-op on the Reference backend).</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        targets?.Dispose();
    }

    /// <summary>Formats as <c>Dataset(N = 100, inputs [100, 784], targets [100, 10], labels, on torch/float32/cpu)</c> (<c>no targets</c> for inputs only).</summary>
    public override string ToString() =>
        $"Dataset(N = {Count}, inputs {Inputs.Shape}, {(targets is null ? "no targets" : $"targets {targets.Shape}")}{(labels is null ? "" : ", labels")}, on {Backend})";

    /// <summary>
    /// The rows of <paramref name="t"/> at <paramref name="indices"/>; no rows at all is made directly as an empty
    /// tensor, because the Reference backend's Gather divides by the row count and fails on a tensor with no rows.
    /// </summary>
    private static Tensor Gather(Tensor t, IReadOnlyList<int> indices)
    {
        if (indices.Count > 0)
        {
            return t.Gather(indices);
        }

        var dims = t.Shape.ToArray();
        dims[0] = 0;
        return t.Backend.FromArray([], new Shape(dims));
    }

    /// <summary>Gathers inputs, targets (if any) and labels at <paramref name="indices"/>; the indices are checked here with the dataset's words.</summary>
    private (Tensor Inputs, Tensor? Targets, int[]? Labels) Take(IReadOnlyList<int> indices)
    {
        var n = Count;
        for (var i = 0; i < indices.Count; i++)
        {
            if (indices[i] < 0 || indices[i] >= n)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), $"Dataset: sample index {indices[i]} at position {i} is outside [0, {n})");
            }
        }

        int[]? taken = null;
        if (labels is not null)
        {
            taken = new int[indices.Count];
            for (var i = 0; i < taken.Length; i++)
            {
                taken[i] = labels[indices[i]];
            }
        }

        var inputs = Gather(Inputs, indices);
        try
        {
            return (inputs, targets is null ? null : Gather(targets, indices), taken);
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }
}
