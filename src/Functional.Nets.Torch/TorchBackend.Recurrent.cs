using System.Runtime.InteropServices;
using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>The LSTM and GRU cells composed of libtorch ops inside one native scope, differentiated by autograd.</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Composed of elementary libtorch ops (two <c>linear</c>s, <c>chunk</c>, σ, tanh, products), never the Reference
    /// backend's VJP, so autograd derives an independent gradient. Written against the native tensors in one dispose
    /// scope rather than through the core's composition: one .NET wrapper per result instead of one per op, which is
    /// most of a small step's cost. (TorchSharp 0.107 exposes libtorch's fused cells only as modules,
    /// <c>nn.LSTMCell</c>, that own their weights, not as functions of given weights.)
    /// </remarks>
    public override (Tensor H, Tensor C) LstmCell(Tensor x, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        var xn = Native(x, "lstm_cell");
        var hn = Native(h, "lstm_cell");
        var cn = Native(c, "lstm_cell");
        var wi = Native(weightIh, "lstm_cell");
        var wh = Native(weightHh, "lstm_cell");
        var bi = biasIh is null ? null : Native(biasIh, "lstm_cell");
        var bh = biasHh is null ? null : Native(biasHh, "lstm_cell");
        try
        {
            using var scope = torch.NewDisposeScope();

            // An explicit α for every add, kept alive through the native calls: TorchSharp's add(tensor) makes a temporary
            // Scalar that the GC may finalize during the call (seen: "toFloat" failing in THSTensor_add mid-training).
            using Scalar one = 1.0;

            // [i | f | g | o] = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh), PyTorch's order of the sums.
            var gates = torch.nn.functional.linear(xn, wi, bi).add_(torch.nn.functional.linear(hn, wh, bh), one).chunk(4, 1);
            var next = gates[1].sigmoid().mul(cn).add_(gates[0].sigmoid().mul(gates[2].tanh()), one);
            var output = gates[3].sigmoid().mul(next.tanh());
            scope.MoveToOuter(output, next);
            return (Make(output, h.Shape), Make(next, c.Shape));
        }
        catch (ExternalException e)
        {
            throw Failure("lstm_cell", e, x.Shape, h.Shape, weightIh.Shape, weightHh.Shape);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Composed of libtorch ops in one dispose scope, as <see cref="LstmCell"/>, with one σ over all four chunks (the
    /// g chunk's is unused) rather than three: fewer native calls per step, the same values.
    /// </remarks>
    public override (Tensor H, Tensor C) LstmCellProjected(Tensor projected, Tensor h, Tensor c, Tensor weightHh, Tensor? biasHh)
    {
        var pn = Native(projected, "lstm_cell_projected");
        var hn = Native(h, "lstm_cell_projected");
        var cn = Native(c, "lstm_cell_projected");
        var wh = Native(weightHh, "lstm_cell_projected");
        var bh = biasHh is null ? null : Native(biasHh, "lstm_cell_projected");
        try
        {
            using var scope = torch.NewDisposeScope();

            using Scalar one = 1.0; // explicit α kept alive, as in LstmCell

            // [i | f | g | o] = (x W_ihᵀ + b_ih) + (h W_hhᵀ + b_hh), the first sum given.
            var gates = pn.add(torch.nn.functional.linear(hn, wh, bh), one);
            var s = gates.sigmoid().chunk(4, 1);
            var g = gates.narrow(1, 2L * h.Shape[1], h.Shape[1]).tanh();
            var next = s[1].mul(cn).add_(s[0].mul(g), one);
            var output = s[3].mul(next.tanh());
            scope.MoveToOuter(output, next);
            return (Make(output, h.Shape), Make(next, c.Shape));
        }
        catch (ExternalException e)
        {
            throw Failure("lstm_cell_projected", e, projected.Shape, h.Shape, weightHh.Shape);
        }
    }

    /// <inheritdoc />
    /// <remarks>Composed of libtorch ops in one dispose scope, as <see cref="LstmCell"/>; autograd differentiates it.</remarks>
    public override Tensor GruCell(Tensor x, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        var xn = Native(x, "gru_cell");
        var hn = Native(h, "gru_cell");
        var wi = Native(weightIh, "gru_cell");
        var wh = Native(weightHh, "gru_cell");
        var bi = biasIh is null ? null : Native(biasIh, "gru_cell");
        var bh = biasHh is null ? null : Native(biasHh, "gru_cell");
        try
        {
            using var scope = torch.NewDisposeScope();
            using Scalar one = 1.0; // explicit α kept alive, as in LstmCell
            var p = torch.nn.functional.linear(xn, wi, bi).chunk(3, 1);
            var q = torch.nn.functional.linear(hn, wh, bh).chunk(3, 1);
            var r = p[0].add(q[0], one).sigmoid_();
            var z = p[1].add(q[1], one).sigmoid_();
            var n = p[2].add(r.mul(q[2]), one).tanh_();

            // h′ = n + z ⊙ (h − n), as libtorch's gru_cell arranges it.
            var next = n.add(z.mul(hn.sub(n)), one);
            scope.MoveToOuter(next);
            return Make(next, h.Shape);
        }
        catch (ExternalException e)
        {
            throw Failure("gru_cell", e, x.Shape, h.Shape, weightIh.Shape, weightHh.Shape);
        }
    }
}
