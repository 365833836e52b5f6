namespace Functional.Nets.Diagnostics;

/// <summary>
/// Backpropagation through time made visible: ‖∂L/∂hₖ‖ for every step k of a sequence, the gradient of the loss
/// with respect to the hidden state after step k. By the chain rule through the unfolded network,
/// ∂L/∂hₖ = Σ_{t ≥ k} (∂L/∂hₜ)_direct · ∂hₜ/∂hₜ₋₁ ⋯ ∂hₖ₊₁/∂hₖ, the lecture's sum over products of Jacobians;
/// when the loss reads only the last step it is the single product (∂L/∂h_{T−1}) ∏ ∂hᵢ/∂hᵢ₋₁, which shrinks
/// geometrically towards the first steps for a plain tanh RNN and far less for an LSTM or a GRU.
/// </summary>
/// <remarks>
/// The cell is run step by step as <see cref="Scan"/> runs it forward, with a zero perturbation δₖ [N, H] added to
/// the carry's <c>h</c> after step k; since hₖ + δₖ is what every later step and the loss read, ∂L/∂δₖ at δ = 0 is
/// exactly ∂L/∂hₖ (the total derivative, through the future steps). The perturbations are the only leaves
/// differentiated, so the same code runs on the Reference tape and on libtorch autograd. The output yₜ is hₜ + δₜ as
/// well (the cell must output its h), so a loss on the outputs (a head on the last step, a per-step loss) is
/// differentiated through yₜ and through the later steps alike. For an LSTM only h is
/// perturbed (the cell state c is part of the carry but not the hidden state of the lecture's formula).
/// </remarks>
public static class HiddenStateGradients
{
    /// <summary>
    /// ∂L/∂hₖ for k = 0 … T − 1, each [N, H], on <paramref name="input"/>'s backend (owned by the caller).
    /// </summary>
    /// <param name="cell">A stateless, deterministic cell whose carry has a leaf <c>h</c> and whose output is that h (RnnCell, LstmCell, GruCell, ...).</param>
    /// <param name="parameters">The cell's parameters (constants here).</param>
    /// <param name="input">The sequence, batch first [N, T, F].</param>
    /// <param name="loss">The scalar loss of the outputs [N, T, H′] and the final carry.</param>
    /// <param name="initialCarry">The carry before step 0; the cell's zeros when null.</param>
    /// <exception cref="LayerShapeException">The input is not [N, T ≥ 1, F] with F the cell's input size.</exception>
    /// <exception cref="ArgumentException">The cell's carry has no leaf <c>h</c>, or its output is not that h.</exception>
    public static IReadOnlyList<Tensor> Of(Cell cell, TensorTree parameters, Tensor input, Func<Tensor, TensorTree, Tensor> loss, TensorTree? initialCarry = null)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(loss);
        var scan = new Scan(cell);
        scan.OutputShape(input.Shape); // the scan's own shape check and message, before any step
        int n = input.Shape[0], steps = input.Shape[1], features = input.Shape[2];
        var start = initialCarry ?? cell.InitialCarry(n, input.Backend);
        if (!start.TryGet("h", out var h0))
        {
            throw new ArgumentException($"HiddenStateGradients: {cell.Describe()}'s carry has no leaf 'h'; got {start.Describe()}", nameof(cell));
        }

        var hidden = h0.Shape;
        var zeros = TensorTree.Of(Enumerable.Range(0, steps)
            .Select(k => (Name(k), input.Backend.Zeros(hidden))).ToArray());
        var (value, gradients) = Grad.ValueAndGrad(delta =>
        {
            var carry = start;
            var outputs = new Tensor[steps];
            for (var t = 0; t < steps; t++)
            {
                var x = input.Slice(1, t, 1).Reshape(n, features);
                var step = cell.Step(parameters, x, carry);
                var h = step.Carry["h"];
                if (!ReferenceEquals(step.Output, h))
                {
                    // The output must see the perturbation too, or ∂L/∂δₜ would miss the path through yₜ.
                    throw new ArgumentException(
                        $"HiddenStateGradients: {cell.Describe()}'s output is not its carry's h (yₜ = hₜ is needed); put an output map in the loss instead", nameof(cell));
                }

                // hₜ + δₜ: the zero perturbation whose gradient is ∂L/∂hₜ; the output yₜ = hₜ and every later step read it.
                var perturbed = h + delta[Name(t)];
                outputs[t] = perturbed;
                carry = step.Carry.With(TensorTree.Of(("h", perturbed)));
            }

            return loss(Tensor.Stack(outputs, 1), carry);
        }, zeros);
        value.Dispose();
        zeros.Dispose();
        if (initialCarry is null)
        {
            start.Dispose(); // the zeros made here; a given carry stays the caller's
        }

        return Enumerable.Range(0, steps).Select(k => gradients[Name(k)]).ToArray();
    }

    /// <summary>‖∂L/∂hₖ‖ (the Frobenius norm over the batch and the hidden units) for k = 0 … T − 1.</summary>
    /// <inheritdoc cref="Of" path="/param"/>
    public static double[] Norms(Cell cell, TensorTree parameters, Tensor input, Func<Tensor, TensorTree, Tensor> loss, TensorTree? initialCarry = null)
    {
        var gradients = Of(cell, parameters, input, loss, initialCarry);
        var norms = new double[gradients.Count];
        for (var k = 0; k < norms.Length; k++)
        {
            var sum = 0.0;
            foreach (var v in gradients[k].ToArray())
            {
                sum += v * v;
            }

            norms[k] = Math.Sqrt(sum);
            gradients[k].Dispose();
        }

        return norms;
    }

    private static string Name(int step) => step.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
