namespace Functional.Nets;

/// <summary>The fused recurrent cells, checked before dispatch.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// One step of PyTorch's LSTM cell, as one primitive (<see cref="Primitive.LstmCell"/>):
    /// <code>
    /// [i | f | g | o] = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh)
    /// c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
    /// h′ = σ(o) ⊙ tanh(c′)
    /// </code>
    /// Differentiable in every operand. <see cref="Functional.Nets.LstmCell"/> steps with it.
    /// </summary>
    /// <param name="x">x_t [N, F].</param>
    /// <param name="h">h [N, H].</param>
    /// <param name="c">c [N, H].</param>
    /// <param name="weightIh">W_ih [4H, F].</param>
    /// <param name="weightHh">W_hh [4H, H].</param>
    /// <param name="biasIh">b_ih [4H], or null (then <paramref name="biasHh"/> must be null too).</param>
    /// <param name="biasHh">b_hh [4H], or null.</param>
    /// <returns>h′ and c′, each [N, H].</returns>
    /// <exception cref="ShapeMismatchException">An operand's shape does not fit the others.</exception>
    /// <exception cref="BackendMismatchException">The operands live on different backends.</exception>
    public static (Tensor H, Tensor C) LstmCell(Tensor x, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        ArgumentNullException.ThrowIfNull(c);
        CheckCell("lstm_cell", 4, x, h, weightIh, weightHh, biasIh, biasHh);
        RequireSameBackend("lstm_cell", x, c);
        if (c.Shape != h.Shape)
        {
            throw new ShapeMismatchException($"lstm_cell: c must have h's shape {h.Shape}, got {c.Shape}");
        }

        return x.Backend.LstmCell(x, h, c, weightIh, weightHh, biasIh, biasHh);
    }

    /// <summary>
    /// One step of PyTorch's LSTM cell whose input part is already computed: from
    /// <paramref name="projected"/> = x W_ihᵀ + b_ih [N, 4H] (for a whole sequence at once, see <see cref="Cell.ProjectInputs"/>),
    /// <code>
    /// [i | f | g | o] = projected + (h W_hhᵀ + b_hh)
    /// c′ = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
    /// h′ = σ(o) ⊙ tanh(c′)
    /// </code>
    /// the same sums in the same order as <see cref="LstmCell"/>, so the two agree to rounding. Differentiable in every
    /// operand; composed of the core's operations on the Reference backend (each with its own VJP), of libtorch's on Torch.
    /// </summary>
    /// <param name="projected">x W_ihᵀ + b_ih [N, 4H].</param>
    /// <param name="h">h [N, H].</param>
    /// <param name="c">c [N, H].</param>
    /// <param name="weightHh">W_hh [4H, H].</param>
    /// <param name="biasHh">b_hh [4H], or null.</param>
    /// <returns>h′ and c′, each [N, H].</returns>
    /// <exception cref="ShapeMismatchException">An operand's shape does not fit the others.</exception>
    /// <exception cref="BackendMismatchException">The operands live on different backends.</exception>
    public static (Tensor H, Tensor C) LstmCellProjected(Tensor projected, Tensor h, Tensor c, Tensor weightHh, Tensor? biasHh)
    {
        ArgumentNullException.ThrowIfNull(projected);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(weightHh);
        RequireSameBackend("lstm_cell_projected", projected, h);
        RequireSameBackend("lstm_cell_projected", projected, c);
        RequireSameBackend("lstm_cell_projected", projected, weightHh);
        if (biasHh is not null)
        {
            RequireSameBackend("lstm_cell_projected", projected, biasHh);
        }

        if (h.Shape.Rank != 2 || c.Shape != h.Shape)
        {
            throw new ShapeMismatchException($"lstm_cell_projected: expected h and c [N, H] of one shape, got {h.Shape} and {c.Shape}");
        }

        int batch = h.Shape[0], hidden = h.Shape[1], rows = checked(4 * hidden);
        if (projected.Shape != new Shape(batch, rows) || weightHh.Shape != new Shape(rows, hidden) || (biasHh is not null && biasHh.Shape != new Shape(rows)))
        {
            throw new ShapeMismatchException(
                $"lstm_cell_projected: expected projected [{batch}, {rows}], weight_hh [{rows}, {hidden}] and bias_hh [{rows}] for h {h.Shape}, got {projected.Shape}, {weightHh.Shape}{(biasHh is null ? "" : $" and {biasHh.Shape}")}");
        }

        return h.Backend.LstmCellProjected(projected, h, c, weightHh, biasHh);
    }

    /// <summary>
    /// One step of PyTorch's GRU cell (reset after W_hn), as one primitive (<see cref="Primitive.GruCell"/>):
    /// <code>
    /// r  = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)
    /// z  = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
    /// n  = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))
    /// h′ = n + z ⊙ (h − n)
    /// </code>
    /// Differentiable in every operand. <see cref="Functional.Nets.GruCell"/> in PyTorch's form steps with it.
    /// </summary>
    /// <param name="x">x_t [N, F].</param>
    /// <param name="h">h [N, H].</param>
    /// <param name="weightIh">W_ih [3H, F] (rows r, z, n).</param>
    /// <param name="weightHh">W_hh [3H, H].</param>
    /// <param name="biasIh">b_ih [3H], or null (then <paramref name="biasHh"/> must be null too).</param>
    /// <param name="biasHh">b_hh [3H], or null.</param>
    /// <returns>h′ [N, H].</returns>
    /// <exception cref="ShapeMismatchException">An operand's shape does not fit the others.</exception>
    /// <exception cref="BackendMismatchException">The operands live on different backends.</exception>
    public static Tensor GruCell(Tensor x, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        CheckCell("gru_cell", 3, x, h, weightIh, weightHh, biasIh, biasHh);
        return x.Backend.GruCell(x, h, weightIh, weightHh, biasIh, biasHh);
    }

    private static void CheckCell(string op, int gates, Tensor x, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        RequireSameBackend(op, x, h);
        RequireSameBackend(op, x, weightIh);
        RequireSameBackend(op, x, weightHh);
        if (x.Shape.Rank != 2 || h.Shape.Rank != 2 || h.Shape[0] != x.Shape[0])
        {
            throw new ShapeMismatchException($"{op}: expected x [N, F] and h [N, H] with the same N, got {x.Shape} and {h.Shape}");
        }

        int features = x.Shape[1], hidden = h.Shape[1], rows = checked(gates * hidden);
        if (weightIh.Shape != new Shape(rows, features) || weightHh.Shape != new Shape(rows, hidden))
        {
            throw new ShapeMismatchException(
                $"{op}: expected weight_ih [{rows}, {features}] and weight_hh [{rows}, {hidden}] for x {x.Shape} and h {h.Shape}, got {weightIh.Shape} and {weightHh.Shape}");
        }

        if ((biasIh is null) != (biasHh is null))
        {
            throw new ArgumentException($"{op}: give both biases or neither, got bias_ih {(biasIh is null ? "null" : biasIh.Shape)} and bias_hh {(biasHh is null ? "null" : biasHh.Shape)}");
        }

        if (biasIh is not null && biasHh is not null)
        {
            RequireSameBackend(op, x, biasIh);
            RequireSameBackend(op, x, biasHh);
            if (biasIh.Shape != new Shape(rows) || biasHh.Shape != new Shape(rows))
            {
                throw new ShapeMismatchException($"{op}: expected bias_ih and bias_hh [{rows}], got {biasIh.Shape} and {biasHh.Shape}");
            }
        }
    }
}
