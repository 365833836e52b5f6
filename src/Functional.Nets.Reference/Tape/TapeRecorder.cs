namespace Functional.Nets.Reference;

/// <summary>
/// Watches one tape for a trace: the value and shape of every node as it is recorded, the names
/// given to nodes, and every step of the backward pass (the incoming gradient and what the VJP passed
/// to each operand). Copies what it keeps, because the backward pass accumulates into the arrays it
/// hands on.
/// </summary>
internal sealed class TapeRecorder
{
    public Dictionary<int, (Node Node, Shape Shape, double[] Values)> Forward { get; } = [];

    public Dictionary<int, string> Names { get; } = [];

    public List<(Node Node, double[] Incoming, double[]?[] Outgoing)> Steps { get; } = [];

    public void Recorded(Node node, Shape shape, double[] values) => Forward[node.Index] = (node, shape, (double[])values.Clone());

    public void Propagated(Node node, double[] incoming, double[]?[] outgoing) =>
        Steps.Add((node, (double[])incoming.Clone(), outgoing.Select(c => (double[]?)c?.Clone()).ToArray()));
}
