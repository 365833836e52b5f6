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
    /// <c>backward()</c> fills each leaf's <c>.grad</c>, and the gradients are returned as new detached tensors.
    /// Leaves that <paramref name="f"/> does not use (or uses only through constants) get zero gradients.
    /// </para>
    /// <para>
    /// Lifetimes: everything created in here, by this method or by <paramref name="f"/>, is released before
    /// returning (the autograd leaves, the intermediates, the graph, the <c>.grad</c> handles), including tensors
    /// <paramref name="f"/> stores elsewhere. The caller owns the returned value (a copy, not attached to any
    /// graph), the auxiliary outputs (detached copies) and gradients; they join the caller's innermost <see cref="TorchScope"/>, if one is open on this
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
                leaves[i] = Native(parameter, "ValueAndGrad").detach().requires_grad_(true);
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

            // A copy, so the value never aliases a leaf's storage (f may return a parameter itself).
            value = y.detach().clone();
            for (var i = 0; i < count; i++)
            {
                // Each .grad read makes a new handle: detach a tensor to keep, then dispose the handle itself.
                var grad = leaves[i].grad;
                if (grad is null)
                {
                    gradients[i] = torch.zeros(leaves[i].shape, scalarType, device);
                }
                else
                {
                    gradients[i] = grad.detach();
                    grad.Dispose();
                }
            }

            // Auxiliary outputs (e.g. new running statistics) leave the graph as copies the caller owns.
            aux = auxOutputs.Select(a => KeyValuePair.Create(a.Key, Make(Native(a.Value, "ValueAndGrad aux").detach().clone(), a.Value.Shape))).ToArray();

            scope.MoveToOuter(value);
            scope.MoveToOuter(gradients);
            scope.MoveToOuter(aux.Select(a => (TorchTensor)a.Value.Payload));
        }

        var result = new KeyValuePair<string, Tensor>[count];
        for (var i = 0; i < count; i++)
        {
            var (name, parameter) = parameters[i];
            result[i] = KeyValuePair.Create(name, Make(gradients[i], parameter.Shape));
        }

        return (Make(value, valueShape), TensorTree.Of(aux), TensorTree.Of(result));
    }
}
