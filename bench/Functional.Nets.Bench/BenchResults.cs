using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functional.Nets.Bench;

/// <summary>Everything one run measured, and its JSON form (<c>bench/results/latest.json</c>).</summary>
public sealed class BenchResults
{
    /// <summary>The settings the run used.</summary>
    public required BenchSettings Settings { get; init; }

    /// <summary>libtorch's intra-op threads during the run.</summary>
    public required int TorchThreads { get; init; }

    /// <summary>Load averages when the run started and ended.</summary>
    public required (string Start, string End) Load { get; set; }

    /// <summary>(a) steps per second, ours and TorchSharp's, and the ratio; the largest parameter difference after 10 steps.</summary>
    public MlpResult? Mlp { get; set; }

    /// <summary>(a) again with pure steps (no donation): every step allocates its new state.</summary>
    public MlpResult? MlpPure { get; set; }

    /// <summary>(b) optimizer steps per second, ours and torch.optim's, and the ratio.</summary>
    public (Spread Ours, Spread Theirs, Spread Ratio, int Leaves)? OptimizerStep { get; set; }

    /// <summary>(b) the same for AdamW against <c>torch.optim.AdamW</c>.</summary>
    public (Spread Ours, Spread Theirs, Spread Ratio, int Leaves)? AdamWStep { get; set; }

    /// <summary>(c) GFLOP/s by width.</summary>
    public DenseResult? Dense { get; set; }

    /// <summary>(m) Convolution forward+backward GFLOP/s, Reference vs libtorch float64 (no bar).</summary>
    public ConvResult? Conv { get; set; }

    /// <summary>(d) seconds per fast gradient check by backend.</summary>
    public (Dictionary<string, Spread> Seconds, Dictionary<string, bool> Passed, long Parameters)? GradCheck { get; set; }

    /// <summary>(e) the soaks.</summary>
    public IReadOnlyList<SoakResult>? Soaks { get; set; }

    /// <summary>(f) a training step with the first two layers frozen against the full step.</summary>
    public FreezingResult? Freezing { get; set; }

    /// <summary>(g) an LSTM training step against TorchSharp's nn.LSTM.</summary>
    public LstmResult? Lstm { get; set; }

    /// <summary>(h) The CNN training step vs TorchSharp, if run.</summary>
    public CnnResult? Cnn { get; set; }

    /// <summary>(i) the MLP step vs TorchSharp by (hidden width, batch size).</summary>
    public Dictionary<(int Width, int Batch), MlpResult>? Sweep { get; set; }

    /// <summary>(j) steps/s with host-drawn dropout masks over steps/s with masks precomputed on the device (MNIST MLP, CNN).</summary>
    public ((Spread Ratio, Spread Share) Mlp, (Spread Ratio, Spread Share) Cnn)? Randomness { get; set; }
    /// <summary>(k) A sparse embedding step against the dense one, if run.</summary>
    public SparseEmbeddingResult? SparseEmbedding { get; set; }

    /// <summary>(l) word2vec throughput and probe against gensim, if run.</summary>
    public Word2VecResult? Word2Vec { get; set; }

    /// <summary>Total wall time of the run.</summary>
    public double Seconds { get; set; }

    /// <summary>The bars of issue 7, each with whether this run met it (absent when not measured).</summary>
    public IEnumerable<(string Bar, double Value, bool Met)> Bars()
    {
        if (Mlp is { } m)
        {
            yield return ("mlp_step_ratio_vs_torchsharp ≥ 1.0", m.Ratio.Median, m.Ratio.Median >= 1.0);
        }

        if (OptimizerStep is { } o)
        {
            yield return ("optimizer_step_ratio_vs_torch_optim ≥ 3.0", o.Ratio.Median, o.Ratio.Median >= 3.0);
        }

        if (AdamWStep is { } w)
        {
            yield return ("adamw_step_ratio_vs_torch_optim ≥ 3.0", w.Ratio.Median, w.Ratio.Median >= 3.0);
        }

        if (Freezing is { } f)
        {
            yield return ("frozen_step_time_ratio < 1.0", f.TimeRatio.Median, f.TimeRatio.Median < 1.0 && f.FrozenUntouched);
        }

        if (Lstm is { } lstm)
        {
            yield return ("lstm_step_ratio_vs_torchsharp ≥ 1.0", lstm.Ratio.Median, lstm.Ratio.Median >= 1.0);
        }

        if (Cnn is { } cnn)
        {
            yield return ("cnn_step_ratio_vs_torchsharp ≥ 1.0", cnn.Ratio.Median, cnn.Ratio.Median >= 1.0);
        }

        if (Dense is { } dense && dense.Ratio.TryGetValue(256, out var dense256))
        {
            yield return ("reference_dense_ratio_w256 ≥ 0.25", dense256.Median, dense256.Median >= 0.25);
        }

        if (Sweep is { Count: > 0 } sweep)
        {
            var worstPoint = sweep.MinBy(p => p.Value.Ratio.Median);
            yield return ($"sweep_ratio (every point) ≥ 1.0 (worst w{worstPoint.Key.Width}/b{worstPoint.Key.Batch})", worstPoint.Value.Ratio.Median, worstPoint.Value.Ratio.Median >= 1.0);
            if (sweep.TryGetValue((32, 8), out var small))
            {
                yield return ("sweep_ratio_w32_b8 ≥ 1.3", small.Ratio.Median, small.Ratio.Median >= 1.3);
            }
        }

        if (SparseEmbedding is { } sparse)
        {
            yield return ("sparse_embedding_adam_speedup_vs_dense ≥ 5", sparse.AdamRatio.Median, sparse.AdamRatio.Median >= 5);
        }

        if (Word2Vec is { } w2v)
        {
            yield return ("word2vec_throughput_ratio_vs_gensim ≥ 0.5", w2v.Ratio ?? double.NaN, w2v.Ratio >= 0.5);
            yield return ("word2vec_tag_probe ≥ 0.55", w2v.OurProbe.Accuracy, w2v.OurProbe.Accuracy >= 0.55);
            var gap = w2v.GensimProbe is { } gp ? gp.Accuracy - w2v.OurProbe.Accuracy : double.NaN;
            yield return ("word2vec_tag_probe_gap_vs_gensim ≤ 0.015", gap, gap <= 0.015);
        }

        if (Soaks is { Count: > 0 } s)
        {
            var worst = s.Max(x => x.GrowthPercent);
            yield return ("soak_rss_growth_percent < 5", worst, worst < 5);
        }
    }

    /// <summary>The JSON document: the keys at the top, details beside them.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["mode"] = Settings.Name,
            ["finished_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            ["machine"] = new JsonObject
            {
                ["processor_count"] = Environment.ProcessorCount,
                ["torch_threads"] = TorchThreads,
                ["load_average_start"] = Load.Start,
                ["load_average_end"] = Load.End,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["dotnet"] = Environment.Version.ToString(),
            },
        };
        if (Mlp is { } m)
        {
            root["mlp_step_ratio_vs_torchsharp"] = m.Ratio.Median;
            root["mlp_step_ratio_spread"] = Node(m.Ratio);
            root["mlp_steps_per_second"] = new JsonObject { ["functional_nets"] = Node(m.Ours), ["torchsharp"] = Node(m.Theirs) };
            root["mlp_max_parameter_difference_after_10_steps"] = m.MaxParameterDifference;
            root["mlp_minor_page_faults_per_step"] = new JsonObject { ["functional_nets"] = m.OurFaults, ["torchsharp"] = m.TheirFaults };
        }

        if (MlpPure is { } pure)
        {
            root["mlp_step_ratio_pure_vs_torchsharp"] = pure.Ratio.Median;
            root["mlp_step_ratio_pure_spread"] = Node(pure.Ratio);
            root["mlp_steps_per_second_pure"] = new JsonObject { ["functional_nets"] = Node(pure.Ours), ["torchsharp"] = Node(pure.Theirs) };
            root["mlp_minor_page_faults_per_step_pure"] = new JsonObject { ["functional_nets"] = pure.OurFaults, ["torchsharp"] = pure.TheirFaults };
        }

        if (OptimizerStep is { } o)
        {
            root["optimizer_step_ratio_vs_torch_optim"] = o.Ratio.Median;
            root["optimizer_step_ratio_spread"] = Node(o.Ratio);
            root["optimizer_steps_per_second"] = new JsonObject { ["functional_nets"] = Node(o.Ours), ["torch_optim"] = Node(o.Theirs) };
            root["optimizer_leaves"] = o.Leaves;
        }

        if (AdamWStep is { } aw)
        {
            root["adamw_step_ratio_vs_torch_optim"] = aw.Ratio.Median;
            root["adamw_step_ratio_spread"] = Node(aw.Ratio);
            root["adamw_steps_per_second"] = new JsonObject { ["functional_nets"] = Node(aw.Ours), ["torch_optim"] = Node(aw.Theirs) };
        }

        if (Conv is { } conv)
        {
            foreach (var (c, r) in conv.Ratio)
            {
                root[$"reference_conv_ratio_c{c}"] = r.Median;
            }

            root["reference_conv_gflops"] = new JsonObject(conv.Reference.Select(p => KeyValuePair.Create($"c{p.Key}", (JsonNode?)new JsonObject
            {
                ["reference"] = Node(p.Value),
                ["libtorch"] = Node(conv.Torch[p.Key]),
            })));
        }

        if (Dense is { } d)
        {
            root["reference_dense_gflops"] = ByKey(d.Reference, s => s.Median);
            root["torch_dense_gflops"] = ByKey(d.Torch, s => s.Median);
            root["reference_dense_gflops_spread"] = ByKey(d.Reference, Node);
            root["torch_dense_gflops_spread"] = ByKey(d.Torch, Node);
            foreach (var (w, ratio) in d.Ratio)
            {
                root[$"reference_dense_ratio_w{w}"] = ratio.Median;
                root[$"reference_dense_ratio_w{w}_spread"] = Node(ratio);
                root[$"reference_dense_ratio_w{w}_one_thread"] = d.RatioOneThread[w].Median;
            }

            root["reference_dense_gflops_one_thread"] = ByKey(d.ReferenceOneThread, s => s.Median);
            root["reference_threads"] = MathNet.Numerics.Control.MaxDegreeOfParallelism;
        }

        if (GradCheck is { } g)
        {
            root["gradcheck_fast_seconds"] = ByKey(g.Seconds, s => s.Median);
            root["gradcheck_fast_seconds_spread"] = ByKey(g.Seconds, Node);
            root["gradcheck_fast_passed"] = ByKey(g.Passed, p => p);
            root["gradcheck_parameters"] = g.Parameters;
        }

        if (Soaks is { Count: > 0 } soaks)
        {
            root["soak_rss_growth_percent"] = soaks.Max(s => s.GrowthPercent);
            var detail = new JsonObject();
            foreach (var s in soaks)
            {
                detail[s.Loop] = new JsonObject
                {
                    ["steps"] = s.Steps,
                    ["growth_percent"] = s.GrowthPercent,
                    ["seconds"] = s.Seconds,
                    ["rss_mib_by_step"] = new JsonObject(s.Samples.Select(x => KeyValuePair.Create(x.Step.ToString(CultureInfo.InvariantCulture), (JsonNode?)Math.Round(x.Megabytes, 1)))),
                    ["managed_committed_mib_by_step"] = new JsonObject(s.Samples.Select(x => KeyValuePair.Create(x.Step.ToString(CultureInfo.InvariantCulture), (JsonNode?)Math.Round(x.ManagedMegabytes, 1)))),
                };
            }

            root["soak"] = detail;
        }

        if (Freezing is { } f)
        {
            root["frozen_step_time_ratio"] = f.TimeRatio.Median;
            root["frozen_step_time_ratio_spread"] = Node(f.TimeRatio);
            root["frozen_steps_per_second"] = new JsonObject { ["frozen"] = Node(f.Frozen), ["full"] = Node(f.Full) };
            root["frozen_trainable_parameters"] = f.TrainableParameters;
            root["frozen_model_parameters"] = f.Parameters;
            root["frozen_leaves_untouched"] = f.FrozenUntouched;
        }

        if (Lstm is { } lstm)
        {
            root["lstm_step_ratio_vs_torchsharp"] = lstm.Ratio.Median;
            root["lstm_step_ratio_spread"] = Node(lstm.Ratio);
            root["lstm_steps_per_second"] = new JsonObject { ["ours"] = Node(lstm.Ours), ["torchsharp"] = Node(lstm.Theirs) };
            root["lstm_max_parameter_difference"] = lstm.MaxParameterDifference;
            root["lstm_minor_page_faults_per_step"] = new JsonObject { ["functional_nets"] = lstm.OurFaults, ["torchsharp"] = lstm.TheirFaults };
        }

        if (Cnn is { } cnn)
        {
            root["cnn_step_ratio_vs_torchsharp"] = cnn.Ratio.Median;
            root["cnn_step_ratio_spread"] = Node(cnn.Ratio);
            root["cnn_steps_per_second"] = new JsonObject { ["ours"] = Node(cnn.Ours), ["torchsharp"] = Node(cnn.Theirs) };
            root["cnn_max_initial_logit_difference"] = cnn.MaxLogitDifference;
        }

        if (Sweep is { } sw)
        {
            foreach (var ((w, b), r) in sw)
            {
                root[$"sweep_ratio_w{w}_b{b}"] = r.Ratio.Median;
            }

            root["sweep_detail"] = new JsonObject(sw.Select(p => KeyValuePair.Create($"w{p.Key.Width}_b{p.Key.Batch}", (JsonNode?)new JsonObject
            {
                ["ratio"] = Node(p.Value.Ratio),
                ["steps_per_second"] = new JsonObject { ["functional_nets"] = Node(p.Value.Ours), ["torchsharp"] = Node(p.Value.Theirs) },
                ["max_parameter_difference_after_10_steps"] = p.Value.MaxParameterDifference,
            })));
        }

        if (Randomness is { } rnd)
        {
            root["host_dropout_masks_step_ratio_mlp"] = rnd.Mlp.Ratio.Median;
            root["host_dropout_masks_step_ratio_cnn"] = rnd.Cnn.Ratio.Median;
            root["host_dropout_masks_step_ratio_spread"] = new JsonObject { ["mlp"] = Node(rnd.Mlp.Ratio), ["cnn"] = Node(rnd.Cnn.Ratio) };
            root["host_dropout_masks_share_of_step_mlp"] = rnd.Mlp.Share.Median;
            root["host_dropout_masks_share_of_step_cnn"] = rnd.Cnn.Share.Median;
        }

        if (SparseEmbedding is { } sparse)
        {
            root["sparse_embedding_sgd_speedup_vs_dense"] = sparse.SgdRatio.Median;
            root["sparse_embedding_adam_speedup_vs_dense"] = sparse.AdamRatio.Median;
            root["sparse_embedding_speedup_spread"] = new JsonObject { ["sgd"] = Node(sparse.SgdRatio), ["adam"] = Node(sparse.AdamRatio) };
            root["sparse_embedding_steps_per_second"] = new JsonObject
            {
                ["sparse_sgd"] = Node(sparse.SparseSgd), ["dense_sgd"] = Node(sparse.DenseSgd), ["sparse_adam"] = Node(sparse.SparseAdam), ["dense_adam"] = Node(sparse.DenseAdam),
            };
            root["sparse_embedding_distinct_rows_per_batch"] = sparse.DistinctRows;
        }

        if (Word2Vec is { } w2v)
        {
            root["word2vec_throughput_ratio_vs_gensim"] = w2v.Ratio;
            root["word2vec_words_per_second"] = new JsonObject { ["functional_nets"] = w2v.OursWordsPerSecond, ["gensim"] = w2v.GensimWordsPerSecond };
            root["word2vec_tag_probe_accuracy"] = new JsonObject { ["functional_nets"] = w2v.OurProbe.Accuracy, ["gensim"] = w2v.GensimProbe?.Accuracy };
            root["word2vec_tag_probe_majority_rate"] = w2v.OurProbe.MajorityRate;
            root["word2vec_epochs"] = w2v.Epochs;
            root["word2vec_torch_threads"] = w2v.Threads;
            root["word2vec_gensim"] = w2v.GensimNote;
        }

        root["torchsharp_scalar_race_retries"] = TorchSharpScalarRace.Retries;
        root["bars"] = new JsonObject(Bars().Select(b => KeyValuePair.Create(b.Bar, (JsonNode?)b.Met)));
        root["seconds"] = Seconds;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static JsonObject Node(Spread s) => new() { ["min"] = s.Min, ["median"] = s.Median, ["max"] = s.Max };

    private static JsonObject ByKey<TKey, TValue>(Dictionary<TKey, TValue> values, Func<TValue, JsonNode?> f)
        where TKey : notnull =>
        new(values.Select(kv => KeyValuePair.Create(Convert.ToString(kv.Key, CultureInfo.InvariantCulture)!, f(kv.Value))));
}
