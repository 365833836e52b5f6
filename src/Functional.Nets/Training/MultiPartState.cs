namespace Functional.Nets;

/// <summary>
/// The training state of a run with several separately optimised parts (a GAN's generator and discriminator, each
/// with its own parameters, layer state, optimizer and optimizer state), plus the step count and the run's base key,
/// as one immutable value. <see cref="TrainState"/> is the one-part case: <see cref="FromTrainState"/> and
/// <see cref="ToTrainState"/> convert without copying a tensor. <see cref="Checkpoint.Save(string, MultiPartState, IReadOnlyDictionary{string, string}?)"/>
/// saves every part, so resuming continues as if never stopped.
/// </summary>
/// <remarks>
/// Randomness is derived as for <see cref="TrainState"/>: <see cref="StepKey"/> = <c>Key.Split(2)[0].Fold(step)</c> and
/// <see cref="EpochKey"/> = <c>Key.Split(2)[1].Fold(epoch)</c>, so a one-part state shuffles and draws exactly as the
/// <see cref="TrainState"/> it came from.
/// </remarks>
public sealed record MultiPartState
{
    private readonly IReadOnlyList<TrainPart> parts;

    /// <summary>Creates the state.</summary>
    /// <param name="parts">The parts, at least one, with distinct valid names (<see cref="TrainPart"/>), in the order trees are nested and saved.</param>
    /// <param name="step">Steps taken so far.</param>
    /// <param name="key">The run's base key.</param>
    /// <exception cref="ArgumentException">No parts, an invalid name, or two parts of one name.</exception>
    public MultiPartState(IReadOnlyList<TrainPart> parts, long step, Key key)
    {
        this.parts = Validate(parts);
        Step = step;
        Key = key;
    }

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<TrainPart> Parts
    {
        get => parts;
        init => parts = Validate(value);
    }

    /// <summary>Steps taken so far.</summary>
    public long Step { get; init; }

    /// <summary>The run's base key.</summary>
    public Key Key { get; init; }

    /// <summary>
    /// What the training loop knows about the run beyond the tensors (its settings, the completed epochs' metrics and
    /// the running sums of the epoch in progress), attached by <see cref="MultiPartTrainer.Fit"/> to the states it hands
    /// to callbacks and saved by <see cref="Checkpoint"/>; null for a state made or stepped outside <c>Fit</c>.
    /// </summary>
    public FitProgress? Progress { get; init; }

    /// <summary>The part names, in order.</summary>
    public IEnumerable<string> Names => parts.Select(p => p.Name);

    /// <summary>The part named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No part has that name; the message lists the parts.</exception>
    public TrainPart this[string name] =>
        parts.FirstOrDefault(p => p.Name == name)
        ?? throw new KeyNotFoundException($"MultiPartState: no part named '{name}'; the parts are {string.Join(", ", Names.Select(n => $"'{n}'"))}");

    /// <summary>Whether a part has this name.</summary>
    public bool Contains(string name) => parts.Any(p => p.Name == name);

    /// <summary>The randomness of the current step.</summary>
    public Key StepKey => Key.Split(2)[0].Fold((ulong)Step);

    /// <summary>The key that shuffles epoch <paramref name="epoch"/> (counted from 0).</summary>
    public Key EpochKey(int epoch) => Key.Split(2)[1].Fold((ulong)epoch);

    /// <summary>The backend of the first parameter of the first part that has one.</summary>
    /// <exception cref="ArgumentException">No part has parameters.</exception>
    public Backend Backend =>
        parts.FirstOrDefault(p => p.Parameters.Count > 0)?.Parameters[0].Value.Backend
        ?? throw new ArgumentException($"MultiPartState: none of the parts ({string.Join(", ", Names)}) has parameters to train");

    /// <summary>Every part's parameters in one tree nested by part name (<c>generator.0.weight</c>).</summary>
    public TensorTree Parameters => TensorTree.Nest(parts.Select(p => (p.Name, p.Parameters)));

    /// <summary>Every part's layer state in one tree nested by part name.</summary>
    public TensorTree LayerState => TensorTree.Nest(parts.Select(p => (p.Name, p.LayerState)));

    /// <summary>This state with <paramref name="part"/> replacing the part of its name.</summary>
    /// <exception cref="KeyNotFoundException">No part has that name.</exception>
    public MultiPartState With(TrainPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        _ = this[part.Name];
        return this with { Parts = parts.Select(p => p.Name == part.Name ? part : p).ToArray() };
    }

    /// <summary>
    /// A fresh run: <paramref name="key"/> splits into an initialisation key and the run's base key, as
    /// <see cref="TrainState.Create"/> does; one part is initialised from the initialisation key itself (so one part
    /// equals <see cref="TrainState.Create"/>), n parts from its <c>Split(n)</c>, in order.
    /// </summary>
    public static MultiPartState Create(Key key, Backend backend, params (string Name, Layer Model, Optimizer Optimizer)[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("MultiPartState.Create: give at least one part", nameof(parts));
        }

        var (init, run) = key.Split();
        var keys = parts.Length == 1 ? [init] : init.Split(parts.Length);
        return new MultiPartState(parts.Select((p, i) => TrainPart.Create(p.Name, p.Model, p.Optimizer, keys[i], backend)).ToArray(), 0, run);
    }

    /// <summary>The one-part state of <paramref name="state"/>, trained by <paramref name="optimizer"/>; the same tensors.</summary>
    public static MultiPartState FromTrainState(TrainState state, Optimizer optimizer, string name = Trainer.PartName)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(optimizer);
        return new MultiPartState([new TrainPart(name, state.Parameters, state.LayerState, optimizer, state.OptimizerState)], state.Step, state.Key)
        {
            Progress = state.Progress,
        };
    }

    /// <summary>The <see cref="TrainState"/> of a one-part state; the same tensors.</summary>
    /// <exception cref="InvalidOperationException">The state has more than one part.</exception>
    public TrainState ToTrainState()
    {
        if (parts.Count != 1)
        {
            throw new InvalidOperationException(
                $"MultiPartState: a TrainState holds one model, this state has {parts.Count} parts ({string.Join(", ", Names)})");
        }

        var p = parts[0];
        return new TrainState(p.Parameters, p.LayerState, p.OptimizerState, Step, Key) { Progress = Progress };
    }

    /// <summary>
    /// Releases the tensors of this state that <paramref name="successor"/> does not share (every part's parameters,
    /// layer state and optimizer state), as <see cref="TrainState.ReleaseUnshared"/> does. Never call it on a state
    /// you still use.
    /// </summary>
    public void ReleaseUnshared(MultiPartState successor)
    {
        ArgumentNullException.ThrowIfNull(successor);
        var kept = new HashSet<Tensor>(successor.Trees().SelectMany(t => t.Values), ReferenceEqualityComparer.Instance);
        foreach (var t in Trees().SelectMany(t => t.Values))
        {
            if (kept.Add(t))
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Formats as <c>MultiPartState(step 12: generator 97 parameters, discriminator 65 parameters)</c>.</summary>
    public override string ToString() =>
        $"MultiPartState(step {Step}: {string.Join(", ", parts.Select(p => $"{p.Name} {p.Parameters.ParameterCount} parameters"))})";

    private IEnumerable<TensorTree> Trees() => parts.SelectMany(p => new[] { p.Parameters, p.LayerState, p.OptimizerState });

    private static IReadOnlyList<TrainPart> Validate(IReadOnlyList<TrainPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("MultiPartState: a state needs at least one part", nameof(parts));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            ArgumentNullException.ThrowIfNull(part);
            TrainPart.RequireValidName(part.Name);
            if (!seen.Add(part.Name))
            {
                throw new ArgumentException($"MultiPartState: two parts are named '{part.Name}'", nameof(parts));
            }
        }

        return parts.ToArray();
    }
}
