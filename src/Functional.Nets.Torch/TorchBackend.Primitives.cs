using System.Runtime.InteropServices;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>The primitives: each one libtorch op (or a short composition of them), differentiable by libtorch autograd.</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    /// <remarks>float64 values are stored exactly; float32 values are rounded once, to nearest.</remarks>
    /// <exception cref="ShapeMismatchException">The number of values differs from the shape's size.</exception>
    public override Tensor FromArray(ReadOnlySpan<double> values, Shape shape)
    {
        if (values.Length != shape.Size)
        {
            throw new ShapeMismatchException($"FromArray: {values.Length} values cannot fill shape {shape} ({shape.Size} elements)");
        }

        TorchTensor? host = null;
        try
        {
            // Filled in place on the CPU, then copied to the device once: no pinned managed array outlives the call.
            host = torch.empty(Dims(shape), scalarType, torch.CPU);
            var bytes = host.bytes;
            if (DType == DType.Float64)
            {
                values.CopyTo(MemoryMarshal.Cast<byte, double>(bytes));
            }
            else
            {
                var target = MemoryMarshal.Cast<byte, float>(bytes);
                for (var i = 0; i < values.Length; i++)
                {
                    target[i] = (float)values[i];
                }
            }

            if (cudaIndex >= 0)
            {
                var moved = host.to(device);
                host.Dispose();
                host = moved;
            }

            return Make(host, shape);
        }
        catch (ExternalException e)
        {
            host?.Dispose();
            throw Failure("FromArray", e, shape);
        }
    }

    /// <inheritdoc />
    /// <remarks><c>torch.zeros</c> on the device: no managed array and no host-to-device copy.</remarks>
    public override Tensor Zeros(Shape shape) =>
        Run("zeros", [shape], () => Make(torch.zeros(Dims(shape), scalarType, device), shape));

    /// <inheritdoc />
    public override double[] ToArray(Tensor tensor)
    {
        var result = new double[tensor.Size];
        CopyOut(tensor, result, "ToArray");
        return result;
    }

    /// <inheritdoc />
    public override void CopyTo(Tensor tensor, Span<double> destination) => CopyOut(tensor, destination, "CopyTo");

    private void CopyOut(Tensor tensor, Span<double> result, string op)
    {
        var native = Native(tensor, op);
        try
        {
            // The copies made here (detached, on the CPU, contiguous) are released with this scope.
            using var scope = torch.NewDisposeScope();
            var host = native.detach();
            if (host.device_type != DeviceType.CPU)
            {
                host = host.cpu();
            }

            if (!host.is_contiguous())
            {
                host = host.contiguous();
            }

            var bytes = host.bytes;
            if (tensor.DType == DType.Int64)
            {
                var source = MemoryMarshal.Cast<byte, long>(bytes);
                for (var i = 0; i < source.Length; i++)
                {
                    result[i] = source[i];
                }
            }
            else if (DType == DType.Float64)
            {
                MemoryMarshal.Cast<byte, double>(bytes).CopyTo(result);
            }
            else
            {
                var source = MemoryMarshal.Cast<byte, float>(bytes);
                for (var i = 0; i < source.Length; i++)
                {
                    result[i] = source[i];
                }
            }
        }
        catch (ExternalException e)
        {
            throw Failure(op, e, tensor.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Unary(UnaryOp op, Tensor a, double alpha)
    {
        var x = Native(a, op.ToString());
        try
        {
            var y = op switch
            {
                UnaryOp.Neg => x.neg(),
                UnaryOp.Exp => x.exp(),
                UnaryOp.Log => x.log(),
                UnaryOp.Sigmoid => x.sigmoid(),
                UnaryOp.Tanh => x.tanh(),
                UnaryOp.Relu => x.relu(),
                UnaryOp.LeakyRelu => LeakyRelu(x, alpha),
                UnaryOp.Elu => Elu(x, alpha),
                UnaryOp.Abs => x.abs(),
                // x·x rather than square(): TorchSharp's square() goes through pow with a temporary Scalar
                // that the GC may finalize mid-call (the same hazard as add's α; see Binary). Same values, same gradient 2x·ȳ.
                UnaryOp.Square => x.mul(x),
                UnaryOp.Sqrt => x.sqrt(),
                UnaryOp.Softplus => TorchSoftplus.Apply(x),
                UnaryOp.Sign => x.sign(),
                UnaryOp.Log1P => x.log1p(),
                UnaryOp.Expm1 => x.expm1(),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op"),
            };
            return Make(y, a.Shape);
        }
        catch (ExternalException e)
        {
            throw Failure(op.ToString().ToLowerInvariant(), e, a.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Binary(BinaryOp op, Tensor a, Tensor b, Shape resultShape)
    {
        var x = Native(a, op.ToString());
        var y = Native(b, op.ToString());
        try
        {
            // α = 1 passed explicitly and kept alive by `using`: TorchSharp's add(Tensor) passes a
            // temporary Scalar that nothing keeps reachable during the native call, so its finalizer can free
            // it mid-call under GC pressure (libtorch then fails in Scalar::toDouble).
            using Scalar one = 1.0;

            // libtorch broadcasts by the same NumPy rules the core used to compute resultShape.
            var z = op switch
            {
                BinaryOp.Add => x.add(y, one),
                BinaryOp.Sub => x.sub(y),
                BinaryOp.Mul => x.mul(y),
                BinaryOp.Div => x.div(y),
                BinaryOp.Maximum => x.maximum(y),
                BinaryOp.Minimum => x.minimum(y),
                BinaryOp.Pow => x.pow(y),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op"),
            };
            return Make(z, resultShape);
        }
        catch (ExternalException e)
        {
            throw Failure(op.ToString().ToLowerInvariant(), e, a.Shape, b.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Affine(Tensor a, double scale, double shift)
    {
        var x = Native(a, "affine");
        try
        {
            using Scalar s = scale;
            using Scalar c = shift;
            using Scalar one = 1.0; // explicit α, kept alive (see Binary)

            // s·x + c; the shortcuts skip an op whose result would be x exactly (1·x, x + 0).
            TorchTensor y;
            if (scale == 1)
            {
                y = x.add(c, one);
            }
            else if (shift == 0)
            {
                y = x.mul(s);
            }
            else
            {
                // In place on the fresh product: mul by a scalar saves nothing autograd needs later.
                y = x.mul(s);
                y.add_(c, one);
            }

            return Make(y, a.Shape);
        }
        catch (ExternalException e)
        {
            throw Failure("affine", e, a.Shape);
        }
    }

    /// <inheritdoc />
    /// <remarks>libtorch's <c>mm</c> for two matrices, <c>matmul</c> (batched, broadcasting) otherwise.</remarks>
    public override Tensor MatMul(Tensor a, Tensor b, Shape resultShape)
    {
        var x = Native(a, "matmul");
        var y = Native(b, "matmul");
        try
        {
            return Make(a.Shape.Rank == 2 && b.Shape.Rank == 2 ? x.mm(y) : x.matmul(y), resultShape);
        }
        catch (ExternalException e)
        {
            throw Failure("matmul", e, a.Shape, b.Shape);
        }
    }

    /// <inheritdoc />
    /// <remarks>libtorch's <c>linear</c>: one addmm forward (two products and a row sum backward), as <c>nn.Linear</c> runs.</remarks>
    public override Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        var x = Native(input, "linear");
        var w = Native(weight, "linear");
        var b = bias is null ? null : Native(bias, "linear");
        try
        {
            return Make(torch.nn.functional.linear(x, w, b), new Shape(input.Shape[0], weight.Shape[0]));
        }
        catch (ExternalException e)
        {
            throw Failure("linear", e, bias is null ? [input.Shape, weight.Shape] : [input.Shape, weight.Shape, bias.Shape]);
        }
    }

    /// <inheritdoc />
    public override Tensor Transpose(Tensor a)
    {
        var x = Native(a, "transpose");
        try
        {
            return Make(x.t(), new Shape(a.Shape[1], a.Shape[0]));
        }
        catch (ExternalException e)
        {
            throw Failure("transpose", e, a.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Gather(Tensor a, int[] indices)
    {
        var x = Native(a, "gather");
        try
        {
            var dims = a.Shape.ToArray();
            dims[0] = indices.Length;
            using var index = torch.tensor(indices.Select(i => (long)i).ToArray(), torch.int64, device);
            return Make(x.index_select(0, index), new Shape(dims), a.DType);
        }
        catch (ExternalException e)
        {
            throw Failure("gather", e, a.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Reshape(Tensor a, Shape shape)
    {
        var x = Native(a, "reshape");
        try
        {
            return Make(x.reshape(Dims(shape)), shape, a.DType);
        }
        catch (ExternalException e)
        {
            throw Failure("reshape", e, a.Shape, shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Sum(Tensor a, int[] axes, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var x = Native(a, "sum");
        try
        {
            // torch.sum(dim: []) sums over every axis; summing over no axes is the identity.
            if (axes.Length == 0)
            {
                return Make(x.clone(), a.Shape);
            }

            var dims = new long[axes.Length];
            for (var i = 0; i < axes.Length; i++)
            {
                dims[i] = axes[i];
            }

            return Make(x.sum(dims, keepDims), ReducedShape(a.Shape, axes, keepDims));
        }
        catch (ExternalException e)
        {
            throw Failure("sum", e, a.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor Softmax(Tensor a, int axis)
    {
        var x = Native(a, "softmax");
        try
        {
            return Make(x.softmax(axis), a.Shape);
        }
        catch (ExternalException e)
        {
            throw Failure("softmax", e, a.Shape);
        }
    }

    /// <inheritdoc />
    public override Tensor LogSoftmax(Tensor a, int axis)
    {
        var x = Native(a, "log_softmax");
        try
        {
            return Make(x.log_softmax(axis), a.Shape);
        }
        catch (ExternalException e)
        {
            throw Failure("log_softmax", e, a.Shape);
        }
    }

    // y = x for x > 0, αx otherwise.
    private static TorchTensor LeakyRelu(TorchTensor x, double alpha)
    {
        using Scalar slope = alpha;
        return x.leaky_relu(slope);
    }

    // y = x for x > 0, α(eˣ − 1) otherwise (scale and input scale 1, as PyTorch's nn.ELU).
    private static TorchTensor Elu(TorchTensor x, double alpha)
    {
        using Scalar a = alpha;
        using Scalar one = 1.0;
        return x.elu(a, one, one);
    }

    internal static long[] Dims(Shape shape)
    {
        var dims = new long[shape.Rank];
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = shape.Dims[i];
        }

        return dims;
    }

    internal static Shape ReducedShape(Shape shape, int[] axes, bool keepDims)
    {
        var dims = new List<int>(shape.Rank);
        for (var i = 0; i < shape.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0)
            {
                dims.Add(shape[i]);
            }
            else if (keepDims)
            {
                dims.Add(1);
            }
        }

        return new Shape([.. dims]);
    }
}
