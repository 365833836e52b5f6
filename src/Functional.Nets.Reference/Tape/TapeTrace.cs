using System.Globalization;
using System.Text;

namespace Functional.Nets.Reference;

/// <summary>What a node of a traced computation is.</summary>
public enum TraceNodeRole
{
    /// <summary>A parameter leaf (<c>0.weight</c>): what the gradient is for.</summary>
    Parameter,

    /// <summary>An input leaf (<c>x</c>, a target): data, put on the tape so the graph shows it.</summary>
    Input,

    /// <summary>The result of one primitive.</summary>
    Operation,
}

/// <summary>One node of a traced computation.</summary>
/// <param name="Id">The node's position on the tape (operands come before their results).</param>
/// <param name="Name">The leaf's name, the name given with <see cref="ReferenceBackend.Named"/>, or <c>v{Id}</c>.</param>
/// <param name="Role">Parameter, input or operation.</param>
/// <param name="Primitive">The primitive's name (<c>MatMul</c>, <c>Sigmoid</c>); empty for leaves, <c>?</c> if unlabelled.</param>
/// <param name="Formula">The forward function (<c>y = σ(x)</c>); empty for leaves.</param>
/// <param name="Shape">The value's shape.</param>
/// <param name="Operands">The operands' ids, in order; −1 for an operand that is a constant (not on the tape).</param>
/// <param name="Value">The value, row-major.</param>
/// <param name="Gradient">∂L/∂(this node), row-major: the sum of everything its consumers passed back.</param>
public sealed record TraceNode(
    int Id,
    string Name,
    TraceNodeRole Role,
    string Primitive,
    string Formula,
    Shape Shape,
    IReadOnlyList<int> Operands,
    IReadOnlyList<double> Value,
    IReadOnlyList<double> Gradient)
{
    /// <summary>The leaf's name, the name given with <see cref="ReferenceBackend.Named"/>, or <c>v{Id}</c>.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>The primitive's name (<c>MatMul</c>, <c>Sigmoid</c>); empty for leaves, <c>?</c> if unlabelled.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Primitive { get; init => field = value ?? throw new ArgumentNullException(nameof(Primitive)); } = Primitive ?? throw new ArgumentNullException(nameof(Primitive));

    /// <summary>The forward function (<c>y = σ(x)</c>); empty for leaves.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Formula { get; init => field = value ?? throw new ArgumentNullException(nameof(Formula)); } = Formula ?? throw new ArgumentNullException(nameof(Formula));

    /// <summary>The operands' ids, in order; −1 for an operand that is a constant (not on the tape).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<int> Operands { get; init => field = value ?? throw new ArgumentNullException(nameof(Operands)); } = Operands ?? throw new ArgumentNullException(nameof(Operands));

    /// <summary>The value, row-major.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<double> Value { get; init => field = value ?? throw new ArgumentNullException(nameof(Value)); } = Value ?? throw new ArgumentNullException(nameof(Value));

    /// <summary>∂L/∂(this node), row-major: the sum of everything its consumers passed back.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<double> Gradient { get; init => field = value ?? throw new ArgumentNullException(nameof(Gradient)); } = Gradient ?? throw new ArgumentNullException(nameof(Gradient));

    /// <summary>The local derivative in words (<c>∂y/∂x = y(1 − y)</c>); empty for leaves.</summary>
    public string Local { get; init; } = "";

    /// <summary>The vector-Jacobian product for each operand (<c>x̄ = ȳ ⊙ y(1 − y)</c>); empty for leaves.</summary>
    public IReadOnlyList<string> Vjp { get; init; } = [];
}

/// <summary>What one VJP handed to one operand during the backward pass.</summary>
/// <param name="Operand">The receiving node's id.</param>
/// <param name="Position">Which operand of the primitive it is (0 for the first).</param>
/// <param name="Gradient">The product, before it is added to what the operand already received.</param>
public sealed record TraceFlow(int Operand, int Position, IReadOnlyList<double> Gradient)
{
    /// <summary>The product, before it is added to what the operand already received.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<double> Gradient { get; init => field = value ?? throw new ArgumentNullException(nameof(Gradient)); } = Gradient ?? throw new ArgumentNullException(nameof(Gradient));
}

/// <summary>One step of the backward pass: a node's VJP applied to the gradient that reached it.</summary>
/// <param name="Order">1 for the first step (the output), in the order the steps ran.</param>
/// <param name="Node">The node's id.</param>
/// <param name="Incoming">ȳ = ∂L/∂y, the gradient that reached the node.</param>
/// <param name="Outgoing">The products passed to the operands on the tape.</param>
public sealed record TraceStep(int Order, int Node, IReadOnlyList<double> Incoming, IReadOnlyList<TraceFlow> Outgoing)
{
    /// <summary>ȳ = ∂L/∂y, the gradient that reached the node.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<double> Incoming { get; init => field = value ?? throw new ArgumentNullException(nameof(Incoming)); } = Incoming ?? throw new ArgumentNullException(nameof(Incoming));

    /// <summary>The products passed to the operands on the tape.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public IReadOnlyList<TraceFlow> Outgoing { get; init => field = value ?? throw new ArgumentNullException(nameof(Outgoing)); } = Outgoing ?? throw new ArgumentNullException(nameof(Outgoing));
}

/// <summary>
/// A traced forward and backward pass on the Reference backend (<see cref="ReferenceBackend.Trace"/>):
/// the computation graph with every value and gradient, the backward steps in the order they ran,
/// a printable account of them (<see cref="Format"/>) and the graph as Graphviz DOT (<see cref="ToDot"/>).
/// </summary>
public sealed class TapeTrace
{
    private readonly Dictionary<int, TraceNode> byId;

    internal TapeTrace(double value, int output, IReadOnlyList<TraceNode> nodes, IReadOnlyList<TraceStep> steps, TensorTree gradients)
    {
        Value = value;
        Output = output;
        Nodes = nodes;
        Steps = steps;
        Gradients = gradients;
        byId = nodes.ToDictionary(n => n.Id);
    }

    /// <summary>The function's value L.</summary>
    public double Value { get; }

    /// <summary>The id of the output node.</summary>
    public int Output { get; }

    /// <summary>The nodes: the leaves first (inputs, then parameters), then the operations in execution order.</summary>
    public IReadOnlyList<TraceNode> Nodes { get; }

    /// <summary>The backward steps, in the order they ran (the output first).</summary>
    public IReadOnlyList<TraceStep> Steps { get; }

    /// <summary>∂L/∂θ for the parameters, shaped and named like them (the same numbers <see cref="ReferenceBackend.ValueAndGrad"/> gives).</summary>
    public TensorTree Gradients { get; }

    /// <summary>The node with id <paramref name="id"/>.</summary>
    public TraceNode this[int id] => byId[id];

    /// <summary>The node named <paramref name="name"/>.</summary>
    public TraceNode Find(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"no node named '{name}' in the trace");

    /// <summary>
    /// The forward graph and then the backward pass step by step: for each node, its primitive, the local
    /// derivative, the incoming gradient ȳ and the product handed to each operand; then the parameters' gradients.
    /// </summary>
    /// <param name="maxValues">How many entries of a tensor to print before eliding the rest.</param>
    public string Format(int maxValues = 8)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var width = Nodes.Max(n => n.Name.Length);
        sb.AppendLine("Forward pass (the computation graph, in the order it ran):");
        var whats = Nodes.ToDictionary(n => n.Id, n => n.Role switch
        {
            TraceNodeRole.Parameter => "parameter",
            TraceNodeRole.Input => "input",
            _ => $"{n.Primitive}({string.Join(", ", n.Operands.Select(NameOf))})",
        });
        var whatWidth = whats.Values.Max(w => w.Length);
        var formulaWidth = Nodes.Max(n => n.Formula.Length);
        var shapeWidth = Nodes.Max(n => n.Shape.ToString().Length);
        foreach (var n in Nodes)
        {
            sb.AppendLine(inv, $"  {n.Name.PadRight(width)} = {whats[n.Id].PadRight(whatWidth)}  {n.Shape.ToString().PadRight(shapeWidth)}  {n.Formula.PadRight(formulaWidth)}  {FormatValues(n.Value, n.Shape, maxValues)}");
        }

        sb.AppendLine();
        sb.AppendLine(inv, $"Backward pass: L = {Number(Value)}; start from ∂L/∂L = 1 and apply each node's VJP, last node first.");
        foreach (var step in Steps)
        {
            var n = byId[step.Node];
            sb.AppendLine(inv, $"[{step.Order}] {n.Name} = {n.Primitive}({string.Join(", ", n.Operands.Select(NameOf))})   {n.Formula}");
            sb.AppendLine(inv, $"     local derivative   {n.Local}");
            sb.AppendLine(inv, $"     incoming ∂L/∂{n.Name} = {FormatValues(step.Incoming, n.Shape, maxValues)}");
            if (Primitive.Find(n.Primitive)?.IsElementwise == true && step.Outgoing.Count == 1)
            {
                // For an elementwise primitive the product is ȳ ⊙ f′(x), so f′(x) = product ⊘ ȳ where ȳ ≠ 0.
                var local = step.Outgoing[0].Gradient.Select((p, i) => step.Incoming[i] == 0 ? double.NaN : p / step.Incoming[i]).ToArray();
                sb.AppendLine(inv, $"     local values       {FormatValues(local, n.Shape, maxValues)}");
            }

            foreach (var flow in step.Outgoing)
            {
                var operand = byId[flow.Operand];
                var rule = flow.Position < n.Vjp.Count ? n.Vjp[flow.Position] : "VJP";
                sb.AppendLine(inv, $"     → ∂L/∂{operand.Name} += {rule} = {FormatValues(flow.Gradient, operand.Shape, maxValues)}");
            }
        }

        sb.AppendLine();
        sb.AppendLine("Gradients reaching the parameters (the sum of every path, as the chain rule says):");
        foreach (var n in Nodes.Where(n => n.Role == TraceNodeRole.Parameter))
        {
            sb.AppendLine(inv, $"  ∂L/∂{n.Name.PadRight(width)} = {FormatValues(n.Gradient, n.Shape, maxValues)}");
        }

        return sb.ToString();
    }

    /// <summary>
    /// The graph in Graphviz DOT: parameters (blue boxes) and inputs (grey boxes) at the left, each
    /// operation an ellipse labelled with its primitive, formula, value and gradient, each edge labelled
    /// (in red) with the VJP that sends the gradient back along it. Render with <c>dot -Tsvg</c>.
    /// </summary>
    /// <param name="maxValues">How many entries of a tensor to show in a label.</param>
    public string ToDot(int maxValues = 4)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("digraph backprop {");
        sb.AppendLine("  rankdir=LR;");
        sb.AppendLine("  node [fontname=\"Helvetica\", fontsize=10];");
        sb.AppendLine("  edge [fontname=\"Helvetica\", fontsize=9, fontcolor=\"#b00020\"];");
        sb.AppendLine(inv, $"  label=\"L = {Number(Value)}; black: forward values, red: what each VJP sends back (ȳ = ∂L/∂y)\"; labelloc=t;");
        foreach (var n in Nodes)
        {
            var value = $"value {FormatValues(n.Value, n.Shape, maxValues)}";
            var grad = $"∂L/∂· {FormatValues(n.Gradient, n.Shape, maxValues)}";
            var (shape, style, head) = n.Role switch
            {
                TraceNodeRole.Parameter => ("box", "filled\", fillcolor=\"#cfe2f3", $"{n.Name} {n.Shape}"),
                TraceNodeRole.Input => ("box", "filled\", fillcolor=\"#eeeeee", $"{n.Name} {n.Shape}"),
                _ => ("ellipse", n.Id == Output ? "filled\", fillcolor=\"#fde9d9" : "solid", $"{n.Name} = {n.Primitive}\n{n.Formula}"),
            };
            sb.AppendLine(inv, $"  n{n.Id} [shape={shape}, style=\"{style}\", label=\"{Escape($"{head}\n{value}\n{grad}")}\"];");
        }

        foreach (var n in Nodes.Where(n => n.Role == TraceNodeRole.Operation))
        {
            for (var k = 0; k < n.Operands.Count; k++)
            {
                // The edge says only the product; "(summed over broadcast axes)" stays in the text trace.
                var rule = k < n.Vjp.Count ? n.Vjp[k].Split(" (")[0] : "";
                if (n.Operands[k] < 0)
                {
                    sb.AppendLine(inv, $"  c{n.Id}_{k} [shape=plaintext, label=\"constant\"];");
                    sb.AppendLine(inv, $"  c{n.Id}_{k} -> n{n.Id};");
                }
                else
                {
                    sb.AppendLine(inv, $"  n{n.Operands[k]} -> n{n.Id} [label=\"{Escape(rule)}\"];");
                }
            }
        }

        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>A tensor's values, nested by rows for a matrix, the rest elided after <paramref name="max"/> entries.</summary>
    public static string FormatValues(IReadOnlyList<double> values, Shape shape, int max)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 1)
        {
            return Number(values[0]);
        }

        if (values.Count <= max && shape.Rank == 2 && shape[0] > 1)
        {
            var cols = shape[1];
            return "[" + string.Join(", ", Enumerable.Range(0, shape[0]).Select(r => "[" + string.Join(", ", values.Skip(r * cols).Take(cols).Select(Number)) + "]")) + "]";
        }

        var shown = string.Join(", ", values.Take(max).Select(Number));
        return values.Count <= max ? $"[{shown}]" : string.Create(CultureInfo.InvariantCulture, $"[{shown}, … ({values.Count} values)]");
    }

    private string NameOf(int id) => id < 0 ? "const" : byId[id].Name;

    private static string Number(double v) => double.IsNaN(v) ? "·" : v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
