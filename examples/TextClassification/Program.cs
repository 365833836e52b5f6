// Spam or ham on the SpamAssassin public corpus (../shared/data/spam-assassin: 6,046 raw e-mails, 1,896 spam): each
// e-mail's Subject and decoded body tokenized (EmailTokenizer: no other headers, see why there) and cut to its first
// tokens; a stratified 80/20 split with a fixed key; a vocabulary of the training split's words (seen twice or more,
// capped). Then, written with the library and trained by its Trainer (Adam, softmax cross-entropy) on Torch float32:
//   - bag-of-words logistic regression (the baseline): z = Wᵀx + b over the binary bag of words x;
//   - a Kim (2014) CNN over word vectors: Conv1d widths 3, 4, 5 × 100 filters, ReLU, max over time, dropout 0.5;
//   - a bidirectional LSTM classifier over word vectors (sequences run to their own lengths, the first 150 tokens),
//     final states, dropout 0.5;
// the CNN and the LSTM each with random and with word2vec embeddings (trained on Brown here, as examples/Word2Vec
// does; words missing from Brown drawn at random at the vectors' scale), each frozen and fine-tuned: held-out
// accuracy and spam F1 of every model ("NAME: test accuracy: NN.NN%"), the table of what pretraining buys, and each
// model's training curves (examples/TextClassification/out/*.png).
// Options: --quick (1,000 e-mails, short texts, small models, 1 epoch, word2vec on 4,000 Brown sentences: a smoke run
// for CI), --epochs N (classifiers, 4), --max-tokens T (300), --lstm-tokens T (150), --vocab V (20,000), --threads T (libtorch threads of the
// classifiers, 1; word2vec always runs on 1), --word2vec-epochs N (5), --vectors FILE (load word2vec vectors in
// word2vec's text format instead of training them; a fresh training saves them to out/brown-vectors.txt),
// --word2vec-only (stop once they are saved), --only TEXT (only the CNN/LSTM variants whose name contains TEXT, e.g.
// "CNN (word2vec"; the baseline always runs), --seed S (other model keys; the split stays), --plain-every N (progress lines every N steps when not on a terminal).
using System.Diagnostics;
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples;
using Functional.Nets.Examples.TextClassification;
using Functional.Nets.Torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var total = Stopwatch.StartNew();
var quick = args.Contains("--quick");
string? Text(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int Option(string name, int fallback) => Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var maxTokens = Option("--max-tokens", quick ? 60 : 300);
var lstmTokens = Option("--lstm-tokens", quick ? 60 : 150);   // the LSTM's cost grows with T step by step, a convolution's in parallel
var vocabularyCap = Option("--vocab", quick ? 3000 : 20000);
var epochs = Option("--epochs", quick ? 1 : 4);
var plainEvery = Option("--plain-every", quick ? 0 : 20);
var seed = (ulong)Option("--seed", 0);   // folded into each model's key (initialization, batch order, dropout); 0 is the measured default
var threads = Option("--threads", 1);
var word2vecEpochs = Option("--word2vec-epochs", quick ? 1 : 5);
const int Dimension = 100;
var backend = TorchBackend.CpuFloat32;
var root = Repository.Root();
var data = Path.Combine(root, "..", "shared", "data");

// The corpus and the split: a dataset of the e-mails' own indices, so the library's stratified split tells which go where.
var emails = SpamCorpus.Load(Path.Combine(data, "spam-assassin", "messages.jsonl.gz"), maxTokens);
var labels = emails.Select(e => e.Spam ? 1 : 0).ToArray();
int[] trainIds, testIds;
using (var positions = backend.FromIndices([.. Enumerable.Range(0, emails.Length).Select(i => (long)i)], emails.Length))
using (var all = new Dataset(positions, positions, labels))
{
    var (train, test) = all.StratifiedSplit(0.2, Key.FromSeed(2026));
    (trainIds, testIds) = ([.. train.Inputs.ToIndexArray().Select(i => (int)i)], [.. test.Inputs.ToIndexArray().Select(i => (int)i)]);
    train.Dispose();
    test.Dispose();
}

if (quick)
{
    // A random fifth of each side (the split's class proportions, up to sampling): enough for a smoke run in seconds.
    trainIds = [.. Key.FromSeed(7).Permutation(trainIds.Length).Take(800).Select(i => trainIds[i])];
    testIds = [.. Key.FromSeed(8).Permutation(testIds.Length).Take(200).Select(i => testIds[i])];
}

var trainEmails = trainIds.Select(i => emails[i]).ToArray();
var testEmails = testIds.Select(i => emails[i]).ToArray();
var lengths = emails.Select(e => e.Tokens.Length).Order().ToArray();
Console.WriteLine($"SpamAssassin: {emails.Length:N0} e-mails ({labels.Sum():N0} spam), Subject + body tokens cut to {maxTokens} (median {lengths[lengths.Length / 2]}, {lengths.Count(l => l == maxTokens) * 100.0 / lengths.Length:F0}% cut)");
Console.WriteLine($"split (stratified, key 2026): {trainEmails.Length:N0} to train ({trainEmails.Count(e => e.Spam):N0} spam), {testEmails.Length:N0} held out ({testEmails.Count(e => e.Spam):N0} spam){(quick ? ", subsampled for --quick" : "")}");
var ids = new TokenIds(trainEmails.Select(e => e.Tokens), vocabularyCap);
Console.WriteLine($"vocabulary: {ids.Count:N0} rows (padding, unknown and the training split's {ids.Count - 2:N0} most frequent words seen twice or more)");

// word2vec on Brown, mapped onto the vocabulary.
PretrainedVectors brown;
if (Text("--vectors") is { } vectorsPath)
{
    brown = PretrainedVectors.Load(vectorsPath);
    Console.WriteLine($"word2vec: loaded {brown.Words.Count:N0} vectors of dim {brown.Dimension} from {vectorsPath}");
}
else
{
    var brownPath = Path.Combine(data, "brown", "brown-tagged.txt.gz");
    // One libtorch thread for word2vec's many small sparse steps, as examples/Word2Vec measured (2 spinning threads took 4.5× as long at load ~20).
    TorchBackend.Threads = 1;
    brown = BrownVectors.Train(brownPath, Dimension, word2vecEpochs, quick ? 4000 : null, backend);
    var saved = Path.Combine(root, "examples", "TextClassification", "out", quick ? "brown-vectors-quick.txt" : "brown-vectors.txt");
    brown.Save(saved);
    Console.WriteLine($"word2vec: saved to {Path.GetRelativePath(Environment.CurrentDirectory, saved)} (--vectors reuses it)");
    if (args.Contains("--word2vec-only"))
    {
        return 0;
    }
}

TorchBackend.Threads = threads;

if (brown.Dimension != Dimension)
{
    throw new InvalidOperationException($"TextClassification: the word2vec vectors have dimension {brown.Dimension}, the models expect {Dimension}");
}

var (pretrained, found) = brown.Rows(ids.Rows, Key.FromSeed(11), TokenIds.Padding);
var coveredTokens = trainEmails.SelectMany(e => e.Tokens).Select(ids.Id).Count(id => id != TokenIds.Unknown && found[id]);
var scale = brown.EntryScale;
Console.WriteLine($"word2vec rows: {found.Count(f => f):N0} of {ids.Count:N0} words found in Brown ({coveredTokens * 100.0 / trainEmails.Sum(e => e.Tokens.Length):F1}% of the training tokens), the others drawn from N(0, {scale:F3}²), the vectors' entry scale");

using var trainSequences = new Dataset(ids.Sequences(trainEmails, 5, backend), Targets(trainEmails), Labels(trainEmails));
using var testSequences = new Dataset(ids.Sequences(testEmails, 5, backend), Targets(testEmails), Labels(testEmails));
using var trainShort = new Dataset(ids.Sequences(Cut(trainEmails), 1, backend), Targets(trainEmails), Labels(trainEmails));
using var testShort = new Dataset(ids.Sequences(Cut(testEmails), 1, backend), Targets(testEmails), Labels(testEmails));
using var trainBags = new Dataset(ids.Bags(trainEmails, backend), Targets(trainEmails), Labels(trainEmails));
using var testBags = new Dataset(ids.Bags(testEmails, backend), Targets(testEmails), Labels(testEmails));

var outcomes = new List<Outcome>();
var only = Text("--only");   // run only the CNN/LSTM variants whose name contains it (the baseline always runs)
bool Chosen(string name) => only is null || name.Contains(only, StringComparison.OrdinalIgnoreCase);
void Report(Outcome o)
{
    outcomes.Add(o);
    Console.WriteLine($"{o.Name}: test accuracy: {100 * o.Accuracy:F2}% (spam F1 {o.SpamF1:F4}, {o.Errors} errors of {o.Count}, {o.Seconds:F1} s, {o.Trained:N0} of {o.Parameters:N0} parameters trained)");
}

var batch = 64;
Report(Experiment.Run("bag-of-words logistic regression", new BagOfWords(ids.Count), false, trainBags, testBags, epochs, batch, 1e-2, plainEvery, Model(1), Curve("bag-of-words")));

// Embeddings: random at the word2vec vectors' own entry scale (so that only what the rows hold differs), or word2vec.
Embedding Table(bool word2vec) => new(ids.Count, Dimension, TokenIds.Padding,
    weightInit: word2vec ? new TableInitializer(pretrained, "word2vec on Brown") : Initializer.Normal(0, scale));
var filters = quick ? 16 : 100;
var hidden = quick ? 16 : 64;
var variants = new (string Name, bool Word2Vec, bool Frozen)[]
{
    ("random, frozen", false, true), ("random, fine-tuned", false, false), ("word2vec, frozen", true, true), ("word2vec, fine-tuned", true, false),
};
foreach (var (variant, word2vec, frozen) in variants)
{
    if (Chosen($"CNN ({variant})"))
    {
        Report(Experiment.Run($"CNN ({variant})", new KimCnn(Table(word2vec), [3, 4, 5], filters, 0.5), frozen, trainSequences, testSequences, epochs, batch, 2e-3, plainEvery, Model(2), Curve($"cnn-{variant}")));
    }
}

foreach (var (variant, word2vec, frozen) in variants)
{
    if (Chosen($"LSTM ({variant})"))
    {
        Report(Experiment.Run($"LSTM ({variant})", new LstmClassifier(Table(word2vec), hidden, 0.5), frozen, trainShort, testShort, epochs, batch, 3e-3, plainEvery, Model(3), Curve($"lstm-{variant}")));
    }
}

var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
Console.WriteLine();
Console.WriteLine($"| model | test accuracy | spam F1 | errors of {testEmails.Length} | seconds |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
foreach (var o in outcomes)
{
    Console.WriteLine($"| {o.Name} | {100 * o.Accuracy:F2}% | {o.SpamF1:F4} | {o.Errors} | {o.Seconds:F0} |");
}

var baseline = outcomes[0];
var best = outcomes.Skip(1).MaxBy(o => o.Accuracy) ?? baseline;
Console.WriteLine($"what pretraining buys (word2vec − random, accuracy points): " + string.Join("; ", new[] { "CNN", "LSTM" }.SelectMany(m => new[] { "frozen", "fine-tuned" }
    .Where(v => Chosen($"{m} (word2vec, {v})") && Chosen($"{m} (random, {v})"))
    .Select(v => $"{m} {v} {100 * (Find($"{m} (word2vec, {v})").Accuracy - Find($"{m} (random, {v})").Accuracy):+0.00;-0.00}"))));
Console.WriteLine($"best: {best.Name} {100 * best.Accuracy:F2}% against the bag of words' {100 * baseline.Accuracy:F2}%: the bar (≥ 98.5% and above the baseline) is {(best.Accuracy >= 0.985 && best.Accuracy > baseline.Accuracy ? "met" : "not met")}{(quick ? " (--quick is a smoke run of 13 steps a model: the bar is for the full run)" : "")}");
Console.WriteLine($"wall time: {total.Elapsed.TotalSeconds:F0} s, {TorchBackend.Threads} libtorch thread(s), load average {load}");
return outcomes.All(o => double.IsFinite(o.SpamF1) && o.Accuracy > 0.5) ? 0 : 1;

// Training curves (loss and accuracy per epoch) as PNG, one a model.
string Curve(string stem) => Path.Combine(root, "examples", "TextClassification", "out", $"{stem.Replace(", ", "-", StringComparison.Ordinal)}{(quick ? "-quick" : "")}.png");
Key Model(int stream) => seed == 0 ? Key.FromSeed(stream) : Key.FromSeed(stream).Fold(seed);
Outcome Find(string name) => outcomes.Single(o => o.Name == name);
Tensor Targets(Email[] set) => backend.FromIndices([.. set.Select(e => e.Spam ? 1L : 0L)], set.Length);
Email[] Cut(Email[] set) => [.. set.Select(e => e with { Tokens = e.Tokens[..Math.Min(e.Tokens.Length, lstmTokens)] })];
int[] Labels(Email[] set) => [.. set.Select(e => e.Spam ? 1 : 0)];
