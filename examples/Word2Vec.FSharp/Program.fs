// examples/Word2Vec in F#: skip-gram with negative sampling on the Brown corpus (../shared/data/brown), words seen 5
// times or more, windows of ±5 with random shrinking, 5 noise words from unigram^¾, subsampling 1e-3, rate 0.025
// decaying linearly; the triples taken one by one in word2vec's order (Word2Vec.sequentialStep, the hand-written
// kernel on the Torch float32 tables' memory), their batches drawn on a second thread (Word2Vec.prefetch). Then the
// nearest neighbours by cosine and the tag probe. --quick: the first 4,000 sentences, 1 epoch (a smoke run, as CI
// runs it); --epochs N (default 5).
open System
open System.Diagnostics
open System.IO
open Functional.Nets
open Functional.Nets.FSharp
open Functional.Nets.Torch

let args = Environment.GetCommandLineArgs() |> Array.skip 1
let quick = args |> Array.contains "--quick"
let option name fallback =
    match args |> Array.tryFindIndex ((=) name) with
    | Some i when i + 1 < args.Length -> int args[i + 1]
    | _ -> fallback

let epochs = option "--epochs" (if quick then 1 else 5)
let batchSize = if quick then 128 else 512
TorchBackend.Threads <- 1 // one libtorch thread: two spinning ones were slower on two shared cores (see the C# example)
let backend = TorchBackend.CpuFloat32

/// The nearest folder holding Functional.sln above the program.
let rec repository (dir: DirectoryInfo | null) =
    match dir with
    | null -> Directory.GetCurrentDirectory()
    | d when File.Exists(Path.Combine(d.FullName, "Functional.sln")) -> d.FullName
    | d -> repository d.Parent

let root = repository (DirectoryInfo AppContext.BaseDirectory)
let corpus = BrownCorpus.Load(Path.Combine(root, "..", "shared", "data", "brown", "brown-tagged.txt.gz"))
let sentences = if quick then corpus.Sentences |> Seq.take 4000 |> Array.ofSeq else Array.ofSeq corpus.Sentences
let tokens = sentences |> Array.sumBy (fun s -> int64 s.Length)
let vocabulary = sentences |> Word2Vec.vocabulary 5
let ids = sentences |> Word2Vec.encode vocabulary
let sampler = SkipGramSampler(vocabulary, window = 5, negatives = 5, sample = 1e-3)
let model = SkipGram(vocabulary.Count, 100)
printfn "Brown corpus: %d sentences, %d tokens, %d words seen 5 times or more" sentences.Length tokens vocabulary.Count

/// One epoch: every batch's triples stepped in order, donated (the tables are updated in place); the mean loss per score.
let trainEpoch (tables: TensorTree) epoch =
    let folder (tables: TensorTree, lossSum, triples) (batch: SkipGramBatch) =
        use scope = backend.Scope()
        let next, loss = tables |> Word2Vec.sequentialStep model (Word2Vec.rate 0.025 batch) true batch
        scope.Keep next, lossSum + loss, triples + int64 batch.Count
    let tables, lossSum, triples =
        ids
        |> Word2Vec.epoch sampler (Key.seed (100 + epoch)) batchSize epoch epochs tokens
        |> Word2Vec.prefetch 4
        |> Seq.fold folder (tables, 0.0, 0L)
    let meanLoss = lossSum / float triples / float (1 + sampler.Negatives)
    printfn "epoch %d/%d: %d triples, mean loss per score %.4f" (epoch + 1) epochs triples meanLoss
    tables, meanLoss

let clock = Stopwatch.StartNew()
let tables, lastLoss =
    [ 0 .. epochs - 1 ] |> List.fold (fun (t, _) e -> trainEpoch t e) (model.Init(Key.seed 1, backend), nan)
let seconds = clock.Elapsed.TotalSeconds

let vectors = WordVectors.FromTable(vocabulary, tables[SkipGram.Input])
for word in [ "monday"; "france"; "said"; "three" ] |> List.filter (fun w -> vectors |> Word2Vec.contains w) do
    let near = vectors |> Word2Vec.nearest 6 word |> List.map (fun (w, c) -> sprintf "%s %.2f" w c)
    printfn "nearest to %-8s: %s" word (String.Join(", ", near))

let probe = TagProbe.Run(vectors, corpus.MajorityTags(), Key.seed 2026)
printfn "tag probe over %d words (%d classes): majority class '%s' %.1f%%" probe.Words probe.Classes probe.MajorityTag (100.0 * probe.MajorityRate)
printfn "tag probe accuracy: %.1f%%" (100.0 * probe.Accuracy)
printfn "training: %s words/s" ((float (tokens * int64 epochs) / seconds).ToString("N0", Globalization.CultureInfo.InvariantCulture))
tables.Dispose()
exit (if Double.IsFinite lastLoss then 0 else 1)
