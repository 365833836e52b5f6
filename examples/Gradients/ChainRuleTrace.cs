using System.Diagnostics;
using Functional.Nets.Reference;
using Spectre.Console;

namespace Functional.Nets.Examples.Gradients;

/// <summary>
/// The chain rule on the XOR network 2-2-1 (sigmoid, binary cross-entropy), one backward step at a time,
/// as the Reference backend's tape runs it: each node's primitive, its local derivative, the gradient that
/// reaches it and the product each VJP passes on. One training example, (x₁, x₂) = (1, 0) with target t = 1,
/// so every tensor is a handful of numbers; the same code traces any batch.
/// </summary>
internal static class ChainRuleTrace
{
    public static void Run(IAnsiConsole console, string output)
    {
        console.Write(new Rule("[bold]1. The chain rule, node by node (XOR 2-2-1, Reference backend)[/]").LeftJustified());
        var backend = ReferenceBackend.Instance;
        var model = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 1), new Sigmoid());

        // Seed 2 is the XOR example's start (examples/Xor); 0.weight is W₁ [2, 2], 0.bias b₁, 2.weight W₂ [1, 2], 2.bias b₂.
        var parameters = model.Init(Key.FromSeed(2), backend);
        var inputs = TensorTree.Of(("x", backend.FromArray([1.0, 0.0], 1, 2)), ("t", backend.FromArray([1.0], 1, 1)));

        // The forward pass layer by layer, so the intermediate results get their textbook names.
        var trace = backend.Trace(
            (p, data) =>
            {
                var z1 = backend.Named(model.Layers[0].Apply(p.Child("0"), data["x"]), "z1");
                var h1 = backend.Named(model.Layers[1].Apply(p.Child("1"), z1), "h1");
                var z2 = backend.Named(model.Layers[2].Apply(p.Child("2"), h1), "z2");
                var yHat = backend.Named(model.Layers[3].Apply(p.Child("3"), z2), "ŷ");
                return backend.Named(Losses.BinaryCrossEntropy(yHat, data["t"]), "L");
            },
            parameters,
            inputs);

        // Straight to stdout: the trace is preformatted text, not markup.
        Console.Out.Write(trace.Format());
        Console.Out.Flush();

        // The trace's gradients are ValueAndGrad's, exactly: the trace only watches.
        var (_, grads) = Grad.ValueAndGrad(p => Losses.BinaryCrossEntropy(model.Apply(p, inputs["x"]), inputs["t"]), parameters);
        var same = grads.All(g => g.Value.ToArray().SequenceEqual(trace.Gradients[g.Key].ToArray()));
        console.MarkupLine(same
            ? "[green]The traced gradients equal Grad.ValueAndGrad's bit for bit.[/]"
            : "[red]The traced gradients differ from Grad.ValueAndGrad's.[/]");

        var dotPath = Path.Combine(output, "xor-backprop.dot");
        File.WriteAllText(dotPath, trace.ToDot());
        console.MarkupLine($"computation graph (Graphviz DOT): {Markup.Escape(dotPath)}");
        foreach (var format in new[] { "svg", "png" })
        {
            var rendered = Path.ChangeExtension(dotPath, format);
            console.MarkupLine(Render(dotPath, rendered, format)
                ? $"rendered with dot: {Markup.Escape(rendered)}"
                : $"[grey]Graphviz 'dot' is not on PATH, so no {format}: install graphviz and run dot -T{format} {Markup.Escape(dotPath)} -o {Markup.Escape(rendered)}[/]");
        }

        console.WriteLine();
    }

    /// <summary>Runs Graphviz's <c>dot</c> if it is installed; false when it is not (or fails).</summary>
    private static bool Render(string dotPath, string target, string format)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dot", ["-T" + format, dotPath, "-o", target])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
