namespace Functional.Nets.Reference;

/// <summary>
/// The rest of the basis on the Reference backend, each primitive's forward pass beside its hand-written VJP. Layout
/// primitives move entries, so each is an index map y[i] = x[map[i]] (or the reverse) whose VJP is the same map run
/// backwards (a scatter-add); selections send the gradient where the value came from; comparisons are constants.
/// </summary>
public sealed partial class ReferenceBackend
{
    /// <inheritdoc />
    public override Tensor FromIndices(ReadOnlySpan<long> values, Shape shape)
    {
        if (values.Length != shape.Size)
        {
            throw new ShapeMismatchException($"FromIndices: {values.Length} values do not fill shape {shape} ({shape.Size} elements)");
        }

        return new Tensor(this, shape, new ReferenceIndexData(values.ToArray()), DType.Int64);
    }

    /// <inheritdoc />
    public override long[] ToIndexArray(Tensor indices) => (long[])Indices(indices).Clone();

    /// <summary>m = [a op b] with broadcasting; recorded on no tape (a constant).</summary>
    public override Tensor Compare(CompareOp op, Tensor a, Tensor b, Shape resultShape)
    {
        var x = Data(a).Values;
        var z = Data(b).Values;
        var mapA = Broadcast.IndexMap(a.Shape, resultShape);
        var mapB = Broadcast.IndexMap(b.Shape, resultShape);
        var y = new double[checked((int)resultShape.Size)];
        for (var i = 0; i < y.Length; i++)
        {
            double u = x[mapA?[i] ?? i], v = z[mapB?[i] ?? i];
            var holds = op switch
            {
                CompareOp.Equal => u == v,
                CompareOp.NotEqual => u != v,
                CompareOp.Less => u < v,
                CompareOp.LessEqual => u <= v,
                CompareOp.Greater => u > v,
                CompareOp.GreaterEqual => u >= v,
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown comparison"),
            };
            y[i] = holds ? 1 : 0;
        }

        return new Tensor(this, resultShape, new ReferenceData(y));
    }

    /// <summary>y = m ? a : b; VJP ā = Σ_broadcast ȳ ⊙ [m ≠ 0], b̄ = Σ_broadcast ȳ ⊙ [m = 0]. The mask gets no gradient.</summary>
    public override Tensor Where(Tensor mask, Tensor a, Tensor b, Shape resultShape)
    {
        var m = Data(mask).Values;
        var x = Data(a).Values;
        var z = Data(b).Values;
        var mapM = Broadcast.IndexMap(mask.Shape, resultShape);
        var mapA = Broadcast.IndexMap(a.Shape, resultShape);
        var mapB = Broadcast.IndexMap(b.Shape, resultShape);
        var y = new double[checked((int)resultShape.Size)];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = m[mapM?[i] ?? i] != 0 ? x[mapA?[i] ?? i] : z[mapB?[i] ?? i];
        }

        return Record(resultShape, y, [mask, a, b], g =>
        {
            var ga = new double[g.Length];
            var gb = new double[g.Length];
            for (var i = 0; i < g.Length; i++)
            {
                if (m[mapM?[i] ?? i] != 0)
                {
                    ga[i] = g[i];
                }
                else
                {
                    gb[i] = g[i];
                }
            }

            return [null, Broadcast.SumBack(ga, mapA, x.Length), Broadcast.SumBack(gb, mapB, z.Length)];
        }, Primitive.Where.Name);
    }

    /// <summary>y = min(max(x, lo), hi); VJP x̄ = ȳ ⊙ [lo ≤ x ≤ hi] (inclusive at the bounds, as torch.clamp).</summary>
    public override Tensor Clamp(Tensor a, double low, double high)
    {
        var x = Data(a).Values;
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = double.IsNaN(x[i]) ? double.NaN : Math.Min(Math.Max(x[i], low), high);
        }

        return Record(a.Shape, y, [a], g =>
        {
            var gx = new double[g.Length];
            for (var i = 0; i < g.Length; i++)
            {
                gx[i] = x[i] >= low && x[i] <= high ? g[i] : 0;
            }

            return [gx];
        }, Primitive.Clamp.Name);
    }

    /// <summary>The same values with no tape node: the gradient stops here.</summary>
    public override Tensor StopGradient(Tensor a) => Detach(a);

    /// <inheritdoc />
    public override bool IsRecorded(Tensor a) => Data(a).Node is not null;

    /// <summary>y[i] = x[map[i]] where map walks x with its strides permuted; VJP x̄[map[i]] = ȳ[i].</summary>
    public override Tensor Permute(Tensor a, int[] axes)
    {
        var x = Data(a).Values;
        var inStrides = Strides.Of(a.Shape);
        var shape = new Shape(axes.Select(d => a.Shape.Dims[d]).ToArray());
        var map = StridedIndex.Map(shape, axes.Select(d => inStrides[d]).ToArray());
        return Record(shape, Pick(x, map, 0), [a], g => [Place(g, map, 0, x.Length)], Primitive.Permute.Name);
    }

    /// <summary>y[i] = x[offset + map[i]] for the range's entries; VJP: ȳ placed back, zeros elsewhere.</summary>
    public override Tensor Slice(Tensor a, int axis, int start, int length)
    {
        var x = Data(a).Values;
        var inStrides = Strides.Of(a.Shape);
        var dims = a.Shape.ToArray();
        dims[axis] = length;
        var shape = new Shape(dims);
        var map = StridedIndex.Map(shape, inStrides);
        var offset = start * inStrides[axis];
        return Record(shape, Pick(x, map, offset), [a], g => [Place(g, map, offset, x.Length)], Primitive.Slice.Name);
    }

    /// <summary>Part k lands at y[offset_k + map_k[i]]; VJP x̄ₖ[i] = ȳ[offset_k + map_k[i]].</summary>
    public override Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        var dims = parts[0].Shape.ToArray();
        dims[axis] = parts.Sum(p => p.Shape.Dims[axis]);
        var shape = new Shape(dims);
        var outStrides = Strides.Of(shape);
        var y = new double[checked((int)shape.Size)];
        var maps = new int[parts.Count][];
        var offsets = new int[parts.Count];
        var values = new double[parts.Count][];
        var at = 0;
        for (var k = 0; k < parts.Count; k++)
        {
            values[k] = Data(parts[k]).Values;
            maps[k] = StridedIndex.Map(parts[k].Shape, outStrides);
            offsets[k] = at * outStrides[axis];
            at += parts[k].Shape.Dims[axis];
            for (var i = 0; i < values[k].Length; i++)
            {
                y[offsets[k] + maps[k][i]] = values[k][i];
            }
        }

        return Record(shape, y, [.. parts], g =>
        {
            var grads = new double[]?[parts.Count];
            for (var k = 0; k < parts.Count; k++)
            {
                grads[k] = Pick(g, maps[k], offsets[k]);
            }

            return grads;
        }, Primitive.Concat.Name);
    }

    /// <summary>y = value everywhere, then x placed at the interior y[offset + map[i]]; VJP x̄[i] = ȳ[offset + map[i]].</summary>
    public override Tensor Pad(Tensor a, int[] before, int[] after, double value)
    {
        var x = Data(a).Values;
        var shape = new Shape(a.Shape.Dims.Select((d, i) => checked(d + before[i] + after[i])).ToArray());
        var outStrides = Strides.Of(shape);
        var map = StridedIndex.Map(a.Shape, outStrides);
        var offset = before.Select((b, d) => b * outStrides[d]).Sum();
        var y = new double[checked((int)shape.Size)];
        Array.Fill(y, value);
        for (var i = 0; i < x.Length; i++)
        {
            y[offset + map[i]] = x[i];
        }

        return Record(shape, y, [a], g => [Pick(g, map, offset)], Primitive.Pad.Name);
    }

    /// <summary>y[i] = x[map[i]] with broadcast strides (0 on repeated axes); VJP x̄ = ȳ summed over the repeats.</summary>
    public override Tensor BroadcastTo(Tensor a, Shape shape)
    {
        var x = Data(a).Values;
        var map = Broadcast.IndexMap(a.Shape, shape)!;
        return Record(shape, Pick(x, map, 0), [a], g => [Broadcast.SumBack(g, map, x.Length)], Primitive.BroadcastTo.Name);
    }

    /// <summary>
    /// y = max (or min) of the entries reduced into each output; VJP x̄ᵢ = ȳ ⊙ [xᵢ = y] / (number of entries equal to y),
    /// the gradient shared evenly among ties, as torch.amax. A tie is a kink: the one-sided derivatives differ.
    /// </summary>
    public override Tensor Extreme(Tensor a, int[] axes, bool keepDims, bool max)
    {
        var x = Data(a).Values;
        var shape = Strides.Reduced(a.Shape, axes, keepDims);
        var map = Reduction.SumMap(a.Shape, axes);
        var y = new double[checked((int)shape.Size)];
        Array.Fill(y, max ? double.NegativeInfinity : double.PositiveInfinity);
        for (var i = 0; i < x.Length; i++)
        {
            ref var e = ref y[map[i]];
            if (double.IsNaN(x[i]) || (max ? x[i] > e : x[i] < e))
            {
                e = double.IsNaN(e) ? e : x[i];
            }
        }

        var ties = new int[y.Length];
        for (var i = 0; i < x.Length; i++)
        {
            ties[map[i]] += x[i] == y[map[i]] ? 1 : 0;
        }

        return Record(shape, y, [a], g =>
        {
            var gx = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                var o = map[i];
                gx[i] = x[i] == y[o] ? g[o] / ties[o] : 0;
            }

            return [gx];
        }, max ? Primitive.Max.Name : Primitive.Min.Name);
    }

    /// <summary>y = m + ln Σ e^(x − m) with m the maximum (m itself where m = ±∞); VJP x̄ᵢ = ȳ ⊙ e^(xᵢ − y), the softmax.</summary>
    public override Tensor LogSumExp(Tensor a, int[] axes, bool keepDims)
    {
        var x = Data(a).Values;
        var shape = Strides.Reduced(a.Shape, axes, keepDims);
        var map = Reduction.SumMap(a.Shape, axes);
        var m = new double[checked((int)shape.Size)];
        Array.Fill(m, double.NegativeInfinity);
        for (var i = 0; i < x.Length; i++)
        {
            m[map[i]] = Math.Max(m[map[i]], x[i]);
        }

        var sums = new double[m.Length];
        for (var i = 0; i < x.Length; i++)
        {
            sums[map[i]] += double.IsInfinity(m[map[i]]) ? 0 : Math.Exp(x[i] - m[map[i]]);
        }

        var y = new double[m.Length];
        for (var o = 0; o < y.Length; o++)
        {
            y[o] = double.IsInfinity(m[o]) ? m[o] : m[o] + Math.Log(sums[o]);
        }

        return Record(shape, y, [a], g =>
        {
            var gx = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                gx[i] = g[map[i]] * Math.Exp(x[i] - y[map[i]]);
            }

            return [gx];
        }, Primitive.LogSumExp.Name);
    }

    /// <summary>The position of the first maximum along the axis (NaN counts as the maximum, as torch.argmax); a constant.</summary>
    public override Tensor ArgMax(Tensor a, int axis, bool keepDims)
    {
        var x = Data(a).Values;
        var (outer, n, inner) = Strides.Around(a.Shape, axis);
        var result = new long[outer * inner];
        for (var o = 0; o < outer; o++)
        {
            for (var j = 0; j < inner; j++)
            {
                var best = 0;
                var bestValue = x[o * n * inner + j];
                for (var k = 1; k < n && !double.IsNaN(bestValue); k++)
                {
                    var v = x[(o * n + k) * inner + j];
                    if (v > bestValue || double.IsNaN(v))
                    {
                        best = k;
                        bestValue = v;
                    }
                }

                result[o * inner + j] = best;
            }
        }

        return new Tensor(this, Strides.Reduced(a.Shape, [axis], keepDims), new ReferenceIndexData(result), DType.Int64);
    }

    /// <summary>y[o, k, j] = x[o, index_k, j] (o before the axis, j after it); VJP x̄[o, index_k, j] += ȳ[o, k, j].</summary>
    public override Tensor IndexSelect(Tensor a, int axis, Tensor indices)
    {
        var x = Data(a).Values;
        var idx = Indices(indices);
        var (outer, n, inner) = Strides.Around(a.Shape, axis);
        var shape = new Shape([.. a.Shape.Dims[..axis], .. indices.Shape.Dims, .. a.Shape.Dims[(axis + 1)..]]);
        var y = new double[checked((int)shape.Size)];
        for (var o = 0; o < outer; o++)
        {
            for (var k = 0; k < idx.Length; k++)
            {
                Array.Copy(x, (o * n + (int)idx[k]) * inner, y, (o * idx.Length + k) * inner, inner);
            }
        }

        return Record(shape, y, [a], g =>
        {
            var gx = new double[x.Length];
            for (var o = 0; o < outer; o++)
            {
                for (var k = 0; k < idx.Length; k++)
                {
                    int from = (o * idx.Length + k) * inner, to = (o * n + (int)idx[k]) * inner;
                    for (var j = 0; j < inner; j++)
                    {
                        gx[to + j] += g[from + j];
                    }
                }
            }

            return [gx];
        }, Primitive.IndexSelect.Name);
    }

    /// <summary>y[i] = x[base[i] + index[i]·stride_axis], base[i] the position of i with its axis coordinate zeroed; VJP the scatter-add back.</summary>
    public override Tensor TakeAlong(Tensor a, int axis, Tensor indices)
    {
        var x = Data(a).Values;
        var (targets, _) = AlongTargets(a.Shape, axis, indices);
        return Record(indices.Shape, Pick(x, targets, 0), [a], g => [Place(g, targets, 0, x.Length)], Primitive.TakeAlong.Name);
    }

    /// <summary>y = a; y[target[i]] += s[i]; VJP ā = ȳ, s̄[i] = ȳ[target[i]].</summary>
    public override Tensor ScatterAdd(Tensor a, int axis, Tensor indices, Tensor source)
    {
        var x = (double[])Data(a).Values.Clone();
        var s = Data(source).Values;
        var (targets, _) = AlongTargets(a.Shape, axis, indices);
        for (var i = 0; i < s.Length; i++)
        {
            x[targets[i]] += s[i];
        }

        return Record(a.Shape, x, [a, source], g => [(double[])g.Clone(), Pick(g, targets, 0)], Primitive.ScatterAdd.Name);
    }

    /// <inheritdoc />
    public override Tensor OneHot(Tensor indices, int classes)
    {
        var idx = Indices(indices);
        var y = new double[checked(idx.Length * classes)];
        for (var i = 0; i < idx.Length; i++)
        {
            y[i * classes + idx[i]] = 1;
        }

        return new Tensor(this, new Shape([.. indices.Shape.Dims, classes]), new ReferenceData(y));
    }

    private static long[] Indices(Tensor t) =>
        t.Payload is ReferenceIndexData d
            ? d.Values
            : throw new ArgumentException($"the Reference backend needs an int64 index tensor here but was handed a {t.DType.Name()} tensor of shape {t.Shape}");

    // For each entry i of the indices (same rank as the input), the flat input position it selects: the input position
    // of i's multi-index (indices are no larger than the input on every other axis) with the axis coordinate replaced.
    private static (int[] Targets, int Stride) AlongTargets(Shape input, int axis, Tensor indices)
    {
        var idx = Indices(indices);
        var strides = Strides.Of(input);
        var walk = (int[])strides.Clone();
        walk[axis] = 0;
        var targets = StridedIndex.Map(indices.Shape, walk);
        for (var i = 0; i < targets.Length; i++)
        {
            targets[i] += (int)idx[i] * strides[axis];
        }

        return (targets, strides[axis]);
    }

    /// <summary>y[i] = x[offset + map[i]].</summary>
    private static double[] Pick(double[] x, int[] map, int offset)
    {
        var y = new double[map.Length];
        for (var i = 0; i < map.Length; i++)
        {
            y[i] = x[offset + map[i]];
        }

        return y;
    }

    /// <summary>The adjoint of <see cref="Pick"/>: x̄[offset + map[i]] += ȳ[i] into zeros of length <paramref name="size"/>.</summary>
    private static double[] Place(double[] g, int[] map, int offset, int size)
    {
        var gx = new double[size];
        for (var i = 0; i < map.Length; i++)
        {
            gx[offset + map[i]] += g[i];
        }

        return gx;
    }
}
