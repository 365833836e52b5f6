namespace Functional.Nets;

/// <summary>Differentiation of scalar functions of parameter trees.</summary>
public static class Grad
{
    /// <summary>
    /// Evaluates <paramref name="f"/> at <paramref name="parameters"/> and returns its value with the
    /// gradient ∂f/∂leaf for every leaf, as a tree of the same names and shapes. The Reference backend
    /// differentiates with its tape of hand-written vector-Jacobian products; the Torch backend with
    /// libtorch autograd.
    /// </summary>
    /// <param name="f">A function returning a scalar tensor (shape [] or one element).</param>
    /// <param name="parameters">The point; all leaves on one backend.</param>
    /// <param name="requireFinite">If true, throws <see cref="NonFiniteException"/> when the value or a gradient is NaN or infinite.</param>
    public static (Tensor Value, TensorTree Gradients) ValueAndGrad(Func<TensorTree, Tensor> f, TensorTree parameters, bool requireFinite = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, _, grads) = ValueAndGradWithAux(p => (f(p), TensorTree.Empty), parameters, requireFinite);
        return (value, grads);
    }

    /// <summary>
    /// Like <see cref="ValueAndGrad"/>, for a function that also returns auxiliary outputs that are not
    /// differentiated (JAX's <c>has_aux</c>): typically the new layer state from
    /// <see cref="Layer.Apply(TensorTree, TensorTree, Tensor, Context)"/>. The auxiliary tensors come back
    /// detached from any graph and owned by the caller.
    /// </summary>
    public static (Tensor Value, TensorTree Aux, TensorTree Gradients) ValueAndGradWithAux(
        Func<TensorTree, (Tensor Value, TensorTree Aux)> f, TensorTree parameters, bool requireFinite = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (parameters.Count == 0)
        {
            throw new ArgumentException("ValueAndGrad: the parameter tree has no leaves", nameof(parameters));
        }

        var backend = parameters[0].Value.Backend;
        foreach (var (name, leaf) in parameters)
        {
            if (!leaf.Backend.Equals(backend))
            {
                throw new BackendMismatchException(
                    $"ValueAndGrad: leaf '{name}' lives on {leaf.Backend} but '{parameters[0].Key}' on {backend}; move the tree with ToBackend(...) first");
            }
        }

        var (value, aux, grads) = backend.ValueAndGrad(
            p =>
            {
                var (v, a) = f(p);
                return (RequireScalar(v), a);
            },
            parameters);
        if (requireFinite)
        {
            value.ThrowIfNonFinite("the loss");
            foreach (var (name, g) in grads)
            {
                g.ThrowIfNonFinite($"the gradient of '{name}'");
            }
        }

        return (value, aux, grads);
    }

    /// <summary>
    /// The value of <paramref name="f"/> and its gradient with respect to <paramref name="trainable"/> only:
    /// <paramref name="f"/> sees <c>trainable.Merge(frozen)</c>, and the leaves of <paramref name="frozen"/> enter it as
    /// constants, so no gradient is computed for them at all (Equinox's <c>eqx.partition</c>, Lux's <c>FrozenLayer</c>).
    /// On the Torch backend they do not require grad, so autograd builds no graph behind them; on the Reference backend
    /// they are not tape leaves. The returned gradient tree has exactly <paramref name="trainable"/>'s names.
    /// </summary>
    /// <remarks>
    /// Compared with differentiating everything and dropping (or masking) the frozen gradients, the backward pass skips
    /// the weight gradients of frozen layers, and of every layer before the first trainable one also the input
    /// gradients (see the freezing benchmark in README.md).
    /// </remarks>
    /// <example><code>
    /// var (trainable, frozen) = parameters.Partition(name => !name.StartsWith("0.", StringComparison.Ordinal));
    /// var (loss, grads) = Grad.ValueAndGrad(p => Losses.Mse(model.Apply(p, x), y), trainable, frozen);
    /// </code></example>
    /// <param name="f">A function of the whole tree returning a scalar.</param>
    /// <param name="trainable">The leaves to differentiate (at least one).</param>
    /// <param name="frozen">The constant leaves; no name in common with <paramref name="trainable"/>.</param>
    /// <param name="requireFinite">If true, throws <see cref="NonFiniteException"/> when the value or a gradient is NaN or infinite.</param>
    /// <exception cref="ArgumentException">The trees share a name, or <paramref name="trainable"/> is empty.</exception>
    public static (Tensor Value, TensorTree Gradients) ValueAndGradTrainable(Func<TensorTree, Tensor> f, TensorTree trainable, TensorTree frozen, bool requireFinite = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, _, grads) = ValueAndGradTrainableWithAux(p => (f(p), TensorTree.Empty), trainable, frozen, requireFinite);
        return (value, grads);
    }

    /// <summary>
    /// <see cref="ValueAndGradWithAux"/> with respect to <paramref name="trainable"/> only; the leaves of
    /// <paramref name="frozen"/> enter <paramref name="f"/> as constants, as in <see cref="ValueAndGradTrainable"/>.
    /// </summary>
    public static (Tensor Value, TensorTree Aux, TensorTree Gradients) ValueAndGradTrainableWithAux(
        Func<TensorTree, (Tensor Value, TensorTree Aux)> f, TensorTree trainable, TensorTree frozen, bool requireFinite = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(frozen);
        if (frozen.Count == 0)
        {
            return ValueAndGradWithAux(f, trainable, requireFinite);
        }

        // Fails early, naming the shared leaves, rather than inside f.
        _ = trainable.Merge(frozen);
        return ValueAndGradWithAux(p => f(p.Merge(Constants(frozen))), trainable, requireFinite);
    }

    /// <summary>
    /// The leaves as constants of the running differentiation. Leaves made outside it are constants already; one that
    /// is a recorded value of an enclosing computation (a nested call) would carry that graph, so every leaf passes
    /// through <see cref="Tensor.StopGradient"/> (a detached alias: no copy; released with the differentiation's intermediates).
    /// </summary>
    private static TensorTree Constants(TensorTree frozen) => frozen.Map(t => t.IsIndex ? t : t.StopGradient());

    private static Tensor RequireScalar(Tensor value) =>
        value.Size == 1
            ? value
            : throw new ShapeMismatchException($"ValueAndGrad: the function must return a scalar, got shape {value.Shape}; reduce it with Sum() or Mean()");

    /// <summary>The gradient alone; see <see cref="ValueAndGrad"/>.</summary>
    public static TensorTree Gradient(Func<TensorTree, Tensor> f, TensorTree parameters) => ValueAndGrad(f, parameters).Gradients;
}
