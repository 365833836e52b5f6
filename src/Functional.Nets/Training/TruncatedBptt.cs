namespace Functional.Nets;

/// <summary>
/// Truncated backpropagation through time: a long sequence [N, T, F] is trained in chunks of <c>truncation</c> steps,
/// one optimizer update per chunk, and the carry after one chunk is the carry at the start of the next, as a
/// constant: the value flows forward, no gradient flows back through it (stop-gradient), so each update's tape is
/// one chunk long whatever T is. Built on the existing machinery: <see cref="Objective"/> is an ordinary objective
/// for <see cref="MultiPartTrainer"/>, and the carry travels between steps in the part's layer state, under
/// <see cref="CarryName"/>, which the trainer already keeps out of the differentiation.
/// </summary>
/// <remarks>
/// <para>
/// The gradient of chunk k is therefore the full gradient of the chunk's loss with the incoming carry held constant:
/// the lecture's sum over j of products ∂hᵢ/∂hᵢ₋₁ is cut at the chunk's first step. Long dependencies beyond a
/// chunk are carried forward in the values only. Gradient clipping (<see cref="Optim.ClipByGlobalNorm"/>) keeps a
/// chunk's exploding gradient from wrecking the update; <see cref="Optimizer(Functional.Nets.Optimizer, double)"/>
/// chains it before the optimizer.
/// </para>
/// <example><code>
/// var model = new Sequential(new Scan(new LstmCell(8, 64)), new Scan(new LstmCell(64, 64)));
/// var optimizer = TruncatedBptt.Optimizer(Optim.Adam(1e-3), maxNorm: 1.0);
/// var trainer = TruncatedBptt.Trainer(TruncatedBptt.Model(model), Losses.MeanSquaredError);
/// var state = MultiPartState.Create(key, backend, (Trainer.PartName, model, optimizer));
/// (state, var metrics) = TruncatedBptt.Run(trainer, state, inputs, targets, truncation: 25);
/// </code></example>
/// </remarks>
public static class TruncatedBptt
{
    /// <summary>The name under which the carry travels in the part's layer state (<c>carry.0.h</c>, <c>carry.0.c</c>, …).</summary>
    public const string CarryName = "carry";

    /// <summary>
    /// <paramref name="model"/> as a <see cref="RecurrentModel"/>: a <see cref="Scan"/> runs from the given carry and
    /// returns its final carry; a <see cref="Sequential"/> runs its children in order, each scan with its own carry
    /// under its index (<c>0.h</c>, <c>1.c</c>, …) and every other child as an ordinary layer (a head on the outputs);
    /// any other layer has no carry. Parameters and state are the layer's own, so a state_dict is unchanged.
    /// </summary>
    public static RecurrentModel Model(Layer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model switch
        {
            Scan scan => (parameters, state, input, carry, context) =>
            {
                var r = scan.Run(parameters, state, input, carry is { Count: > 0 } ? carry : null, context);
                return new ChunkResult(r.Outputs, r.Carry, r.State);
            },
            Sequential sequential => (parameters, state, input, carry, context) => RunSequential(sequential, parameters, state, input, carry, context),
            _ => (parameters, state, input, _, context) =>
            {
                var (y, s) = model.Apply(parameters, state, input, context);
                return new ChunkResult(y, TensorTree.Empty, s);
            },
        };
    }

    /// <summary>
    /// The objective of one chunk: loss(model(x, carry), targets) + penalty(θ) in training mode, where the carry is
    /// the one under <see cref="CarryName"/> in the layer state (the zero carry when there is none), passed through
    /// <see cref="Tensor.StopGradient"/>; the new layer state holds the model's state and the chunk's final carry,
    /// also stopped. The trees are one model's own; <see cref="Trainer(RecurrentModel, LossFunction, Func{TensorTree, Tensor}?)"/>
    /// lifts it onto the part <see cref="Functional.Nets.Trainer.PartName"/>.
    /// </summary>
    public static Objective Objective(RecurrentModel model, LossFunction loss, Func<TensorTree, Tensor>? penalty = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        return (parameters, state, batch, key) =>
        {
            var (carry, modelState) = Split(state);

            // Stop-gradient on the carry: the previous chunk's value, a constant of this chunk's differentiation.
            var given = carry.Count == 0 ? null : carry.Map(t => t.StopGradient());
            var result = model(parameters, modelState, batch.Inputs, given, Context.Train(key));
            var l = loss(result.Output, batch.Targets);
            if (penalty is not null)
            {
                l += penalty(parameters);
            }

            var next = result.Carry.Map(t => t.StopGradient());
            return new ObjectiveResult(l, result.State.Merge(TensorTree.Nest([(CarryName, next)])));
        };
    }

    /// <summary>A one-part trainer (part <see cref="Functional.Nets.Trainer.PartName"/>) whose step is <see cref="Objective"/>'s.</summary>
    public static MultiPartTrainer Trainer(RecurrentModel model, LossFunction loss, Func<TensorTree, Tensor>? penalty = null) =>
        new(new PartUpdate(Objectives.OnPart(Functional.Nets.Trainer.PartName, Objective(model, loss, penalty)), Functional.Nets.Trainer.PartName));

    /// <summary><paramref name="optimizer"/> after clipping the gradient's global norm to <paramref name="maxNorm"/>.</summary>
    public static Optimizer Optimizer(Optimizer optimizer, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Optim.Chain(Optim.ClipByGlobalNorm(maxNorm), optimizer);
    }

    /// <summary>
    /// The chunks of a sequence along time (axis 1): inputs [N, T, F] and targets [N, T, …] cut into pieces of
    /// <paramref name="truncation"/> steps (the last may be shorter), as batches of all N sequences.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The truncation length is not positive.</exception>
    /// <exception cref="ShapeMismatchException">The inputs are not of rank 3, or the targets do not have the inputs' N and T.</exception>
    public static IEnumerable<Batch> Chunks(Tensor inputs, Tensor targets, int truncation)
    {
        CheckSequence(inputs, targets, truncation);
        return Cut(inputs, targets, truncation);
    }

    /// <summary>The carry stored in part <paramref name="part"/> of <paramref name="state"/> (empty before the first chunk).</summary>
    public static TensorTree CarryOf(MultiPartState state, string part = Functional.Nets.Trainer.PartName)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Split(state[part].LayerState).Carry;
    }

    /// <summary>The same state with part <paramref name="part"/>'s carry removed, so that the next chunk starts from the zero carry (a new sequence).</summary>
    public static MultiPartState ResetCarry(MultiPartState state, string part = Functional.Nets.Trainer.PartName)
    {
        ArgumentNullException.ThrowIfNull(state);
        var p = state[part];
        return state.With(p with { LayerState = Split(p.LayerState).ModelState });
    }

    /// <summary>
    /// Trains on one long sequence: one <see cref="MultiPartTrainer.Step"/> per chunk of <paramref name="truncation"/>
    /// steps (<see cref="Chunks"/>), in order, the carry flowing from chunk to chunk as <paramref name="state"/>'s
    /// carry (none: the zero carry). Returns the state after the last chunk (its carry included, so the next call
    /// continues the sequence; <see cref="ResetCarry"/> starts a new one) and each chunk's metrics. States made along
    /// the way are released; <paramref name="state"/> is not.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The truncation length is not positive.</exception>
    /// <exception cref="ShapeMismatchException">The inputs are not of rank 3, or the targets do not have the inputs' N and T.</exception>
    public static (MultiPartState State, IReadOnlyList<StepMetrics> Metrics) Run(
        MultiPartTrainer trainer, MultiPartState state, Tensor inputs, Tensor targets, int truncation, bool requireFiniteLoss = false)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(state);
        CheckSequence(inputs, targets, truncation);
        var metrics = new List<StepMetrics>();
        var current = state;
        foreach (var batch in Cut(inputs, targets, truncation))
        {
            using (batch)
            {
                var (next, m) = trainer.Step(current, batch, requireFiniteLoss);
                if (!ReferenceEquals(current, state))
                {
                    current.ReleaseUnshared(next);
                }

                current = next;
                metrics.Add(m);
            }
        }

        return (current, metrics);
    }

    private static (TensorTree Carry, TensorTree ModelState) Split(TensorTree state) =>
        (state.Child(CarryName), state.Without(n => n == CarryName || n.StartsWith(CarryName + ".", StringComparison.Ordinal)));

    private static ChunkResult RunSequential(Sequential sequential, TensorTree parameters, TensorTree state, Tensor input, TensorTree? carry, Context context)
    {
        var x = input;
        var states = new List<(string, TensorTree)>();
        var carries = new List<(string, TensorTree)>();
        for (var i = 0; i < sequential.Layers.Count; i++)
        {
            var name = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var r = Model(sequential.Layers[i])(parameters.Child(name), state.Child(name), x, carry?.Child(name), context.ForChild(i));
            x = r.Output;
            states.Add((name, r.State));
            if (r.Carry.Count > 0)
            {
                carries.Add((name, r.Carry));
            }
        }

        return new ChunkResult(x, TensorTree.Nest(carries), TensorTree.Nest(states));
    }

    private static void CheckSequence(Tensor inputs, Tensor targets, int truncation)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (truncation <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(truncation), truncation, $"TruncatedBptt: the truncation length must be positive, got {truncation}");
        }

        if (inputs.Shape.Rank != 3 || targets.Shape.Rank < 2 || targets.Shape[0] != inputs.Shape[0] || targets.Shape[1] != inputs.Shape[1])
        {
            throw new ShapeMismatchException(
                $"TruncatedBptt: expected inputs [N, T, F] and targets [N, T, …] with the same N and T, got {inputs.Shape} and {targets.Shape}");
        }
    }

    private static IEnumerable<Batch> Cut(Tensor inputs, Tensor targets, int truncation)
    {
        int n = inputs.Shape[0], steps = inputs.Shape[1];
        var indices = Enumerable.Range(0, n).ToArray();
        for (var start = 0; start < steps; start += truncation)
        {
            var length = Math.Min(truncation, steps - start);
            yield return new Batch(inputs.Slice(1, start, length), targets.Slice(1, start, length), null, indices);
        }
    }
}
