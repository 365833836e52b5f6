using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// A <see cref="CustomOp"/>'s forward pass written in libtorch operations, attached with
/// <see cref="TorchCustomOp.WithTorch(CustomOp, Func{TorchTensor, TorchTensor})"/>. The Torch backend runs it
/// with gradient recording as the enclosing <see cref="Grad.ValueAndGrad"/> has it, so libtorch autograd
/// differentiates it; the op's hand-written VJP is never used on this backend, which is what makes a
/// cross-backend check of that VJP meaningful.
/// </summary>
/// <param name="Forward">The forward: the inputs (on the backend's dtype and device) to a new output tensor.</param>
public sealed record TorchForward(Func<IReadOnlyList<TorchTensor>, TorchTensor> Forward)
{
    /// <summary>The forward: the inputs (on the backend's dtype and device) to a new output tensor.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Func<IReadOnlyList<TorchTensor>, TorchTensor> Forward { get; init => field = value ?? throw new ArgumentNullException(nameof(Forward)); } = Forward ?? throw new ArgumentNullException(nameof(Forward));
}

/// <summary>Attaches libtorch forwards to <see cref="CustomOp"/>s.</summary>
public static class TorchCustomOp
{
    /// <summary>
    /// <paramref name="op"/> with a one-input forward in libtorch operations, e.g.
    /// <c>swish.WithTorch(x =&gt; x * torch.sigmoid(x))</c>; see <see cref="TorchForward"/>.
    /// </summary>
    public static CustomOp WithTorch(this CustomOp op, Func<TorchTensor, TorchTensor> forward)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(forward);
        return op.With(new TorchForward(inputs => forward(inputs[0])));
    }

    /// <summary><paramref name="op"/> with a forward of all its inputs in libtorch operations; see <see cref="TorchForward"/>.</summary>
    public static CustomOp WithTorch(this CustomOp op, Func<IReadOnlyList<TorchTensor>, TorchTensor> forward)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(forward);
        return op.With(new TorchForward(forward));
    }
}

/// <summary>User-defined primitives on the Torch backend.</summary>
public sealed partial class TorchBackend
{
    /// <summary>
    /// Runs the op's <see cref="TorchForward"/> if it has one, else its <see cref="CustomOp.Compose"/> (both
    /// differentiated by libtorch autograd), else throws <see cref="NotSupportedException"/>. The forward's
    /// intermediates are released before returning (autograd keeps what it saved for backward).
    /// </summary>
    /// <exception cref="InvalidOperationException">The forward returned a tensor of another shape, dtype or device.</exception>
    public override Tensor Custom(CustomOp op, IReadOnlyList<Tensor> inputs, Shape outputShape)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        if (op.Implementation<TorchForward>() is not { } torchForward)
        {
            return base.Custom(op, inputs, outputShape);
        }

        var natives = inputs.Select(t => Native(t, $"custom op '{op.Name}'")).ToArray();
        TorchTensor result;
        using (var scope = torch.NewDisposeScope())
        {
            result = torchForward.Forward(natives)
                ?? throw new InvalidOperationException($"custom op '{op.Name}': the torch forward returned null");

            // A forward that returns one of its inputs would make two Tensors own one native handle.
            if (natives.Any(n => ReferenceEquals(n, result) || n.Handle == result.Handle))
            {
                result = result.alias();
            }

            scope.MoveToOuter(result);
        }

        var dims = result.shape;
        if (!dims.SequenceEqual(outputShape.Dims.Select(d => (long)d)) || result.dtype != scalarType || result.device_type != device.type)
        {
            var found = $"shape [{string.Join(", ", dims)}], {result.dtype} on {result.device}";
            result.Dispose();
            throw new InvalidOperationException(
                $"custom op '{op.Name}': the torch forward returned {found}, but {this} expects shape {outputShape} in {scalarType}");
        }

        return Make(result, outputShape);
    }
}
