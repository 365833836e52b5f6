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

    private static Tensor RequireScalar(Tensor value) =>
        value.Size == 1
            ? value
            : throw new ShapeMismatchException($"ValueAndGrad: the function must return a scalar, got shape {value.Shape}; reduce it with Sum() or Mean()");

    /// <summary>The gradient alone; see <see cref="ValueAndGrad"/>.</summary>
    public static TensorTree Gradient(Func<TensorTree, Tensor> f, TensorTree parameters) => ValueAndGrad(f, parameters).Gradients;
}
