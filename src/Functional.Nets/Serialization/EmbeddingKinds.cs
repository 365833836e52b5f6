namespace Functional.Nets.Serialization;

/// <summary>
/// <see cref="Embedding"/> in architecture JSON: <c>{"type": "Embedding", "count": 1000, "dimension": 50}</c> with the
/// optional <c>"paddingIndex"</c>, <c>"maxNorm"</c>, <c>"frozen"</c> (default false) and <c>"weightInit"</c> (default N(0, 1)).
/// </summary>
internal static class EmbeddingKinds
{
    public static IEnumerable<LayerKind> Layers =>
    [
        LayerKind.Of<Embedding>(
            "Embedding",
            r => new Embedding(
                r.Int("count"), r.Int("dimension"), r.Has("paddingIndex") ? r.Int("paddingIndex") : null, r.Has("maxNorm") ? r.Double("maxNorm") : null,
                r.Bool("frozen", false), r.Initializer("weightInit")),
            (e, w) =>
            {
                w.Int("count", e.Count).Int("dimension", e.Dimension).Bool("frozen", e.Frozen).Initializer("weightInit", e.WeightInit);
                if (e.PaddingIndex is { } pad)
                {
                    w.Int("paddingIndex", pad);
                }

                if (e.MaxNorm is { } maxNorm)
                {
                    w.Double("maxNorm", maxNorm);
                }
            }),
    ];
}
