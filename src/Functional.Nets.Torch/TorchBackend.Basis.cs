using System.Runtime.InteropServices;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// The rest of the basis on libtorch: each primitive one libtorch op (or a short composition), differentiated by
/// autograd. The core has checked every argument, so a libtorch failure here is unexpected and is reported with the
/// operation, the operand shapes and this backend.
/// </summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    public override Tensor FromIndices(ReadOnlySpan<long> values, Shape shape)
    {
        if (values.Length != shape.Size)
        {
            throw new ShapeMismatchException($"FromIndices: {values.Length} values cannot fill shape {shape} ({shape.Size} elements)");
        }

        TorchTensor? host = null;
        try
        {
            host = torch.empty(Dims(shape), torch.int64, torch.CPU);
            values.CopyTo(MemoryMarshal.Cast<byte, long>(host.bytes));
            if (cudaIndex >= 0)
            {
                var moved = host.to(device);
                host.Dispose();
                host = moved;
            }

            return Make(host, shape, DType.Int64);
        }
        catch (ExternalException e)
        {
            host?.Dispose();
            throw Failure("FromIndices", e, shape);
        }
    }

    /// <inheritdoc />
    public override long[] ToIndexArray(Tensor indices)
    {
        var native = Native(indices, "ToIndexArray");
        try
        {
            using var scope = torch.NewDisposeScope();
            var host = native.cpu().contiguous();
            return MemoryMarshal.Cast<byte, long>(host.bytes).ToArray();
        }
        catch (ExternalException e)
        {
            throw Failure("ToIndexArray", e, indices.Shape);
        }
    }

    /// <summary>amin and amax on the device; two numbers cross to the host.</summary>
    public override (long Min, long Max) IndexBounds(Tensor indices)
    {
        var native = Native(indices, "IndexBounds");
        try
        {
            using var scope = torch.NewDisposeScope();
            return (native.min().item<long>(), native.max().item<long>());
        }
        catch (ExternalException e)
        {
            throw Failure("IndexBounds", e, indices.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Compare(CompareOp op, Tensor a, Tensor b, Shape resultShape) =>
        Run("compare", [a.Shape, b.Shape], () =>
        {
            var x = Native(a, "compare");
            var y = Native(b, "compare");
            using var holds = op switch
            {
                CompareOp.Equal => x.eq(y),
                CompareOp.NotEqual => x.ne(y),
                CompareOp.Less => x.lt(y),
                CompareOp.LessEqual => x.le(y),
                CompareOp.Greater => x.gt(y),
                CompareOp.GreaterEqual => x.ge(y),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown comparison"),
            };
            return Make(holds.to_type(scalarType), resultShape);
        });

    /// <inheritdoc />
    public override Tensor Where(Tensor mask, Tensor a, Tensor b, Shape resultShape) =>
        Run("where", [mask.Shape, a.Shape, b.Shape], () =>
        {
            using Scalar zero = 0.0;
            using var condition = Native(mask, "where").ne(zero);
            return Make(torch.where(condition, Native(a, "where"), Native(b, "where")), resultShape);
        });

    /// <inheritdoc />
    public override Tensor Clamp(Tensor a, double low, double high) =>
        Run("clamp", [a.Shape], () =>
        {
            using Scalar lo = low;
            using Scalar hi = high;
            return Make(Native(a, "clamp").clamp(lo, hi), a.Shape);
        });

    /// <summary>libtorch's <c>detach</c>: the same storage, cut from the graph (tensors are never written, so sharing is safe).</summary>
    public override Tensor StopGradient(Tensor a) =>
        Run("stop_gradient", [a.Shape], () => Make(Native(a, "stop_gradient").detach(), a.Shape));

    /// <inheritdoc />
    public override bool IsRecorded(Tensor a) => Native(a, "IsRecorded").requires_grad;

    /// <inheritdoc />
    public override Tensor Permute(Tensor a, int[] axes) =>
        Run("permute", [a.Shape], () =>
            Make(Native(a, "permute").permute(axes.Select(d => (long)d).ToArray()), new Shape(axes.Select(d => a.Shape.Dims[d]).ToArray())));

    /// <inheritdoc />
    public override Tensor Slice(Tensor a, int axis, int start, int length) =>
        Run("slice", [a.Shape], () =>
        {
            var dims = a.Shape.ToArray();
            dims[axis] = length;
            return Make(Native(a, "slice").narrow(axis, start, length), new Shape(dims));
        });

    /// <inheritdoc />
    /// <remarks>libtorch's <c>split_with_sizes</c>: views of one node, whose backward joins the parts' gradients.</remarks>
    public override IReadOnlyList<Tensor> Split(Tensor a, int axis, int[] sizes)
    {
        var x = Native(a, "split");
        try
        {
            var parts = x.split(sizes.Select(s => (long)s).ToArray(), axis);
            var result = new Tensor[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                var dims = a.Shape.ToArray();
                dims[axis] = sizes[i];
                result[i] = Make(parts[i], new Shape(dims));
            }

            return result;
        }
        catch (ExternalException e)
        {
            throw Failure("split", e, a.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Concat(IReadOnlyList<Tensor> parts, int axis) =>
        Run("concat", [.. parts.Select(p => p.Shape)], () =>
        {
            var dims = parts[0].Shape.ToArray();
            dims[axis] = parts.Sum(p => p.Shape.Dims[axis]);
            return Make(torch.cat(parts.Select(p => Native(p, "concat")).ToList(), axis), new Shape(dims));
        });

    /// <summary>libtorch's constant <c>pad</c>, whose pad list runs from the last axis to the first.</summary>
    public override Tensor Pad(Tensor a, int[] before, int[] after, double value) =>
        Run("pad", [a.Shape], () =>
        {
            var pads = new long[2 * before.Length];
            for (var d = 0; d < before.Length; d++)
            {
                var from = before.Length - 1 - d;
                pads[2 * d] = before[from];
                pads[2 * d + 1] = after[from];
            }

            var shape = new Shape(a.Shape.Dims.Select((n, i) => n + before[i] + after[i]).ToArray());
            return Make(torch.nn.functional.pad(Native(a, "pad"), pads, PaddingModes.Constant, value), shape);
        });

    /// <inheritdoc />
    public override Tensor BroadcastTo(Tensor a, Shape shape) =>
        Run("broadcast_to", [a.Shape, shape], () => Make(Native(a, "broadcast_to").expand(Dims(shape)), shape));

    /// <summary>libtorch's <c>amax</c>/<c>amin</c>, whose gradient is shared evenly among ties.</summary>
    public override Tensor Extreme(Tensor a, int[] axes, bool keepDims, bool max) =>
        Run(max ? "max" : "min", [a.Shape], () =>
        {
            var x = Native(a, max ? "max" : "min");
            var dims = axes.Select(d => (long)d).ToArray();
            var shape = ReducedShape(a.Shape, axes, keepDims);
            if (dims.Length == 0)
            {
                return Make(x.clone(), a.Shape);
            }

            return Make(max ? x.amax(dims, keepDims) : x.amin(dims, keepDims), shape);
        });

    /// <inheritdoc />
    public override Tensor LogSumExp(Tensor a, int[] axes, bool keepDims) =>
        Run("logsumexp", [a.Shape], () =>
        {
            var x = Native(a, "logsumexp");
            var shape = ReducedShape(a.Shape, axes, keepDims);
            if (axes.Length == 0)
            {
                return Make(x.clone(), a.Shape);
            }

            if (axes.Length == 1)
            {
                return Make(x.logsumexp(axes[0], keepDims), shape);
            }

            // TorchSharp's logsumexp takes one axis: move the reduced axes last, flatten them into one, reduce that.
            var kept = Enumerable.Range(0, a.Shape.Rank).Where(d => Array.IndexOf(axes, d) < 0).ToArray();
            using var moved = x.permute([.. kept.Select(d => (long)d), .. axes.Select(d => (long)d)]);
            using var flat = moved.reshape([.. kept.Select(d => (long)a.Shape.Dims[d]), -1]);
            using var reduced = flat.logsumexp(-1, false);
            return Make(reduced.reshape(Dims(shape)), shape);
        });

    /// <inheritdoc />
    public override Tensor ArgMax(Tensor a, int axis, bool keepDims) =>
        Run("argmax", [a.Shape], () => Make(Native(a, "argmax").argmax(axis, keepDims), ReducedShape(a.Shape, [axis], keepDims), DType.Int64));

    /// <summary>libtorch's <c>index_select</c> on the flattened indices, reshaped to put the indices' shape in place of the axis.</summary>
    public override Tensor IndexSelect(Tensor a, int axis, Tensor indices) =>
        Run("index_select", [a.Shape, indices.Shape], () =>
        {
            var shape = new Shape([.. a.Shape.Dims[..axis], .. indices.Shape.Dims, .. a.Shape.Dims[(axis + 1)..]]);
            using var flat = Native(indices, "index_select").reshape(-1);
            using var picked = Native(a, "index_select").index_select(axis, flat);
            return Make(picked.reshape(Dims(shape)), shape);
        });

    /// <inheritdoc />
    public override Tensor TakeAlong(Tensor a, int axis, Tensor indices) =>
        Run("take_along", [a.Shape, indices.Shape], () => Make(Native(a, "take_along").gather(axis, Native(indices, "take_along")), indices.Shape));

    /// <inheritdoc />
    public override Tensor ScatterAdd(Tensor a, int axis, Tensor indices, Tensor source) =>
        Run("scatter_add", [a.Shape, indices.Shape, source.Shape], () =>
            Make(Native(a, "scatter_add").scatter_add(axis, Native(indices, "scatter_add"), Native(source, "scatter_add")), a.Shape));

    /// <inheritdoc />
    public override Tensor OneHot(Tensor indices, int classes) =>
        Run("one_hot", [indices.Shape], () =>
        {
            using var hot = torch.nn.functional.one_hot(Native(indices, "one_hot"), classes);
            return Make(hot.to_type(scalarType), new Shape([.. indices.Shape.Dims, classes]));
        });

    /// <summary>Runs one libtorch call, turning a libtorch failure into an error naming the op, the shapes and this backend.</summary>
    private Tensor Run(string op, Shape[] shapes, Func<Tensor> call)
    {
        try
        {
            return call();
        }
        catch (ExternalException e)
        {
            throw Failure(op, e, shapes);
        }
    }
}
