namespace Functional.Nets;

/// <summary>
/// Folds a trained <see cref="BatchNorm"/> in evaluation mode into the <see cref="Dense"/> layer before it.
/// </summary>
/// <remarks>
/// At evaluation, batch norm with running mean E, running variance D, scale γ and shift β is an affine map per
/// channel, y = γ/√(D + ε)·x + (β − γE/√(D + ε)). Applied to a Dense output x = W·h + b it gives one Dense layer:
/// <code>
/// s  = γ / √(D + ε)                 (one factor per output channel)
/// W′ = diag(s)·W                    (row i of W scaled by sᵢ)
/// b′ = s⊙(b − E) + β                (b = 0 for a Dense without bias)
/// </code>
/// so Dense(W′, b′)(h) = BatchNorm(Dense(W, b)(h)) in evaluation mode, up to rounding, with one matrix product
/// and no normalization at inference. Training mode cannot be folded: it uses batch statistics. Computed with
/// tensor operations on the parameters' backend.
/// </remarks>
public static class BatchNormFolding
{
    /// <summary>
    /// The Dense layer (with bias) and its parameters equivalent to <paramref name="dense"/> followed by
    /// <paramref name="batchNorm"/> in evaluation mode, for inputs [N, in] (the batch norm's channels are the
    /// Dense outputs).
    /// </summary>
    /// <param name="dense">The Dense layer.</param>
    /// <param name="denseParameters">Its <c>weight</c> [out, in] and, if it has one, <c>bias</c> [out].</param>
    /// <param name="batchNorm">The batch norm after it; it must track running statistics and have <c>features = out</c>.</param>
    /// <param name="batchNormParameters">Its <c>weight</c> γ and <c>bias</c> β (empty when not affine: γ = 1, β = 0).</param>
    /// <param name="batchNormState">Its <c>running_mean</c> E and <c>running_var</c> D.</param>
    /// <exception cref="ArgumentException">The layers do not fit together, the batch norm keeps no running statistics, or a leaf is missing.</exception>
    /// <exception cref="ShapeMismatchException">A leaf has the wrong shape.</exception>
    public static (Dense Layer, TensorTree Parameters) Fold(
        Dense dense, TensorTree denseParameters, BatchNorm batchNorm, TensorTree batchNormParameters, TensorTree batchNormState)
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(denseParameters);
        ArgumentNullException.ThrowIfNull(batchNorm);
        ArgumentNullException.ThrowIfNull(batchNormParameters);
        ArgumentNullException.ThrowIfNull(batchNormState);
        if (batchNorm.Features != dense.Outputs)
        {
            throw new ArgumentException(
                $"BatchNormFolding: {batchNorm.Describe()} has {batchNorm.Features} channels but {dense.Describe()} has {dense.Outputs} outputs");
        }

        if (!batchNorm.TrackRunningStats)
        {
            throw new ArgumentException(
                $"BatchNormFolding: {batchNorm.Describe()} keeps no running statistics, so its evaluation mode uses batch statistics and is not an affine map");
        }

        var outputs = new Shape(dense.Outputs);
        var w = Require(denseParameters, "weight", new Shape(dense.Outputs, dense.Inputs), dense.Describe());
        var e = Require(batchNormState, "running_mean", outputs, batchNorm.Describe());
        var d = Require(batchNormState, "running_var", outputs, batchNorm.Describe());
        var backend = w.Backend;
        var b = dense.HasBias ? Require(denseParameters, "bias", outputs, dense.Describe()) : backend.Zeros(outputs);

        // s = γ/√(D + ε); W′ = diag(s)·W; b′ = s⊙(b − E) + β.
        var gamma = batchNorm.Affine ? Require(batchNormParameters, "weight", outputs, batchNorm.Describe()) : backend.FromArray(Enumerable.Repeat(1.0, dense.Outputs).ToArray(), outputs);
        var s = gamma / (d + batchNorm.Epsilon).Sqrt();
        var shifted = (b - e) * s;
        var bias = batchNorm.Affine ? shifted + Require(batchNormParameters, "bias", outputs, batchNorm.Describe()) : shifted;
        var weight = w * s.Reshape(dense.Outputs, 1);
        return (new Dense(dense.Inputs, dense.Outputs), TensorTree.Of(("weight", weight), ("bias", bias)));
    }

    private static Tensor Require(TensorTree tree, string name, Shape shape, string layer)
    {
        if (!tree.TryGet(name, out var t))
        {
            throw new ArgumentException($"BatchNormFolding: {layer} is missing '{name}'; got {tree.Describe()}");
        }

        return t.Shape == shape
            ? t
            : throw new ShapeMismatchException($"BatchNormFolding: {layer}'s '{name}' has shape {t.Shape}, expected {shape}");
    }
}
