namespace Functional.Nets.FSharp

open Functional.Nets

/// The hyperparameters of torch.optim.Adam and AdamW (see `Optim.adamDefaults`, `Optim.adamWDefaults`).
type AdamOptions =
    { /// β₁, the decay of the first moment (PyTorch's `betas[0]`).
      Beta1: float
      /// β₂, the decay of the second moment (`betas[1]`).
      Beta2: float
      /// ε, added to the corrected root (`eps`).
      Epsilon: float
      /// λ (`weight_decay`): an L2 penalty for Adam, decoupled decay for AdamW.
      WeightDecay: float
      /// AMSGrad (`amsgrad`): divide by the running maximum of the second moments.
      Amsgrad: bool }

/// The hyperparameters of torch.optim.Adamax (see `Optim.adamaxDefaults`).
type AdamaxOptions =
    { /// β₁, the decay of the first moment (`betas[0]`).
      Beta1: float
      /// β₂, the decay of the infinity norm (`betas[1]`).
      Beta2: float
      /// ε, added to |g| inside the maximum (`eps`).
      Epsilon: float
      /// λ (`weight_decay`), an L2 penalty.
      WeightDecay: float }

/// The hyperparameters of torch.optim.NAdam (see `Optim.nadamDefaults`).
type NAdamOptions =
    { /// β₁, the decay of the first moment and the scale of the momentum schedule (`betas[0]`).
      Beta1: float
      /// β₂, the decay of the second moment (`betas[1]`).
      Beta2: float
      /// ε, added to the corrected root (`eps`).
      Epsilon: float
      /// λ (`weight_decay`): an L2 penalty, or decoupled decay when `DecoupledWeightDecay`.
      WeightDecay: float
      /// ψ in μₜ = β₁(1 − ½·0.96^(tψ)) (`momentum_decay`).
      MomentumDecay: float
      /// Decay θ(1 − αλ) as AdamW does instead of the penalty (`decoupled_weight_decay`).
      DecoupledWeightDecay: bool }

/// The hyperparameters of torch.optim.RAdam (see `Optim.radamDefaults`).
type RAdamOptions =
    { /// β₁, the decay of the first moment (`betas[0]`).
      Beta1: float
      /// β₂, the decay of the second moment (`betas[1]`); it sets when rectification starts (ρₜ > 5).
      Beta2: float
      /// ε, added to √v (`eps`).
      Epsilon: float
      /// λ (`weight_decay`): an L2 penalty, or decoupled decay when `DecoupledWeightDecay`.
      WeightDecay: float
      /// Decay θ(1 − αλ) as AdamW does instead of the penalty (`decoupled_weight_decay`).
      DecoupledWeightDecay: bool }

/// Optimizers (Functional.Nets.Optim) as curried functions, and their pure init/update/step with F# tuples.
/// Each optimizer comes three ways: `Optim.adam 1e-3` with PyTorch's defaults, `Optim.adamWith options 1e-3`
/// with changed hyperparameters (`{ Optim.adamDefaults with Amsgrad = true }`), and
/// `Optim.adamScheduled options (fun t -> ...)` with a learning-rate schedule of the update number t (0 first).
/// The formulas are on the C# factories (Optim.Adam, Optim.Adamax, ...).
[<RequireQualifiedAccess>]
module Optim =

    let private schedule (f: int64 -> float) = Schedule(fun t -> f t)

    /// The initial optimizer state for `parameters`.
    let init (parameters: TensorTree) (optimizer: Optimizer) : TensorTree = optimizer.Init parameters

    /// The updates u and the next state for `gradients` at `state` and `parameters`; θ′ = θ + u.
    let update (gradients: TensorTree) (state: TensorTree) (parameters: TensorTree) (optimizer: Optimizer) : TensorTree * TensorTree =
        let struct (updates, state') = optimizer.Update(gradients, state, parameters)
        updates, state'

    /// One step: the new parameters and state (update, then apply, fused where the optimizer can).
    let step (gradients: TensorTree) (state: TensorTree) (parameters: TensorTree) (optimizer: Optimizer) : TensorTree * TensorTree =
        let struct (parameters', state') = optimizer.Step(gradients, state, parameters)
        parameters', state'

    /// The transformations applied in order (each one's updates are the next one's gradients).
    let chain (parts: Optimizer list) : Optimizer = Functional.Nets.Optim.Chain(Array.ofList parts)

    /// Scales the whole gradient down to global norm `maxNorm` when it is longer (clip_grad_norm_); chain it first.
    let clipByGlobalNorm (maxNorm: float) : Optimizer = Functional.Nets.Optim.ClipByGlobalNorm maxNorm

    /// Keeps θ̄′ = β·θ̄ + (1 − β)·θ′ beside `inner` (an exponential moving average of the parameters, checkpointed
    /// with the optimizer state); the parameters step as `inner` steps them. Read it with `average`.
    let withAverage (decay: float) (inner: Optimizer) : Optimizer = Functional.Nets.Optim.ParameterAverage(inner, decay)

    /// The averaged parameters held in the optimizer state of a `withAverage` optimizer.
    let average (state: TensorTree) : TensorTree = ParameterAverage.Average state

    /// torch.optim.Adam's defaults: β = (0.9, 0.999), ε = 10⁻⁸, no weight decay, no AMSGrad.
    let adamDefaults: AdamOptions =
        { Beta1 = 0.9
          Beta2 = 0.999
          Epsilon = 1e-8
          WeightDecay = 0.0
          Amsgrad = false }

    /// torch.optim.AdamW's defaults: Adam's, with λ = 0.01.
    let adamWDefaults: AdamOptions = { adamDefaults with WeightDecay = 1e-2 }

    /// torch.optim.Adamax's defaults: β = (0.9, 0.999), ε = 10⁻⁸, no weight decay.
    let adamaxDefaults: AdamaxOptions =
        { Beta1 = 0.9
          Beta2 = 0.999
          Epsilon = 1e-8
          WeightDecay = 0.0 }

    /// torch.optim.NAdam's defaults: β = (0.9, 0.999), ε = 10⁻⁸, no weight decay, ψ = 0.004.
    let nadamDefaults: NAdamOptions =
        { Beta1 = 0.9
          Beta2 = 0.999
          Epsilon = 1e-8
          WeightDecay = 0.0
          MomentumDecay = 4e-3
          DecoupledWeightDecay = false }

    /// torch.optim.RAdam's defaults: β = (0.9, 0.999), ε = 10⁻⁸, no weight decay.
    let radamDefaults: RAdamOptions =
        { Beta1 = 0.9
          Beta2 = 0.999
          Epsilon = 1e-8
          WeightDecay = 0.0
          DecoupledWeightDecay = false }

    /// torch.optim.Adam at rate α: θ ← θ − α·(mₜ/(1 − β₁ᵗ)) / (√vₜ/√(1 − β₂ᵗ) + ε), v̄ₜ = max(v̄ₜ₋₁, vₜ) for vₜ with AMSGrad.
    let adamWith (options: AdamOptions) (learningRate: float) : Optimizer =
        Functional.Nets.Optim.Adam(learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.Amsgrad)

    /// torch.optim.Adam with a learning-rate schedule.
    let adamScheduled (options: AdamOptions) (learningRate: int64 -> float) : Optimizer =
        Functional.Nets.Optim.Adam(schedule learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.Amsgrad)

    /// torch.optim.Adam at rate α with PyTorch's defaults.
    let adam (learningRate: float) : Optimizer = adamWith adamDefaults learningRate

    /// torch.optim.AdamW at rate α: Adam's step plus the decoupled decay θ ← θ(1 − αλ).
    let adamWWith (options: AdamOptions) (learningRate: float) : Optimizer =
        Functional.Nets.Optim.AdamW(learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.Amsgrad)

    /// torch.optim.AdamW with a learning-rate schedule (the decay follows it).
    let adamWScheduled (options: AdamOptions) (learningRate: int64 -> float) : Optimizer =
        Functional.Nets.Optim.AdamW(schedule learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.Amsgrad)

    /// torch.optim.AdamW at rate α with PyTorch's defaults (λ = 0.01).
    let adamW (learningRate: float) : Optimizer = adamWWith adamWDefaults learningRate

    /// torch.optim.Adamax at rate α: uₜ = max(β₂uₜ₋₁, |g| + ε), θ ← θ − α/(1 − β₁ᵗ)·mₜ/uₜ.
    let adamaxWith (options: AdamaxOptions) (learningRate: float) : Optimizer =
        Functional.Nets.Optim.Adamax(learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay)

    /// torch.optim.Adamax with a learning-rate schedule.
    let adamaxScheduled (options: AdamaxOptions) (learningRate: int64 -> float) : Optimizer =
        Functional.Nets.Optim.Adamax(schedule learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay)

    /// torch.optim.Adamax at rate α (PyTorch's default rate is 0.002) with PyTorch's defaults.
    let adamax (learningRate: float) : Optimizer = adamaxWith adamaxDefaults learningRate

    /// torch.optim.NAdam at rate α: with μₜ = β₁(1 − ½·0.96^(tψ)) and Πₜ = μ₁⋯μₜ,
    /// θ ← θ − α·[(1 − μₜ)/(1 − Πₜ)·g + μₜ₊₁/(1 − Πₜμₜ₊₁)·mₜ] / (√(vₜ/(1 − β₂ᵗ)) + ε).
    let nadamWith (options: NAdamOptions) (learningRate: float) : Optimizer =
        Functional.Nets.Optim.NAdam(
            learningRate,
            options.Beta1,
            options.Beta2,
            options.Epsilon,
            options.WeightDecay,
            options.MomentumDecay,
            options.DecoupledWeightDecay
        )

    /// torch.optim.NAdam with a learning-rate schedule.
    let nadamScheduled (options: NAdamOptions) (learningRate: int64 -> float) : Optimizer =
        Functional.Nets.Optim.NAdam(
            schedule learningRate,
            options.Beta1,
            options.Beta2,
            options.Epsilon,
            options.WeightDecay,
            options.MomentumDecay,
            options.DecoupledWeightDecay
        )

    /// torch.optim.NAdam at rate α (PyTorch's default rate is 0.002) with PyTorch's defaults.
    let nadam (learningRate: float) : Optimizer = nadamWith nadamDefaults learningRate

    /// torch.optim.RAdam at rate α: θ ← θ − α·m̂ₜ·rₜ·√(1 − β₂ᵗ)/(√vₜ + ε) once ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) > 5
    /// (ρ∞ = 2/(1 − β₂) − 1, rₜ = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))), θ ← θ − α·m̂ₜ before.
    let radamWith (options: RAdamOptions) (learningRate: float) : Optimizer =
        Functional.Nets.Optim.RAdam(learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.DecoupledWeightDecay)

    /// torch.optim.RAdam with a learning-rate schedule.
    let radamScheduled (options: RAdamOptions) (learningRate: int64 -> float) : Optimizer =
        Functional.Nets.Optim.RAdam(schedule learningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.DecoupledWeightDecay)

    /// torch.optim.RAdam at rate α (PyTorch's default rate is 0.001) with PyTorch's defaults.
    let radam (learningRate: float) : Optimizer = radamWith radamDefaults learningRate
