using System.Diagnostics;

namespace Functional.Nets.Examples.TextClassification;

/// <summary>
/// word2vec vectors trained on the Brown corpus with the library's <see cref="SkipGram"/> and the settings of
/// examples/Word2Vec (dim 100, window ±5, 5 noise words, subsampling 1e-3, min count 5, learning rate 0.025 → 0,
/// sparse SGD steps of 512 triples, Torch float32), the input table kept as <see cref="PretrainedVectors"/>.
/// </summary>
internal static class BrownVectors
{
    public static PretrainedVectors Train(string corpusPath, int dimension, int epochs, int? sentences, Backend backend)
    {
        var corpus = BrownCorpus.Load(corpusPath);
        var text = sentences is { } s ? corpus.Sentences.Take(s).ToArray() : corpus.Sentences.ToArray();
        var tokens = text.Sum(x => (long)x.Length);
        var vocabulary = Vocabulary.Build(text, minCount: 5);
        var ids = vocabulary.Encode(text);
        var sampler = new SkipGramSampler(vocabulary, window: 5, negatives: 5, sample: 1e-3);
        var model = new SkipGram(vocabulary.Count, dimension);
        var tables = model.Init(Key.FromSeed(1), backend);
        var clock = Stopwatch.StartNew();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            double loss = 0;
            long triples = 0;
            foreach (var batch in sampler.Epoch(ids, Key.FromSeed(100 + epoch), 512, epoch, epochs, tokens))
            {
                using var scope = backend.Scope();
                var (next, l) = model.Step(tables, batch, SkipGram.LearningRate(0.025, batch.Progress), donate: true);
                tables = scope.Keep(next);   // donated: the same tensors, updated in place
                loss += l;
                triples += batch.Count;
            }

            Console.WriteLine($"word2vec on Brown: epoch {epoch + 1}/{epochs}, mean loss per score {loss / triples / (1 + sampler.Negatives):F4}, {clock.Elapsed.TotalSeconds:F1} s");
        }

        Console.WriteLine($"word2vec on Brown: {text.Length:N0} sentences, {tokens:N0} tokens, {vocabulary.Count:N0} words seen 5 times or more, dim {dimension}, {epochs} epoch(s), {tokens * epochs / clock.Elapsed.TotalSeconds:N0} words/s");
        var vectors = PretrainedVectors.FromTable(vocabulary, tables[SkipGram.Input]);
        tables.Dispose();
        return vectors;
    }
}
