namespace Functional.Nets.FSharp

open Functional.Nets

/// What an objective returns, as an F# record: the scalar loss, the layers' new state (nested by part name;
/// `TensorTree.Empty` keeps every part's state) and named scalars to report.
type ObjectiveOutput =
    { Loss: Tensor
      State: TensorTree
      Metrics: (string * float) list }

/// Objectives (Functional.Nets.Objective) from F# functions: `parameters -> state -> batch -> key -> output`.
[<RequireQualifiedAccess>]
module Objective =

    /// An objective from an F# function of the parameters, the layer state, the batch and the update's key.
    let create (f: TensorTree -> TensorTree -> Batch -> Key -> ObjectiveOutput) : Objective =
        Objective(fun parameters state batch key ->
            let output = f parameters state batch key
            ObjectiveResult(output.Loss, output.State, output.Metrics |> List.map Metric |> Array.ofList))

    /// An objective of a stateless loss with no metrics: `Objective.ofLoss (fun parameters batch key -> loss)`.
    let ofLoss (loss: TensorTree -> Batch -> Key -> Tensor) : Objective =
        create (fun parameters _ batch key -> { Loss = loss parameters batch key; State = TensorTree.Empty; Metrics = [] })

    /// The supervised objective: `loss prediction target` of the model in training mode, and the count of correct
    /// predictions when the batch has labels. Its trees are the model's own; lift it with `onPart`.
    let supervised (loss: Tensor -> Tensor -> Tensor) (model: Layer) : Objective =
        Objectives.Supervised(model, LossFunction(fun prediction target -> loss prediction target))

    /// `objective`, written for one model's own trees, over the part named `part` of a multi-part state.
    let onPart (part: string) (objective: Objective) : Objective = Objectives.OnPart(part, objective)

/// Multi-part training states (Functional.Nets.MultiPartState) with curried functions.
[<RequireQualifiedAccess>]
module Parts =

    /// A fresh state of named parts, each a model and its optimizer: `Parts.create key backend [ "generator", g, adam ]`.
    let create (key: Key) (backend: Backend) (parts: (string * Layer * Optimizer) list) : MultiPartState =
        MultiPartState.Create(key, backend, parts |> List.map (fun (name, model, optimizer) -> struct (name, model, optimizer)) |> Array.ofList)

    /// The parameters of the part named `name`; throws listing the parts if there is none.
    let parameters (name: string) (state: MultiPartState) : TensorTree = state[name].Parameters

    /// The layer state of the part named `name`.
    let layerState (name: string) (state: MultiPartState) : TensorTree = state[name].LayerState

    /// The part names, in order.
    let names (state: MultiPartState) : string list = state.Names |> List.ofSeq

    /// Steps taken so far.
    let step (state: MultiPartState) : int64 = state.Step

    /// The state with the leaves of part `name` under any of `prefixes` (whole name segments: "0" is child 0 of a
    /// Sequential) frozen: no gradient is computed for them and they keep their tensors; the part's optimizer state is
    /// made afresh for its remaining trainable leaves. `Parts.freeze "model" [ "0" ] state`.
    let freeze (name: string) (prefixes: string list) (state: MultiPartState) : MultiPartState =
        state.With(state[name].Freeze(Array.ofList prefixes))

    /// As `freeze`, with the frozen leaves chosen by a predicate on their names.
    let freezeWhere (name: string) (frozen: string -> bool) (state: MultiPartState) : MultiPartState =
        state.With(state[name].Freeze(System.Func<string, bool> frozen))

    /// The trainable parameters of the part named `name` (all of them unless some are frozen).
    let trainable (name: string) (state: MultiPartState) : TensorTree = state[name].TrainableParameters

    /// Saves every part to `path` (atomically).
    let save (path: string) (state: MultiPartState) : unit = Checkpoint.Save(path, state)

    /// Loads a checkpoint of the parts of `like` (names, optimizers and leaf shapes) onto `backend`.
    let load (backend: Backend) (like: MultiPartState) (path: string) : MultiPartState = Checkpoint.Load(path, backend, like)

    /// The state with the leaves under `prefix` of part `name` (parameters and layer state) replaced by the
    /// checkpoint's at `path`, strictly (every leaf under the prefix in the file with its shape, nothing else there;
    /// otherwise CheckpointException naming them), a pretrained backbone loaded into a bigger model. The part's
    /// optimizer state is made afresh for every leaf and nothing is frozen: freeze afterwards with `Parts.freeze`.
    /// `Parts.loadInto "backbone.safetensors" "model" "1" state |> Parts.freeze "model" [ "1" ]`.
    let loadInto (path: string) (name: string) (prefix: string) (state: MultiPartState) : MultiPartState =
        let part = state[name]
        let struct (parameters, _) = Checkpoint.LoadInto(path, part.Parameters, prefix)
        let struct (layerState, _) = Checkpoint.LoadInto(path, part.LayerState, prefix, part = CheckpointPart.LayerState)
        state.With(TrainPart(part.Name, parameters, layerState, part.Optimizer, part.Optimizer.Init(parameters)))

/// Steps and loops of any objective (Functional.Nets.MultiPartTrainer) with F# lists and tuples.
[<RequireQualifiedAccess>]
module Training =

    /// One update: the gradient of `objective` with respect to the parts named, then their optimizers; the other
    /// parts are constants. Its metrics are reported as `label.name`, the label being the part names joined by '+'.
    let update (parts: string list) (objective: Objective) : PartUpdate = PartUpdate(objective, Array.ofList parts)

    /// A trainer whose step applies `updates` in order to one batch.
    let trainer (updates: PartUpdate list) : MultiPartTrainer = MultiPartTrainer(Array.ofList updates)

    /// One pure step on `batch`: the new state and the step's metrics.
    let step (trainer: MultiPartTrainer) (batch: Batch) (state: MultiPartState) : MultiPartState * StepMetrics =
        let struct (next, metrics) = trainer.Step(state, batch)
        next, metrics

    /// Trains for `options.Epochs` epochs of shuffled minibatches of `train` with `callbacks`: the final state and the history.
    let fit (options: FitOptions) (callbacks: TrainingCallback list) (train: Dataset) (trainer: MultiPartTrainer) (state: MultiPartState) : MultiPartState * History =
        let struct (final, history) = trainer.Fit(state, train, options, null, Array.ofList callbacks)
        final, history

    /// Trains a supervised `Trainer` from `state` for `options.Epochs` epochs, measuring `validation` (if any) after
    /// each: the final state and the history.
    let fitSupervised (options: FitOptions) (callbacks: TrainingCallback list) (validation: Dataset option) (train: Dataset) (trainer: Trainer) (state: TrainState) : TrainState * History =
        let struct (final, history) = trainer.Fit(state, train, options, Option.toObj validation, Array.ofList callbacks)
        final, history

    /// One pure step of a supervised `Trainer` on `batch` (training mode): the new state and the step's metrics;
    /// `state` stays valid (release it with `ReleaseUnshared` once the new one is taken).
    let stepSupervised (trainer: Trainer) (batch: Batch) (state: TrainState) : TrainState * StepMetrics =
        let struct (next, metrics) = trainer.Step(state, batch)
        next, metrics

    /// The accuracy of a step's or an evaluation's metrics, when the data had labels.
    let accuracy (metrics: StepMetrics) : float option = metrics.Accuracy |> Option.ofNullable

    /// The epoch's validation accuracy, when there was validation data with labels.
    let validationAccuracy (epoch: EpochMetrics) : float option = epoch.ValidationAccuracy |> Option.ofNullable

    /// The epoch's mean of the named scalar `name` (`discriminator.loss`), or None if no step reported it.
    let scalar (name: string) (epoch: EpochMetrics) : float option = epoch.Scalar name |> Option.ofNullable

/// Truncated backpropagation through time (Functional.Nets.TruncatedBptt) with F# functions and tuples.
[<RequireQualifiedAccess>]
module Bptt =

    /// A one-part trainer (part `Trainer.PartName`) whose step trains one chunk of `model` (a Scan or a Sequential
    /// of scans and heads), the carry flowing from chunk to chunk with its gradient stopped. `loss target prediction`,
    /// target first as the `Loss` module's functions: `net |> Bptt.trainer Loss.meanSquaredError`.
    let trainer (loss: Tensor -> Tensor -> Tensor) (model: Layer) : MultiPartTrainer =
        Functional.Nets.TruncatedBptt.Trainer(Functional.Nets.TruncatedBptt.Model model, LossFunction(fun prediction target -> loss target prediction))

    /// `optimizer` after clipping the gradient's global norm to `maxNorm`.
    let clipped (maxNorm: float) (optimizer: Optimizer) : Optimizer = Functional.Nets.TruncatedBptt.Optimizer(optimizer, maxNorm)

    /// The start of a run: `model`'s parameters and `optimizer`'s state as the one part `Trainer.PartName`.
    let start (key: Key) (backend: Backend) (optimizer: Optimizer) (model: Layer) : MultiPartState =
        MultiPartState.Create(key, backend, [| struct (Trainer.PartName, model, optimizer) |])

    /// One optimizer update per chunk of `truncation` steps of `inputs` [N, T, F] and `targets` [N, T, …]: the state
    /// after the last chunk (carry included) and each chunk's metrics.
    let run (trainer: MultiPartTrainer) (truncation: int) (inputs: Tensor) (targets: Tensor) (state: MultiPartState) : MultiPartState * StepMetrics list =
        let struct (final, metrics) = Functional.Nets.TruncatedBptt.Run(trainer, state, inputs, targets, truncation)
        final, List.ofSeq metrics

    /// The same state with the carry dropped, so the next chunk starts a new sequence from the zero carry.
    let resetCarry (state: MultiPartState) : MultiPartState = Functional.Nets.TruncatedBptt.ResetCarry(state)
