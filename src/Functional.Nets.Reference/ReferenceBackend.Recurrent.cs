namespace Functional.Nets.Reference;

/// <summary>The fused LSTM and GRU cells (forward and VJP in <see cref="RecurrentCells"/>).</summary>
public sealed partial class ReferenceBackend
{
    /// <summary>
    /// One LSTM step as one tape node with the hand-derived VJP of <see cref="RecurrentCells"/>: the node's value is
    /// [h′ | c′] [N, 2H], and h′ and c′ are its two halves (Slice nodes, which route each half's gradient back).
    /// </summary>
    public override (Tensor H, Tensor C) LstmCell(Tensor x, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        int n = x.Shape[0], f = x.Shape[1], hidden = h.Shape[1];
        var xs = Data(x).Values;
        var hs = Data(h).Values;
        var cs = Data(c).Values;
        var wi = Data(weightIh).Values;
        var wh = Data(weightHh).Values;
        var bias = biasIh is not null && biasHh is not null;
        var (y, saved) = RecurrentCells.LstmForward(xs, hs, cs, wi, wh, biasIh is null ? null : Data(biasIh).Values, biasHh is null ? null : Data(biasHh).Values, n, f, hidden);
        Tensor[] inputs = bias ? [x, h, c, weightIh, weightHh, biasIh!, biasHh!] : [x, h, c, weightIh, weightHh];
        var both = Record(new Shape(n, 2 * hidden), y, inputs, g => RecurrentCells.LstmVjp(g, saved, xs, hs, cs, wi, wh, bias, n, f, hidden), Primitive.LstmCell.Name);
        return (Slice(both, 1, 0, hidden), Slice(both, 1, hidden, hidden));
    }

    /// <summary>One GRU step (PyTorch's form) as one tape node with the hand-derived VJP of <see cref="RecurrentCells"/>.</summary>
    public override Tensor GruCell(Tensor x, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        int n = x.Shape[0], f = x.Shape[1], hidden = h.Shape[1];
        var xs = Data(x).Values;
        var hs = Data(h).Values;
        var wi = Data(weightIh).Values;
        var wh = Data(weightHh).Values;
        var bias = biasIh is not null && biasHh is not null;
        var (y, saved) = RecurrentCells.GruForward(xs, hs, wi, wh, biasIh is null ? null : Data(biasIh).Values, biasHh is null ? null : Data(biasHh).Values, n, f, hidden);
        Tensor[] inputs = bias ? [x, h, weightIh, weightHh, biasIh!, biasHh!] : [x, h, weightIh, weightHh];
        return Record(new Shape(n, hidden), y, inputs, g => RecurrentCells.GruVjp(g, saved, xs, hs, wi, wh, bias, n, f, hidden), Primitive.GruCell.Name);
    }
}
