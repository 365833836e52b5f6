namespace Functional.Nets.FSharp

open Functional.Nets

/// word2vec's skip-gram with negative sampling (Functional.Nets.SkipGram and its sampler), curried for pipelines.
[<RequireQualifiedAccess>]
module Word2Vec =

    /// The corpus's words seen at least `minCount` times, most frequent first.
    let vocabulary (minCount: int) (sentences: seq<string[]>) : Vocabulary =
        Vocabulary.Build(sentences |> Seq.map (fun s -> s :> System.Collections.Generic.IReadOnlyList<string>), minCount)

    /// The sentences as word ids of `vocabulary` (words below the minimum count dropped).
    let encode (vocabulary: Vocabulary) (sentences: seq<string[]>) : int[][] =
        vocabulary.Encode(sentences |> Seq.map (fun s -> s :> System.Collections.Generic.IReadOnlyList<string>))

    /// The minibatches of (centre, context, noise) triples of epoch `epoch` of `epochs`, drawn from `key`.
    let epoch (sampler: SkipGramSampler) (key: Key) (batchSize: int) (epoch: int) (epochs: int) (corpusWords: int64) (ids: int[][]) : seq<SkipGramBatch> =
        sampler.Epoch(ids, key, batchSize, epoch, epochs, System.Nullable corpusWords)

    /// word2vec's linearly decaying rate: `start`·(1 − progress), at least `start`·10⁻⁴.
    let rate (start: float) (batch: SkipGramBatch) : float = SkipGram.LearningRate(start, batch.Progress)

    /// One sparse SGD step on the rows `batch` touches: the new tables and the batch's summed loss. With `donate`, the
    /// tables are updated in place (the same tensors come back).
    let step (model: SkipGram) (rate: float) (donate: bool) (batch: SkipGramBatch) (tables: TensorTree) : TensorTree * float =
        let struct (next, loss) = model.Step(tables, batch, rate, donate)
        next, loss

    /// word2vec's order: the triples of `batch` one after another, each an SGD step on its own objective at the tables
    /// the previous ones left (the hand-written kernel on Torch CPU tables); the new tables and the summed loss. With
    /// `donate`, in place.
    let sequentialStep (model: SkipGram) (rate: float) (donate: bool) (batch: SkipGramBatch) (tables: TensorTree) : TensorTree * float =
        let struct (next, loss) = model.SequentialStep(tables, batch, rate, donate)
        next, loss

    /// The items of `batches` (host data, such as the sampler's batches) produced on a second thread, at most `depth`
    /// ahead of their use, in the same order.
    let prefetch (depth: int) (batches: seq<'T>) : seq<'T> = Prefetching.Prefetch(batches, depth)

    /// The `count` nearest words to `word` by cosine, nearest first.
    let nearest (count: int) (word: string) (vectors: WordVectors) : (string * float) list =
        [ for struct (w, c) in vectors.Nearest(word, count) -> w, c ]

    /// Whether `word` has a vector.
    let contains (word: string) (vectors: WordVectors) : bool = fst (vectors.TryGetId word)
