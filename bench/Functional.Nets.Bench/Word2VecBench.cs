using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Functional.Nets.Torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (j) word2vec training throughput on the Brown corpus against gensim 4.2 in the same run: skip-gram, dimension 100,
/// window 5, 5 negatives, min count 5, subsampling 1e-3, lower-cased words, tags stripped; ours on Torch float32 tables
/// with <see cref="SkipGram.SequentialStep"/> (word2vec's order, triple by triple, the hand-written kernel on the tables'
/// memory) over the sampler's batches of <see cref="Batch"/> triples, drawn on a second thread
/// (<see cref="Prefetching.Prefetch{T}"/>): two threads, as gensim's 2 workers (Debian's <c>python3-gensim</c> run by
/// <c>/usr/bin/python3</c>). Words per second = corpus tokens × epochs / training seconds (vocabulary building excluded
/// on both sides). Both sets of vectors go through the same <see cref="TagProbe"/>. 5 epochs (the issue's setting) in
/// every mode: the whole run takes well under a minute.
/// </summary>
public static class Word2VecBench
{
    /// <summary>Triples per step.</summary>
    public const int Batch = 512;

    /// <summary>The Python interpreter that has Debian's gensim (not a pyenv one on PATH).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Trains both and probes both.</summary>
    public static Word2VecResult Run(string brown)
    {
        const int epochs = 5;
        var corpus = BrownCorpus.Load(brown);
        var tags = corpus.MajorityTags();
        var tokens = corpus.Tokens;

        // gensim first (its own process, 2 workers), so our process is not holding memory it would page against.
        var (gensimSeconds, gensimProbe, gensimNote) = Gensim(brown, epochs, tags);

        var vocabulary = Vocabulary.Build(corpus.Sentences, 5);
        var ids = vocabulary.Encode(corpus.Sentences);
        var sampler = new SkipGramSampler(vocabulary, window: 5, negatives: 5, sample: 1e-3);
        var model = new SkipGram(vocabulary.Count, 100);
        var backend = TorchBackend.CpuFloat32;
        var tables = model.Init(Key.FromSeed(1), backend);
        var clock = Stopwatch.StartNew();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var batch in sampler.Epoch(ids, Key.FromSeed(100 + epoch), Batch, epoch, epochs, tokens).Prefetch())
            {
                using var scope = backend.Scope();
                var (next, _) = model.SequentialStep(tables, batch, SkipGram.LearningRate(0.025, batch.Progress), donate: true);
                tables = scope.Keep(next);
            }
        }

        var ourSeconds = clock.Elapsed.TotalSeconds;
        var ourProbe = TagProbe.Run(WordVectors.FromTable(vocabulary, tables[SkipGram.Input]), tags, Key.FromSeed(2026));
        tables.Dispose();
        var ours = tokens * epochs / ourSeconds;
        var theirs = gensimSeconds is { } s ? tokens * epochs / s : (double?)null;
        return new Word2VecResult(epochs, ours, theirs, theirs is { } t ? ours / t : null, ourProbe, gensimProbe, gensimNote, TorchBackend.Threads);
    }

    private static (double? Seconds, TagProbe.Result? Probe, string Note) Gensim(string brown, int epochs, IReadOnlyDictionary<string, (string Tag, int Occurrences)> tags)
    {
        if (!File.Exists(Python))
        {
            return (null, null, $"gensim not run: {Python} is missing (install Debian's python3-gensim)");
        }

        var dir = Directory.CreateTempSubdirectory("fnets-w2v-");
        try
        {
            var script = Path.Combine(dir.FullName, "gensim_w2v.py");
            var vectors = Path.Combine(dir.FullName, "vectors.txt");
            File.WriteAllText(script, Script);
            var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { script, brown, vectors, epochs.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(a);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var err = stderr.Result.Trim().Split('\n').LastOrDefault() ?? "";
                return (null, null, err.Contains("No module named 'gensim'", StringComparison.Ordinal)
                    ? $"gensim not run: {Python} has no gensim module (install Debian's python3-gensim)"
                    : $"gensim failed (exit {process.ExitCode}): {err}");
            }

            var report = JsonNode.Parse(stdout.Result.Trim().Split('\n')[^1])!;
            var seconds = report["train_seconds"]!.GetValue<double>();
            var lines = File.ReadAllLines(vectors);
            var words = new List<string>();
            var values = new List<double>();
            var dim = 0;
            foreach (var line in lines)
            {
                var parts = line.Split(' ');
                words.Add(parts[0]);
                dim = parts.Length - 1;
                values.AddRange(parts.Skip(1).Select(p => double.Parse(p, CultureInfo.InvariantCulture)));
            }

            var probe = TagProbe.Run(new WordVectors(words, values.ToArray(), dim), tags, Key.FromSeed(2026));
            return (seconds, probe, $"gensim {report["version"]}, {report["workers"]} workers, {words.Count} words");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // Reads the corpus as BrownCorpus does (gzip, FILEID<TAB>word/tag ..., the part before the last '/' lower-cased).
    private const string Script = """
        import gzip, json, sys, time
        import gensim
        from gensim.models import Word2Vec
        path, out, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
        sentences = []
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                body = line.split("\t", 1)[1]
                sentences.append([tok.rsplit("/", 1)[0].lower() for tok in body.split(" ") if tok])
        model = Word2Vec(vector_size=100, window=5, negative=5, min_count=5, sg=1, sample=1e-3, workers=2, seed=1)
        model.build_vocab(sentences)
        start = time.perf_counter()
        model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
        seconds = time.perf_counter() - start
        with open(out, "w", encoding="utf-8") as f:
            for w in model.wv.index_to_key:
                f.write(w + " " + " ".join(repr(float(x)) for x in model.wv[w]) + "\n")
        print(json.dumps({"train_seconds": seconds, "version": gensim.__version__, "workers": 2, "words": len(model.wv.index_to_key)}))
        """;
}

/// <summary>What (j) measured.</summary>
/// <param name="Epochs">Epochs each side trained.</param>
/// <param name="OursWordsPerSecond">Our training words per second.</param>
/// <param name="GensimWordsPerSecond">gensim's, if it ran.</param>
/// <param name="Ratio">Ours / gensim's.</param>
/// <param name="OurProbe">The tag probe of our vectors.</param>
/// <param name="GensimProbe">The tag probe of gensim's vectors, if it ran.</param>
/// <param name="GensimNote">How gensim ran, or why it did not.</param>
/// <param name="Threads">libtorch threads during our training.</param>
public sealed record Word2VecResult(
    int Epochs, double OursWordsPerSecond, double? GensimWordsPerSecond, double? Ratio, TagProbe.Result OurProbe, TagProbe.Result? GensimProbe, string GensimNote, int Threads);
