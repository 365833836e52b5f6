namespace Functional.Nets;

/// <summary>
/// Training as functions: <see cref="Step"/> maps (state, batch) to (state′, metrics) and mutates
/// nothing; <see cref="Evaluate"/> measures a dataset in evaluation mode; <see cref="Fit"/> is a loop
/// of steps with epochs, validation, history and callbacks on top.
/// </summary>
/// <remarks>
/// <para>
/// Memory: each step runs inside the backend's <see cref="TensorScope"/>, so gradients and
/// intermediates are released when it ends; only the new state and the loss survive. <see cref="Fit"/>
/// releases every state it created once the next one exists (never the state you passed in).
/// </para>
/// <para>
/// The trainer is a thin view of <see cref="MultiPartTrainer"/> (<see cref="Core"/>): its state is a one-part
/// <see cref="MultiPartState"/>, its step the supervised objective's, its loop that trainer's <see cref="MultiPartTrainer.Fit"/>.
/// </para>
/// </remarks>
public sealed partial class Trainer
{
    /// <summary>Creates a trainer for <paramref name="model"/> with <paramref name="loss"/> and <paramref name="optimizer"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="loss">The data loss.</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="penalty">An optional penalty on the parameters added to the loss (e.g. λ·L2).</param>
    public Trainer(Layer model, LossFunction loss, Optimizer optimizer, Func<TensorTree, Tensor>? penalty = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        Model = model;
        Loss = loss;
        Optimizer = optimizer;
        Penalty = penalty;
    }

    /// <summary>The model.</summary>
    public Layer Model { get; }

    /// <summary>The data loss.</summary>
    public LossFunction Loss { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The optional parameter penalty.</summary>
    public Func<TensorTree, Tensor>? Penalty { get; }

    /// <summary>
    /// Which parameter leaves are frozen (e.g. <c>TrainPart.Under("0")</c> for child 0 of a <see cref="Sequential"/>); null
    /// when all train. Frozen leaves are constants of the step, so their gradients are never computed (see
    /// <see cref="Grad.ValueAndGradTrainable"/>), they come out of every
    /// step as the same tensors, and the optimizer state holds the trainable leaves only: make it with <see cref="Init"/>
    /// (or <c>Optimizer.Init(parameters.Without(Frozen))</c>). To run a frozen batch norm on its running statistics as
    /// well, wrap it in <see cref="EvalMode"/>.
    /// </summary>
    /// <example><code>
    /// var trainer = new Trainer(new Sequential(new EvalMode(backbone), head), Losses.CrossEntropy, Optim.Adam(1e-3))
    /// {
    ///     Frozen = TrainPart.Under("0"),
    /// };
    /// </code></example>
    public Func<string, bool>? Frozen { get; init; }

    /// <summary>
    /// A fresh training state for this trainer's model and optimizer, as <see cref="TrainState.Create"/> makes it; with
    /// <see cref="Frozen"/> leaves, the optimizer state is that of the trainable leaves only.
    /// </summary>
    public TrainState Init(Key key, Backend backend)
    {
        if (Frozen is null)
        {
            return TrainState.Create(Model, Optimizer, key, backend);
        }

        // The same keys as TrainState.Create, so freezing does not change the initial parameters.
        var (init, run) = key.Split();
        var parameters = Model.Init(init, backend);
        return new TrainState(parameters, Model.InitState(backend), Optimizer.Init(parameters.Without(Frozen)), 0, run);
    }

    /// <summary>
    /// One pure training step: the loss and its gradient at <paramref name="state"/>'s parameters on
    /// <paramref name="batch"/> (training mode, key <see cref="TrainState.StepKey"/>), one optimizer update,
    /// the layers' new state, and the step count plus one.
    /// </summary>
    /// <param name="state">The current state; not modified, still valid afterwards (unless donated).</param>
    /// <param name="batch">The batch.</param>
    /// <param name="requireFiniteLoss">If true, a NaN or infinite loss throws <see cref="NonFiniteException"/> naming the step.</param>
    /// <param name="donate">
    /// If true, <paramref name="state"/> is given up (JAX's buffer donation): the step may write the new parameters and
    /// optimizer state into its buffers, as an imperative optimizer updates in place, instead of allocating new ones.
    /// The values are the same; <paramref name="state"/> must not be used afterwards except to release it with
    /// <see cref="TrainState.ReleaseUnshared"/>. <see cref="Fit"/> donates every state it made itself (never the one
    /// passed in). Measured on the MNIST MLP on Torch: the optimizer's part of a step runs without allocating its
    /// 3 state-sized buffers (see the benchmark's figures in README.md).
    /// </param>
    /// <param name="requireFiniteUpdates">If true, a NaN or infinite gradient or new parameter throws <see cref="NonFiniteException"/> naming the step, the leaf and the element.</param>
    public (TrainState State, StepMetrics Metrics) Step(TrainState state, Batch batch, bool requireFiniteLoss = false, bool donate = false, bool requireFiniteUpdates = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        _ = BackendOf(state);
        var (next, metrics) = Core.Step(AsMultiPart(state), batch, requireFiniteLoss, donate, requireFiniteUpdates);
        return (next.ToTrainState(), metrics);
    }

    /// <summary>Mean loss (and accuracy, with labels) over <paramref name="data"/> in evaluation mode; nothing is updated.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> holds no examples (the mean over none is undefined, not NaN).</exception>
    public StepMetrics Evaluate(TrainState state, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Count == 0)
        {
            throw new ArgumentException($"Evaluate: the dataset is empty (inputs {data.Inputs.Shape}): a mean loss over no examples is undefined", nameof(data));
        }

        var backend = BackendOf(state);
        double total = 0;
        int? correct = data.Labels is null ? null : 0;
        using var batches = data.Batches(batchSize, shuffle: null, LastBatch.Keep).GetEnumerator();
        while (true)
        {
            // The scope opens before the batch is gathered, so the batch is released with the step's intermediates.
            using var scope = backend.Scope();
            if (!batches.MoveNext())
            {
                break;
            }

            var batch = batches.Current;
            var (y, _) = Model.Apply(state.Parameters, state.LayerState, batch.Inputs, Context.Eval);
            total += Loss(y, batch.Targets).Item() * batch.Inputs.Shape[0];
            if (batch.Labels is { } labels)
            {
                correct += Metrics.CountCorrect(y, labels);
            }
        }

        return new StepMetrics(total / data.Count, correct, data.Count);
    }

    /// <summary>The name of the one part a trainer's state is, seen as a <see cref="MultiPartState"/>.</summary>
    public const string PartName = "model";

    /// <summary>
    /// The multi-part trainer this one is a view of: one part, <see cref="PartName"/>, trained by
    /// <see cref="Objectives.Supervised"/>(model, loss, penalty). Its step is this trainer's step.
    /// </summary>
    public MultiPartTrainer Core => core ??= new MultiPartTrainer(
        new PartUpdate(Objectives.OnPart(PartName, Objectives.Supervised(Model, Loss, Penalty)), PartName));

    private MultiPartTrainer? core;

    /// <summary>The one-part state of <paramref name="state"/> with this trainer's optimizer and <see cref="Frozen"/> leaves; the same tensors.</summary>
    private MultiPartState AsMultiPart(TrainState state)
    {
        var multi = MultiPartState.FromTrainState(state, Optimizer);
        return Frozen is null ? multi : multi.With(multi[PartName] with { Frozen = Frozen });
    }

    private static Backend BackendOf(TrainState state) =>
        state.Parameters.Count > 0
            ? state.Parameters[0].Value.Backend
            : throw new ArgumentException("Trainer: the model has no parameters to train");
}
