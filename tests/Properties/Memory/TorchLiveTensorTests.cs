using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.Memory;

/// <summary>
/// Issue 7: hundreds of training steps, gradient evaluations and optimizer steps on the Torch backend leave the thread's
/// live-tensor count (<c>DisposeScopeManager.Statistics.ThreadTotalLiveCount</c>) exactly where it was once their
/// results are released, as <see cref="Trainer.Fit"/> and a hand-written loop with <see cref="TrainState.ReleaseUnshared"/>
/// release them. Packed trees (leaves slicing one flat buffer) are counted like any tensors: the buffer, and each leaf's
/// view once made. A count, not a timing; the benchmark's soak measures resident memory.
/// </summary>
public sealed class TorchLiveTensorTests
{
    private const int Steps = 300;

    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Theory]
    [InlineData("adam")]
    [InlineData("frozen first layer")]
    [InlineData("sgd momentum nesterov")]
    public void Trainer_steps_leave_the_live_count_unchanged(string optimizer)
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = Data(backend);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Build(optimizer));
        var initial = trainer.Init(Key.FromSeed(1), backend);
        Run(trainer, initial, data, 5); // warm-up: anything created lazily exists before the count is taken

        var before = Live;
        Run(trainer, initial, data, Steps);
        Assert.Equal(before, Live);

        // The count does see tensors: a step's state that is kept is counted.
        using (var batch = data.Batches(16, null).First())
        {
            var (next, _) = trainer.Step(initial, batch);
            Assert.True(Live > before);
            next.ReleaseUnshared(initial);
        }

        initial.Parameters.Dispose();
        initial.OptimizerState.Dispose();
    }

    /// <summary>
    /// The recurrent layers' fused paths (TorchScript functions of libtorch's lstm, gru and rnn_tanh/rnn_relu, whose
    /// results come back through TorchSharp's invoke) and their step loops, trained with Adam on a sequence regression.
    /// </summary>
    [Theory]
    [InlineData("lstm stack")]
    [InlineData("gru stack, bidirectional")]
    [InlineData("rnn relu stack")]
    [InlineData("scan lstm cell")]
    [InlineData("scan rnn cell")]
    [InlineData("lstm stack, padded (the step loop)")]
    public void Recurrent_training_steps_leave_the_live_count_unchanged(string model)
    {
        var backend = TorchBackend.CpuFloat32;
        const int n = 32, steps = 6, features = 3, hidden = 4;
        Layer layer = model switch
        {
            "lstm stack" => new Lstm(features, hidden, layers: 2),
            "gru stack, bidirectional" => new Sequential(new Gru(features, hidden, layers: 2, bidirectional: true), new Dense(2 * hidden, hidden)),
            "rnn relu stack" => new Rnn(features, hidden, layers: 2, nonlinearity: RnnNonlinearity.ReLU),
            "scan lstm cell" => new Scan(new LstmCell(features, hidden)),
            "scan rnn cell" => new Scan(new RnnCell(features, hidden)),
            _ => new PaddedLstm(new Lstm(features, hidden, layers: 2), [.. Enumerable.Range(0, 16).Select(i => 1 + (i % steps))]),
        };
        var x = backend.FromArray(Key.FromSeed(11).Normal(n * steps * features), n, steps, features);
        var y = backend.FromArray(Key.FromSeed(12).Uniform(n * steps * hidden, -0.5, 0.5), n, steps, hidden);
        using var data = new Dataset(x, y);
        var trainer = new Trainer(layer, Losses.MeanSquaredError, Optim.Adam(1e-2));
        var initial = trainer.Init(Key.FromSeed(13), backend);
        Run(trainer, initial, data, 5);

        var before = Live;
        Run(trainer, initial, data, 100);
        Assert.Equal(before, Live);
        initial.Parameters.Dispose();
        initial.OptimizerState.Dispose();
    }

    /// <summary>An LSTM over batches of 16 whose sequences have the given lengths, so that the layer runs its step loop.</summary>
    private sealed class PaddedLstm(Lstm lstm, int[] lengths) : Layer
    {
        public override Shape OutputShape(Shape input) => lstm.OutputShape(input);

        public override TensorTree Init(Key key, Backend backend) => lstm.Init(key, backend);

        public override string Describe() => $"{lstm.Describe()} over lengths [{string.Join(", ", lengths)}]";

        public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context) =>
            (lstm.Run(parameters, input, context, lengths).Outputs, state);
    }

    [Fact]
    public void Fit_leaves_the_live_count_unchanged()
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = Data(backend);
        var trainer = new Trainer(Model(), Losses.SoftmaxCrossEntropy, Optim.AdamW(1e-3));
        var initial = trainer.Init(Key.FromSeed(2), backend);
        var options = new FitOptions { Epochs = 2, BatchSize = 16, ReleaseMemoryEvery = 7 };
        Fit(trainer, initial, data, options with { Epochs = 1 });

        var before = Live;
        Fit(trainer, initial, data, options with { Epochs = Steps / (data.Count / 16) });
        Assert.Equal(before, Live);
        initial.Parameters.Dispose();
        initial.OptimizerState.Dispose();
    }

    [Fact]
    public void Value_and_grad_calls_leave_the_live_count_unchanged()
    {
        var backend = TorchBackend.CpuFloat64;
        using var data = Data(backend);
        var model = Model();
        using var parameters = model.Init(Key.FromSeed(3), backend);
        void Evaluate(int times)
        {
            for (var i = 0; i < times; i++)
            {
                var (value, gradients) = Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, data.Inputs), data.Targets), parameters);
                value.Dispose();
                gradients.Dispose();
            }
        }

        Evaluate(3);
        var before = Live;
        Evaluate(Steps);
        Assert.Equal(before, Live);
    }

    public static TheoryData<string> Optimizers => new()
    {
        "adam", "adamw", "adam amsgrad", "adamax", "nadam", "radam", "sgd momentum nesterov", "rmsprop centered momentum", "adagrad", "adadelta", "clip by norm + adam", "frozen first layer",
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Optimizer_steps_leave_the_live_count_unchanged(string name)
    {
        var optimizer = Build(name);
        var backend = TorchBackend.CpuFloat32;
        using var data = Data(backend);
        var model = Model();
        using var parameters = model.Init(Key.FromSeed(4), backend);
        var (value, gradients) = Grad.ValueAndGrad(p => Losses.SoftmaxCrossEntropy(model.Apply(p, data.Inputs), data.Targets), parameters);
        value.Dispose();
        using var state = optimizer.Init(parameters);
        void Steps(int count)
        {
            var (p, s) = (parameters, state);
            for (var i = 0; i < count; i++)
            {
                // As Trainer.Step does: a scope releases the update's intermediates, the new trees are kept.
                using var scope = backend.Scope();
                var (nextP, nextS) = optimizer.Step(gradients, s, p);
                scope.Keep(nextP);
                scope.Keep(nextS);
                Release(p, parameters, nextP);
                Release(s, state, nextS);
                (p, s) = (nextP, nextS);
            }

            Release(p, parameters, parameters);
            Release(s, state, state);
        }

        Steps(3);
        var before = Live;
        Steps(Functional.Nets.Tests.Memory.TorchLiveTensorTests.Steps);
        Assert.Equal(before, Live);
        gradients.Dispose();
    }

    private static Optimizer Build(string name) => name switch
    {
        "adam" => Optim.Adam(1e-3),
        "adamw" => Optim.AdamW(1e-3),
        "adam amsgrad" => Optim.Adam(1e-3, amsgrad: true),
        "adamax" => Optim.Adamax(),
        "nadam" => Optim.NAdam(weightDecay: 1e-4, decoupledWeightDecay: true),
        "radam" => Optim.RAdam(weightDecay: 1e-4),
        "sgd momentum nesterov" => Optim.Sgd(0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4),
        "rmsprop centered momentum" => Optim.RmsProp(1e-2, momentum: 0.9, centered: true),
        "adagrad" => Optim.Adagrad(),
        "adadelta" => Optim.Adadelta(),
        "clip by norm + adam" => Optim.Chain(Optim.ClipByGlobalNorm(1), Optim.Adam(1e-3)),
        _ => Optim.Freeze(Optim.Adam(1e-3), "0"),
    };

    /// <summary>Releases the leaves of <paramref name="old"/> that neither the starting tree nor <paramref name="next"/> holds.</summary>
    private static void Release(TensorTree old, TensorTree start, TensorTree next)
    {
        var kept = new HashSet<Tensor>(start.Values.Concat(next.Values), ReferenceEqualityComparer.Instance);
        foreach (var t in old.Values.Where(t => !kept.Contains(t)))
        {
            t.Dispose();
        }
    }

    private static Sequential Model() => new(new Dense(6, 16), new ReLU(), new Dense(16, 16), new Tanh(), new Dense(16, 3));

    private static Dataset Data(Backend backend)
    {
        const int n = 64;
        var labels = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        var x = backend.FromArray(Key.FromSeed(9).Normal(n * 6), n, 6);
        var t = backend.FromArray(labels.SelectMany(l => Enumerable.Range(0, 3).Select(c => c == l ? 1.0 : 0.0)).ToArray(), n, 3);
        return new Dataset(x, t, labels);
    }

    /// <summary>A hand-written loop of <paramref name="steps"/> steps from <paramref name="initial"/>, releasing every state it made.</summary>
    private static void Run(Trainer trainer, TrainState initial, Dataset data, int steps)
    {
        var state = initial;
        var done = 0;
        for (var epoch = 0; done < steps; epoch++)
        {
            foreach (var batch in data.Batches(16, Key.FromSeed(5).Fold((ulong)epoch)))
            {
                using (batch)
                {
                    var (next, _) = trainer.Step(state, batch);
                    if (!ReferenceEquals(state, initial))
                    {
                        state.ReleaseUnshared(next);
                    }

                    state = next;
                }

                if (++done == steps)
                {
                    break;
                }
            }
        }

        state.ReleaseUnshared(initial);
    }

    private static void Fit(Trainer trainer, TrainState initial, Dataset data, FitOptions options)
    {
        var (final, history) = trainer.Fit(initial, data, options);
        Assert.Equal(options.Epochs, history.Epochs.Count);
        final.ReleaseUnshared(initial);
    }
}
