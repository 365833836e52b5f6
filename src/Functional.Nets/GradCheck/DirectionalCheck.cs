namespace Functional.Nets;

/// <summary>
/// <see cref="GradCheck.Check(Func{TensorTree, Tensor}, TensorTree, GradCheckOptions?, string?)"/>'s fast mode on a
/// backend's own parameters, in memory a small multiple of the model's: the same directions, points and quotients as
/// <see cref="FiniteDifferences"/>' directional engine, without its host copies of θ, of every direction u and of the
/// moved point for the whole model at once.
/// </summary>
/// <remarks>
/// Held for the whole check: the parameters (the caller's, P bytes), the analytic gradient on the host (P, in float64;
/// ∇f·(θ± − θ) is summed in float64 along the rounded points, as before), one buffer as long as the largest leaf, and
/// during an evaluation the moved leaves on the backend (at most P). Each leaf of θ± is formed in that buffer: θ copied
/// in (<see cref="Backend.CopyTo"/>), stepped in place by ±ε·uⱼ/‖u‖ with uⱼ generated entry by entry from the key
/// (<see cref="Key.NormalPair"/>, the numbers <see cref="Key.Normal"/> gives), rounded to the dtype, and copied onto the
/// backend. So about 3P plus one leaf plus the model's activations, where the array engine held about 6P.
/// </remarks>
internal static class DirectionalCheck
{
    /// <summary>
    /// The rows: one per leaf and one over every leaf ("(all)", when there are several). <paramref name="evaluate"/>
    /// receives the moved leaves (null where unchanged), made inside a scope it need not open.
    /// </summary>
    public static List<GradCheckRow> Run(
        TensorTree parameters, double[][] gradient, double f0, Func<Tensor?[], double> evaluate, Func<double, double> round, GradCheckOptions options)
    {
        var count = parameters.Count;
        var leavesOf = parameters.Values.ToArray();
        var backend = leavesOf[0].Backend;
        var rows = new List<GradCheckRow>(count + 1);
        var eps = options.Eps;
        var all = Enumerable.Range(0, count).ToArray();
        var buffer = new double[leavesOf.Max(t => checked((int)t.Size))];
        for (var group = 0; group <= count; group++)
        {
            // Groups 0..L−1 are the leaves; group L spans every leaf (skipped when there is only one).
            var overall = group == count;
            if (overall && count == 1)
            {
                break;
            }

            var leaves = overall ? all : [group];
            var size = leaves.Sum(l => (long)gradient[l].Length);
            var errors = new ErrorAccumulator(options);
            // Direction 0 is the analytic gradient's own, ĝ = g/‖g‖, when asked for; 1..Directions are random.
            for (var d = options.AlongGradient ? 0 : 1; d <= options.Directions && size > 0; d++)
            {
                var key = options.Key.Fold((ulong)group).Fold((ulong)d);
                var direction = new Direction(d == 0 ? null : key, leaves, gradient);

                // ‖u‖² summed in the order the concatenated direction has, as the array engine does.
                double squares = 0;
                direction.ForEach((_, _, u) => squares += u * u);
                var norm = Math.Sqrt(squares);
                if (d == 0 && !(norm > 0 && double.IsFinite(norm)))
                {
                    // No gradient direction to follow (all zero, or not finite: the random directions report that).
                    continue;
                }

                // ∇f·(θ⁺ − θ) and ∇f·(θ − θ⁻) along the rounded points actually evaluated.
                double Side(int sign, out double value)
                {
                    double along = 0;
                    using var scope = backend.Scope();
                    var moved = new Tensor?[count];
                    foreach (var l in leaves)
                    {
                        var n = gradient[l].Length;
                        var values = buffer.AsSpan(0, n);
                        backend.CopyTo(leavesOf[l], values);
                        var g = gradient[l];
                        var j = 0;
                        direction.ForLeaf(l, u =>
                        {
                            var t = buffer[j];
                            var step = eps * u / norm;
                            var m = round(sign > 0 ? t + step : t - step);
                            along += g[j] * (m - t);
                            buffer[j] = m;
                            j++;
                        });
                        moved[l] = backend.FromArray(values, leavesOf[l].Shape);
                    }

                    value = evaluate(moved);
                    return along;
                }

                var gPlus = Side(+1, out var fPlus);
                Reclaim(backend, size);
                var gMinus = -Side(-1, out var fMinus);
                Reclaim(backend, size);
                var central = (fPlus - fMinus) / (2 * eps);
                var a = (gPlus + gMinus) / (2 * eps);
                var fails = GradCheck.Fails(a, central, options);
                if (fails && options.DetectKinks)
                {
                    var forward = (fPlus - f0) / eps;
                    var backward = (f0 - fMinus) / eps;
                    if (FiniteDifferences.IsKink(forward - gPlus / eps, backward - gMinus / eps, forward, backward, options))
                    {
                        errors.AddKink(d);
                        continue;
                    }
                }

                errors.Add(d, a, central, fails);
            }

            var name = overall ? "(all)" : parameters[group].Key;
            var shape = overall ? new Shape(checked((int)size)) : leavesOf[group].Shape;
            rows.Add(errors.ToRow(name, shape, GradCheckMethod.DirectionalDerivatives, "directional derivatives"));
        }

        return rows;
    }

    /// <summary>
    /// After an evaluation of a point of <paramref name="entries"/> moved entries (8 bytes each on the host): the moved
    /// leaves, and whatever the evaluation made of them, are garbage now. Left to itself the collector lets several
    /// model-sized arrays pile up in the large-object heap before it runs (the array engine peaked at 11× a 128 MB
    /// model), so a point of 16 MiB or more is collected at once and the backend's freed native memory handed back:
    /// the peak stays the live set plus one point. One collection of a heap of a few large arrays per evaluation of a
    /// model that size costs little next to the evaluation.
    /// </summary>
    private static void Reclaim(Backend backend, long entries)
    {
        if (entries >= LargePointEntries)
        {
            GC.Collect();
            backend.ReleaseFreeMemory();
        }
    }

    /// <summary>2M entries: 16 MiB as float64.</summary>
    private const long LargePointEntries = 1L << 21;

    /// <summary>
    /// A direction over a group of leaves, entry by entry in the order of their concatenation: the analytic gradient
    /// (no key), or <c>key.Normal(size)</c> generated a pair at a time without the array.
    /// </summary>
    private sealed class Direction(Key? key, int[] leaves, double[][] gradient)
    {
        /// <summary>Calls <paramref name="visit"/>(leaf, index in leaf, uᵢ) for every entry of the group, in order.</summary>
        public void ForEach(Action<int, int, double> visit)
        {
            foreach (var l in leaves)
            {
                var j = 0;
                ForLeaf(l, u => visit(l, j++, u));
            }
        }

        /// <summary>Calls <paramref name="visit"/>(uᵢ) for the entries of leaf <paramref name="leaf"/>, in order.</summary>
        public void ForLeaf(int leaf, Action<double> visit)
        {
            var g = gradient[leaf];
            if (key is not { } k)
            {
                foreach (var v in g)
                {
                    visit(v);
                }

                return;
            }

            // The leaf's first entry sits at this offset of the concatenated direction.
            long offset = 0;
            foreach (var l in leaves)
            {
                if (l == leaf)
                {
                    break;
                }

                offset += gradient[l].Length;
            }

            // Entries 2p and 2p+1 of Key.Normal are the cosine and sine of one Box–Muller pair: a pair is drawn at
            // each even entry (or at the leaf's first, when it starts on an odd one) and its sine kept for the next.
            var sine = 0.0;
            for (long i = offset, end = offset + g.Length; i < end; i++)
            {
                if ((i & 1) == 0 || i == offset)
                {
                    (var cosine, sine) = k.NormalPair(i & ~1L);
                    visit((i & 1) == 0 ? cosine : sine);
                }
                else
                {
                    visit(sine);
                }
            }
        }
    }
}
