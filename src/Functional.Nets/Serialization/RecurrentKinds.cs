namespace Functional.Nets.Serialization;

/// <summary>
/// The sequence layers in architecture JSON, with nn.RNN's argument names where they exist:
/// <c>{"type": "Lstm", "inputs": 8, "hidden": 16, "layers": 2, "bidirectional": true, "batchFirst": true, "dropout": 0.1, "bias": true}</c>;
/// <c>Rnn</c> adds <c>"nonlinearity"</c> (<c>"Tanh"</c> or <c>"ReLU"</c>), <c>Gru</c> adds <c>"resetBeforeWeight"</c>.
/// Every field but inputs and hidden is optional, with the constructors' defaults.
/// </summary>
internal static class RecurrentKinds
{
    public static IEnumerable<LayerKind> Layers =>
    [
        LayerKind.Of<Rnn>(
            "Rnn",
            r => new Rnn(
                r.Int("inputs"), r.Int("hidden"), r.Int("layers", 1), r.Bool("bidirectional", false), r.Bool("batchFirst", true), Probability(r),
                r.Bool("bias", true), r.Enum("nonlinearity", RnnNonlinearity.Tanh)),
            (l, w) => Write(l, w).Enum("nonlinearity", l.Nonlinearity)),
        LayerKind.Of<Lstm>(
            "Lstm",
            r => new Lstm(r.Int("inputs"), r.Int("hidden"), r.Int("layers", 1), r.Bool("bidirectional", false), r.Bool("batchFirst", true), Probability(r), r.Bool("bias", true)),
            (l, w) => Write(l, w)),
        LayerKind.Of<Gru>(
            "Gru",
            r => new Gru(
                r.Int("inputs"), r.Int("hidden"), r.Int("layers", 1), r.Bool("bidirectional", false), r.Bool("batchFirst", true), Probability(r),
                r.Bool("bias", true), r.Bool("resetBeforeWeight", false)),
            (l, w) => Write(l, w).Bool("resetBeforeWeight", l.ResetBeforeWeight)),
    ];

    private static double Probability(FieldReader r)
    {
        var p = r.Double("dropout", 0);
        return p >= 0 && p < 1 ? p : throw r.Error($"the dropout probability must lie in [0, 1), got {p}", "dropout");
    }

    private static FieldWriter Write(RecurrentLayer l, FieldWriter w) =>
        w.Int("inputs", l.Inputs).Int("hidden", l.Hidden).Int("layers", l.Layers).Bool("bidirectional", l.Bidirectional)
            .Bool("batchFirst", l.BatchFirst).Double("dropout", l.Dropout).Bool("bias", l.HasBias);
}
