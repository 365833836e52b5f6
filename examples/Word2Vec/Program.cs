// word2vec, skip-gram with negative sampling, on the Brown corpus (../shared/data/brown): lower-cased words, tags
// stripped, words seen 5 times or more; windows of ±5 with word2vec's random shrinking, 5 noise words from unigram^¾,
// subsampling (s = 1e-3), learning rate 0.025 decaying linearly to 0; on Torch float32 tables, the sampler's batches
// drawn on a second thread (Prefetch) and taken in word2vec's order, triple by triple (SkipGram.SequentialStep, the
// hand-written kernel on the tables' memory), or with --order batched as one sparse SGD step per batch on the rows it
// touches (SkipGram.Step, libtorch autograd).
// Then: nearest neighbours by cosine, the tag probe (each word's majority Brown tag class from its 10 nearest
// neighbours among a fixed random half of the words), and a 2-D PCA map of chosen words (out/word2vec-pca.png).
// Options: --quick (the first 4,000 sentences, 1 epoch: a few seconds, as CI runs it; a smoke run: after so little
// training every vector still shares one large common direction, cosine ≈ 1 between any two words), --epochs N (5), --dim D (100),
// --batch B (triples per batch, 512; 128 with --quick), --order sequential|batched (sequential), --uses-exponent-percent A
// (batched only: SkipGram.Step's n_r^a, 0: plain sum), --threads T (libtorch threads, 1).
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples;
using Functional.Nets.Reporting;
using Functional.Nets.Torch;
using Spectre.Console;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var quick = args.Contains("--quick");
int Option(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var epochs = Option("--epochs", quick ? 1 : 5);
var dimension = Option("--dim", 100);
var batchSize = Option("--batch", quick ? 128 : 512);
var usesExponent = Option("--uses-exponent-percent", 0) / 100.0;   // SkipGram.Step's division of a row's gradient by n_r^a
var order = args.SkipWhile(a => a != "--order").Skip(1).FirstOrDefault() ?? "sequential";
if (order is not ("sequential" or "batched"))
{
    Console.Error.WriteLine($"Word2Vec: --order must be sequential or batched, got {order}");
    return 2;
}

TorchBackend.Threads = Option("--threads", 1);   // measured at load ~20: 2 spinning libtorch threads took 4.5× as long as 1
var root = Repository.Root();
var backend = TorchBackend.CpuFloat32;

var corpus = BrownCorpus.Load(Path.Combine(root, "..", "shared", "data", "brown", "brown-tagged.txt.gz"));
var sentences = quick ? corpus.Sentences.Take(4000).ToArray() : corpus.Sentences.ToArray();
var tokens = sentences.Sum(s => (long)s.Length);
var vocabulary = Vocabulary.Build(sentences, minCount: 5);
var ids = vocabulary.Encode(sentences);
var sampler = new SkipGramSampler(vocabulary, window: 5, negatives: 5, sample: 1e-3);
var model = new SkipGram(vocabulary.Count, dimension);
Console.WriteLine($"Brown corpus: {sentences.Length:N0} sentences, {tokens:N0} tokens, {vocabulary.Count:N0} words seen 5 times or more ({vocabulary.TotalCount:N0} tokens)");
Console.WriteLine(order == "sequential"
    ? $"skip-gram, dim {dimension}, window 5, 5 negatives, subsampling 1e-3, {epochs} epoch(s), triples taken one by one in word2vec's order (batches of {batchSize:N0} drawn on a second thread), Torch float32 tables"
    : $"skip-gram, dim {dimension}, window 5, 5 negatives, subsampling 1e-3, {epochs} epoch(s), {batchSize:N0} triples per step, Torch float32, {TorchBackend.Threads} thread(s)");

var tables = model.Init(Key.FromSeed(1), backend);
var seconds = 0.0;
var lastLoss = double.NaN;
void Train(Action<int, SkipGramBatch, double> report)
{
    var clock = Stopwatch.StartNew();
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        double lossSum = 0;
        long triples = 0;
        foreach (var batch in sampler.Epoch(ids, Key.FromSeed(100 + epoch), batchSize, epoch, epochs, tokens).Prefetch())
        {
            using var scope = backend.Scope();
            var rate = SkipGram.LearningRate(0.025, batch.Progress);
            var (next, loss) = order == "sequential"
                ? model.SequentialStep(tables, batch, rate, donate: true)
                : model.Step(tables, batch, rate, donate: true, usesExponent);
            tables = scope.Keep(next);        // donated: the same tensors, updated in place
            lossSum += loss;
            triples += batch.Count;
            report(epoch, batch, lossSum / triples / (1 + sampler.Negatives));
        }

        lastLoss = lossSum / triples / (1 + sampler.Negatives);
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            Console.WriteLine($"epoch {epoch + 1}/{epochs}: {triples:N0} triples, mean loss per score {lastLoss:F4}, {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    seconds = clock.Elapsed.TotalSeconds;
}

if (AnsiConsole.Profile.Capabilities.Interactive)
{
    AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
    {
        var task = ctx.AddTask("training", maxValue: 1.0);
        Train((epoch, batch, loss) =>
        {
            task.Value = batch.Progress;
            task.Description = $"epoch {epoch + 1}/{epochs}, loss {loss:F4}";
        });
    });
}
else
{
    Train((_, _, _) => { });
}

var vectors = WordVectors.FromTable(vocabulary, tables[SkipGram.Input]);
foreach (var word in new[] { "monday", "france", "said", "three", "church", "good" }.Where(w => vectors.TryGetId(w, out _)))
{
    Console.WriteLine($"nearest to {word,-8}: {string.Join(", ", vectors.Nearest(word, 6).Select(n => $"{n.Word} {n.Cosine:F2}"))}");
}

var probe = TagProbe.Run(vectors, corpus.MajorityTags(), Key.FromSeed(2026));
Console.WriteLine($"tag probe over {probe.Words:N0} words ({probe.Classes} classes): majority class '{probe.MajorityTag}' {probe.MajorityRate:P1}");
Console.WriteLine($"tag probe accuracy: {100 * probe.Accuracy:F1}%");
Console.WriteLine($"training: {tokens * epochs / seconds:N0} words/s ({tokens * epochs:N0} corpus words in {seconds:F1} s, load average {Load()})");

string[][] groups =
[
    ["numbers", "one", "two", "three", "four", "five", "six", "seven", "ten"],
    ["days", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    ["countries", "france", "england", "germany", "russia", "china", "japan", "italy", "india"],
    ["verbs of saying", "said", "says", "told", "asked", "replied", "added", "explained"],
    ["family", "mother", "father", "wife", "husband", "son", "daughter", "brother", "sister"],
];
var chosen = groups
    .Select(g => (Group: g[0], Words: (IReadOnlyList<(string, double[])>)g[1..].Where(w => vectors.TryGetId(w, out _))
        .Select(w => (w, vectors.Unit(Id(w)).ToArray().Select(f => (double)f).ToArray())).ToArray()))
    .Where(g => g.Words.Count > 0)
    .ToArray();
var png = Path.Combine(root, "out", "word2vec-pca.png");
if (chosen.Sum(g => g.Words.Count) >= 2)
{
    var explained = WordMapPlot.WritePng(png, chosen);
    Console.WriteLine($"wrote {Path.GetRelativePath(Environment.CurrentDirectory, png)} ({chosen.Sum(g => g.Words.Count)} words, the two components hold {explained:P0} of their variance)");
}

tables.Dispose();
return double.IsFinite(lastLoss) ? 0 : 1;

int Id(string word) => vectors.TryGetId(word, out var id) ? id : -1;

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
