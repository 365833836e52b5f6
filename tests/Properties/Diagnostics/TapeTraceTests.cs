using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Diagnostics;

/// <summary>
/// The chain-rule trace on the Reference backend: it only watches (the gradients are ValueAndGrad's bit for
/// bit, over generated networks), every node carries its primitive and formula, every backward step's
/// products sum to the gradients, and the DOT export names every node and edge.
/// </summary>
public sealed class TapeTraceTests
{
    private static readonly ReferenceBackend Backend = ReferenceBackend.Instance;

    /// <summary>Traced gradients equal ValueAndGrad's exactly, for generated networks and losses.</summary>
    [Fact]
    public void Trace_gives_the_gradients_of_ValueAndGrad()
    {
        Law.Check(NetworkCase.Arbitrary, c =>
        {
            var parameters = c.Parameters(Backend);
            var objective = c.Objective(Backend);
            var trace = Backend.Trace((p, _) => objective(p), parameters, TensorTree.Empty);
            var (value, grads) = Grad.ValueAndGrad(objective, parameters);
            if (trace.Value != value.Item())
            {
                throw new LawViolation($"traced value {trace.Value} differs from {value.Item()} for {c}");
            }

            foreach (var (name, g) in grads)
            {
                if (!g.ToArray().SequenceEqual(trace.Gradients[name].ToArray()))
                {
                    throw new LawViolation($"traced gradient of '{name}' differs from ValueAndGrad's for {c}");
                }
            }

            // Every operation is labelled with a known primitive, so the printout never shows "?".
            var unlabelled = trace.Nodes.Where(n => n.Role == TraceNodeRole.Operation && (n.Primitive == "?" || n.Local.StartsWith('('))).ToArray();
            if (unlabelled.Length > 0)
            {
                throw new LawViolation($"operations without a primitive name or formula: {string.Join(", ", unlabelled.Select(n => n.Name + " " + n.Primitive))}");
            }
        }, cases: 50);
    }

    /// <summary>On the XOR network: names, roles, the step order and the accumulation of products into gradients.</summary>
    [Fact]
    public void Xor_trace_shows_each_step_of_the_chain_rule()
    {
        var model = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 1), new Sigmoid());
        var parameters = model.Init(Key.FromSeed(2), Backend);
        var inputs = TensorTree.Of(("x", Backend.FromArray([0, 0, 0, 1, 1, 0, 1, 1], 4, 2)), ("t", Backend.FromArray([0, 1, 1, 0], 4, 1)));
        var trace = Backend.Trace(
            (p, d) => Backend.Named(Losses.BinaryCrossEntropy(Backend.Named(model.Apply(p, d["x"]), "ŷ"), d["t"]), "L"),
            parameters,
            inputs);

        Assert.Equal(["x", "t", "0.weight", "0.bias", "2.weight", "2.bias"], trace.Nodes.Take(6).Select(n => n.Name));
        Assert.Equal(TraceNodeRole.Input, trace.Find("x").Role);
        Assert.Equal(TraceNodeRole.Parameter, trace.Find("0.weight").Role);
        var yHat = trace.Find("ŷ");
        Assert.Equal("Sigmoid", yHat.Primitive);
        Assert.Equal("∂y/∂x = σ(x)(1 − σ(x)) = y(1 − y)", yHat.Local);
        Assert.Equal(trace.Output, trace.Steps[0].Node);
        Assert.Equal("L", trace[trace.Output].Name);
        Assert.Equal([1.0], trace.Steps[0].Incoming);

        // The gradient reaching a node is the sum of the products its consumers handed back (the multivariate chain rule).
        foreach (var node in trace.Nodes.Where(n => n.Id != trace.Output))
        {
            var flows = trace.Steps.SelectMany(s => s.Outgoing).Where(f => f.Operand == node.Id).ToArray();
            Assert.NotEmpty(flows);
            for (var i = 0; i < node.Gradient.Count; i++)
            {
                Assert.Equal(node.Gradient[i], flows.Sum(f => f.Gradient[i]), 15);
            }
        }

        // Sigmoid's product is ȳ ⊙ y(1 − y), entry by entry.
        var step = trace.Steps.Single(s => s.Node == yHat.Id);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(step.Incoming[i] * yHat.Value[i] * (1 - yHat.Value[i]), step.Outgoing[0].Gradient[i], 15);
        }

        var text = trace.Format();
        Assert.Contains("ŷ = Sigmoid(", text, StringComparison.Ordinal);
        Assert.Contains("→ ∂L/∂2.bias += b̄ = ȳ (summed over broadcast axes)", text, StringComparison.Ordinal);

        var dot = trace.ToDot();
        Assert.StartsWith("digraph backprop {", dot, StringComparison.Ordinal);
        Assert.Equal(trace.Nodes.Count, trace.Nodes.Count(n => dot.Contains($"  n{n.Id} [", StringComparison.Ordinal)));
        var edges = trace.Nodes.Sum(n => n.Operands.Count);
        Assert.Equal(edges, dot.Split('\n').Count(l => l.Contains(" -> ", StringComparison.Ordinal)));
        // Dense is one Linear node (Y = X Wᵀ + b) with its three VJPs, the input's first.
        Assert.Contains("label=\"X̄ = Ȳ W\"", dot, StringComparison.Ordinal);
    }

    /// <summary>Named outside a trace does nothing; a trace whose result ignores its inputs says so.</summary>
    [Fact]
    public void Named_outside_a_trace_is_a_no_op_and_constant_results_are_refused()
    {
        var t = Backend.FromArray([1.0, 2.0], 2);
        Assert.Same(t, Backend.Named(t, "t"));
        var p = TensorTree.Of(("w", Backend.FromArray([1.0], 1)));
        var e = Assert.Throws<InvalidOperationException>(() => Backend.Trace((_, _) => Backend.FromArray([3.0], 1), p, TensorTree.Empty));
        Assert.Contains("does not depend", e.Message, StringComparison.Ordinal);
        Assert.Throws<ShapeMismatchException>(() => Backend.Trace((q, _) => q["w"] * Backend.FromArray([1.0, 2.0], 2), p, TensorTree.Empty));
    }
}
