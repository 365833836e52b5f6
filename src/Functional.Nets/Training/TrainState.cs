namespace Functional.Nets;

/// <summary>
/// Everything a training run carries from one step to the next, as one immutable value: parameters,
/// layer state (running statistics), optimizer state, the number of steps taken and the base key from
/// which each step's randomness is derived (<c>Key.Fold(step)</c>). A checkpoint saves exactly this, so
/// resuming continues as if never stopped. It is the one-part case of <see cref="MultiPartState"/>
/// (<see cref="MultiPartState.FromTrainState"/>, <see cref="MultiPartState.ToTrainState"/>), which holds several
/// separately optimised parts.
/// </summary>
/// <param name="Parameters">The model's parameters.</param>
/// <param name="LayerState">The model's state (empty for stateless models).</param>
/// <param name="OptimizerState">The optimizer's state.</param>
/// <param name="Step">Steps taken so far.</param>
/// <param name="Key">The run's base key.</param>
public sealed record TrainState(TensorTree Parameters, TensorTree LayerState, TensorTree OptimizerState, long Step, Key Key)
{
    /// <summary>The model's parameters.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree Parameters { get; init => field = value ?? throw new ArgumentNullException(nameof(Parameters)); } = Parameters ?? throw new ArgumentNullException(nameof(Parameters));

    /// <summary>The model's state (empty for stateless models).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree LayerState { get; init => field = value ?? throw new ArgumentNullException(nameof(LayerState)); } = LayerState ?? throw new ArgumentNullException(nameof(LayerState));

    /// <summary>The optimizer's state.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree OptimizerState { get; init => field = value ?? throw new ArgumentNullException(nameof(OptimizerState)); } = OptimizerState ?? throw new ArgumentNullException(nameof(OptimizerState));

    /// <summary>A fresh run: parameters and state from <paramref name="model"/>, optimizer state from <paramref name="optimizer"/>.</summary>
    public static TrainState Create(Layer model, Optimizer optimizer, Key key, Backend backend)
    {
        var (init, run) = key.Split();
        var parameters = model.Init(init, backend);
        return new TrainState(parameters, model.InitState(backend), optimizer.Init(parameters), 0, run);
    }

    /// <summary>
    /// What the training loop knows about the run beyond the tensors (its settings, the completed epochs' metrics and
    /// the running sums of the epoch in progress), attached by <see cref="Trainer.Fit"/> to the states it hands to
    /// callbacks and saved by <see cref="Checkpoint"/>, so that a resumed <c>Fit</c> can check its settings and continue
    /// the history; null for a state made or stepped outside <c>Fit</c>.
    /// </summary>
    public FitProgress? Progress { get; init; }

    /// <summary>The randomness for the current step's layers (dropout masks).</summary>
    public Key StepKey => Key.Split(2)[0].Fold((ulong)Step);

    /// <summary>The key that shuffles epoch <paramref name="epoch"/> (counted from 0).</summary>
    public Key EpochKey(int epoch) => Key.Split(2)[1].Fold((ulong)epoch);

    /// <summary>
    /// Releases the tensors of this state that <paramref name="successor"/> does not share (parameters, layer state and
    /// optimizer state), for a loop of <see cref="Trainer.Step"/> calls that keeps only the newest state. Never call it
    /// on a state you still use, such as the one a loop started from.
    /// </summary>
    /// <example>
    /// <code>
    /// var (next, metrics) = trainer.Step(state, batch);
    /// if (!ReferenceEquals(state, initial)) state.ReleaseUnshared(next);
    /// state = next;
    /// </code>
    /// </example>
    public void ReleaseUnshared(TrainState successor)
    {
        ArgumentNullException.ThrowIfNull(successor);
        var kept = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var tree in new[] { successor.Parameters, successor.LayerState, successor.OptimizerState })
        {
            foreach (var (_, t) in tree)
            {
                kept.Add(t);
            }
        }

        foreach (var tree in new[] { Parameters, LayerState, OptimizerState })
        {
            foreach (var (_, t) in tree)
            {
                if (!kept.Contains(t))
                {
                    t.Dispose();
                }
            }
        }
    }
}
