using System.Runtime.InteropServices;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>Differentiation by libtorch autograd, and nothing else.</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Each leaf is replaced by a fresh autograd leaf (<c>detach().requires_grad_(true)</c>, sharing storage with
    /// the caller's tensor, which is never written), <paramref name="f"/> runs on them with gradient recording on,
    /// <c>backward()</c> fills each leaf's <c>.grad</c>, and the gradients are returned as the slices of one new flat
    /// buffer (a packed tree: see <see cref="IFlatBuffers"/>).
    /// Leaves that <paramref name="f"/> does not use (or uses only through constants) get zero gradients.
    /// </para>
    /// <para>
    /// Lifetimes: everything created in here, by this method or by <paramref name="f"/>, is released before
    /// returning (the autograd leaves, the intermediates, the graph, the <c>.grad</c> handles), including tensors
    /// <paramref name="f"/> stores elsewhere. The caller owns the returned value and auxiliary outputs (detached from
    /// the graph; they may share storage with what <paramref name="f"/> computed, which nothing writes into) and the
    /// gradients; they join the caller's innermost <see cref="TorchScope"/>, if one is open on this
    /// thread. No higher-order derivatives: a nested call sees detached leaves.
    /// </para>
    /// </remarks>
    public override (Tensor Value, TensorTree Aux, TensorTree Gradients) ValueAndGrad(
        Func<TensorTree, (Tensor Value, TensorTree Aux)> f, TensorTree parameters)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(parameters);
        var count = parameters.Count;
        TorchTensor value;
        Shape valueShape;
        var gradients = new TorchTensor[count];
        TorchTensor flatGradient;
        KeyValuePair<string, Tensor>[] aux;

        // Everything registered in this scope is released when it closes, unless moved out below.
        using (var scope = torch.NewDisposeScope())
        using (torch.enable_grad())
        {
            var leaves = new TorchTensor[count];
            var inputs = new KeyValuePair<string, Tensor>[count];
            for (var i = 0; i < count; i++)
            {
                var (name, parameter) = parameters[i];
                // A packed leaf becomes a fresh view of its buffer (one handle), any other a detached alias.
                var source = parameter.Payload is TorchSlice slice && !slice.IsReleased ? slice.NewView() : Native(parameter, "ValueAndGrad").detach();
                leaves[i] = source.requires_grad_(true);
                inputs[i] = KeyValuePair.Create(name, Make(leaves[i], parameter.Shape));
            }

            var (output, auxOutputs) = f(TensorTree.Of(inputs));
            ArgumentNullException.ThrowIfNull(output, "the value f returned");
            ArgumentNullException.ThrowIfNull(auxOutputs, "the auxiliary outputs f returned");
            if (!Equals(output.Backend))
            {
                throw new BackendMismatchException(
                    $"ValueAndGrad: f returned a tensor on {output.Backend} but the parameters live on {this}; compute the loss on the parameters' backend");
            }

            var y = Native(output, "ValueAndGrad");
            valueShape = output.Shape;

            // A value that does not depend on any leaf has no graph to run backward through; its gradients are zero.
            if (y.requires_grad)
            {
                try
                {
                    y.backward();
                }
                catch (ExternalException e)
                {
                    throw Failure("backward", e, output.Shape);
                }
            }

            // Detached, not copied: it may share storage with an intermediate or even a parameter (f may return one), which
            // is harmless because nothing writes into a tensor after it is made, and its own handle keeps the storage alive.
            value = y.detach();
            for (var i = 0; i < count; i++)
            {
                // Each .grad read makes a new handle, released with this scope once its values are in the flat buffer.
                gradients[i] = leaves[i].grad ?? torch.zeros(leaves[i].shape, scalarType, device);
            }

            // The gradient leaves as slices of one flat buffer (one copy, ~1 µs per 10,000 float32 entries here), so that
            // the optimizer's update runs once over it (see IFlatBuffers) instead of once per leaf.
            // A rank-1 gradient (a bias) enters cat as it is: a reshape would be one more handle made and released per leaf.
            var flat = new TorchTensor[count];
            for (var i = 0; i < count; i++)
            {
                flat[i] = gradients[i].Dimensions == 1 ? gradients[i] : gradients[i].reshape(-1);
            }

            flatGradient = torch.cat(flat, 0);

            // Auxiliary outputs (e.g. new running statistics) leave the graph as copies the caller owns.
            aux = auxOutputs.Select(a => KeyValuePair.Create(a.Key, Make(Native(a.Value, "ValueAndGrad aux").detach(), a.Value.Shape))).ToArray();

            scope.MoveToOuter(value);
            scope.MoveToOuter(flatGradient);
            scope.MoveToOuter(aux.Select(a => (TorchTensor)a.Value.Payload));
        }

        var slices = Slices(flatGradient, [.. parameters.Values.Select(p => p.Shape)]);
        var result = new KeyValuePair<string, Tensor>[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = KeyValuePair.Create(parameters[i].Key, slices[i]);
        }

        return (Make(value, valueShape), TensorTree.Of(aux), TensorTree.Of(result));
    }
}
