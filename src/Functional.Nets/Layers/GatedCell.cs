namespace Functional.Nets;

/// <summary>
/// What the gated cells (<see cref="LstmCell"/>, <see cref="PeepholeLstmCell"/>, <see cref="GruCell"/>) share:
/// PyTorch's stacked-gate parameters (<c>weight_ih</c> [G·H, F], <c>weight_hh</c> [G·H, H], <c>bias_ih</c> and
/// <c>bias_hh</c> [G·H] for G gates, all U(−1/√H, 1/√H)), zero carries, and the shape checks whose messages
/// name the cell, what it expected and what it got.
/// </summary>
internal static class GatedCell
{
    /// <summary>The stacked weights of one step, checked.</summary>
    internal sealed record Stacked(Tensor Ih, Tensor Hh, Tensor? BiasIh, Tensor? BiasHh);

    /// <summary>PyTorch's draws for <paramref name="gates"/> stacked gates: every tensor U(−1/√H, 1/√H), from its own key.</summary>
    public static TensorTree Init(Key key, Backend backend, int gates, int inputs, int hidden, bool bias, params string[] extra)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var keys = key.Split(4 + extra.Length);
        var bound = 1 / Math.Sqrt(hidden);
        Tensor Draw(int i, Shape shape) => backend.FromArray(keys[i].Uniform(checked((int)shape.Size), -bound, bound), shape);
        var weights = new List<(string, Tensor)>
        {
            ("weight_ih", Draw(0, new Shape(gates * hidden, inputs))),
            ("weight_hh", Draw(1, new Shape(gates * hidden, hidden))),
        };
        if (bias)
        {
            weights.Add(("bias_ih", Draw(2, new Shape(gates * hidden))));
            weights.Add(("bias_hh", Draw(3, new Shape(gates * hidden))));
        }

        for (var i = 0; i < extra.Length; i++)
        {
            weights.Add((extra[i], Draw(4 + i, new Shape(hidden))));
        }

        return TensorTree.Of(weights.ToArray());
    }

    /// <summary>A carry of zeros [N, H] under each of <paramref name="names"/>.</summary>
    public static TensorTree Zeros(int batch, int hidden, Backend backend, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return TensorTree.Of(names.Select(n => (n, backend.Zeros(new Shape(batch, hidden)))).ToArray());
    }

    /// <summary>Checks x_t [N, F] and returns the carry leaf <paramref name="name"/>, checked to be [N, H].</summary>
    public static Tensor CarryLeaf(Cell cell, Tensor input, TensorTree carry, string name, int inputs, int hidden)
    {
        if (input.Shape.Rank != 2 || input.Shape[1] != inputs)
        {
            throw new LayerShapeException(cell.Describe(), "", $"x_t [N, {inputs}]", input.Shape);
        }

        var leaf = Leaf(cell, carry, name, "carry");
        return leaf.Shape == new Shape(input.Shape[0], hidden)
            ? leaf
            : throw new LayerShapeException(cell.Describe(), "", $"carry {name} [{input.Shape[0]}, {hidden}] (N from x_t {input.Shape})", leaf.Shape);
    }

    /// <summary>
    /// The operands of a fused sequence (<see cref="IFusedRecurrence"/>): the carry leaves <paramref name="names"/>,
    /// or null when a leaf is missing, is not [N, H] for the inputs [N, T, F], or any operand lives on another backend
    /// than the inputs: the step loop then reports it exactly as it does on a backend without the capability.
    /// </summary>
    public static Tensor[]? SequenceCarry(Tensor inputs, TensorTree carry, Stacked weights, int hidden, params string[] names)
    {
        var leaves = new Tensor[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            if (!carry.TryGet(names[i], out var leaf) || leaf.Shape != new Shape(inputs.Shape[0], hidden))
            {
                return null;
            }

            leaves[i] = leaf;
        }

        Tensor?[] operands = [.. leaves, weights.Ih, weights.Hh, weights.BiasIh, weights.BiasHh];
        return operands.All(t => t is null || ReferenceEquals(t.Backend, inputs.Backend)) ? leaves : null;
    }

    /// <summary>An LSTM's carry: h and c, each [N, H].</summary>
    public static (Tensor H, Tensor C) CheckLstm(Cell cell, Tensor input, TensorTree carry, int inputs, int hidden) =>
        (CarryLeaf(cell, input, carry, "h", inputs, hidden), CarryLeaf(cell, input, carry, "c", inputs, hidden));

    /// <summary>The stacked weights, each checked against its shape.</summary>
    public static Stacked Weights(Cell cell, TensorTree parameters, int gates, int inputs, int hidden, bool bias) => new(
        Parameter(cell, parameters, "weight_ih", new Shape(gates * hidden, inputs)),
        Parameter(cell, parameters, "weight_hh", new Shape(gates * hidden, hidden)),
        bias ? Parameter(cell, parameters, "bias_ih", new Shape(gates * hidden)) : null,
        bias ? Parameter(cell, parameters, "bias_hh", new Shape(gates * hidden)) : null);

    /// <summary>A parameter, present and of the expected shape.</summary>
    public static Tensor Parameter(Cell cell, TensorTree parameters, string name, Shape expected)
    {
        var t = Leaf(cell, parameters, name, "parameter");
        return t.Shape == expected
            ? t
            : throw new ShapeMismatchException($"{cell.Describe()}: parameter '{name}' has shape {t.Shape}, expected {expected}");
    }

    /// <summary>Checks the widths of a new cell, naming it.</summary>
    public static void CheckWidths(string cell, int inputs, int hidden)
    {
        if (inputs <= 0 || hidden <= 0)
        {
            throw new ArgumentOutOfRangeException(
                inputs <= 0 ? nameof(inputs) : nameof(hidden),
                $"{cell}({inputs}→{hidden}): widths must be positive, got inputs={inputs}, hidden={hidden}");
        }
    }

    private static Tensor Leaf(Cell cell, TensorTree tree, string name, string what) =>
        tree.TryGet(name, out var t)
            ? t
            : throw new ArgumentException($"{cell.Describe()}: missing {what} '{name}'; got {tree.Describe()}");
}
