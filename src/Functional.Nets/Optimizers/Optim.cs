using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// Ready-made optimizers, each a chain of small transformations (like optax's aliases). The PyTorch-form
/// factories take <c>torch.optim</c>'s hyperparameters, under C# names (<c>lr</c> → <c>learningRate</c>,
/// <c>weight_decay</c> → <c>weightDecay</c>, <c>eps</c> → <c>epsilon</c>, ...), with its defaults, and every
/// learning rate may be a <see cref="Schedule"/> (see <see cref="Schedules"/>).
/// </summary>
/// <remarks>
/// State leaves are named by position in the chain and PyTorch's slot names, e.g. Adam's
/// <c>0.step</c>, <c>0.0.weight.exp_avg</c>, <c>0.0.weight.exp_avg_sq</c>, <c>1.step</c>. Weight decay adds a
/// stateless link only when λ ≠ 0 (shifting the positions after it), and an optimizer of one link is that link
/// itself (plain <see cref="Sgd(double, double, double, double, bool)"/> has the single state leaf <c>step</c>).
/// </remarks>
public static class Optim
{
    /// <summary>Applies <paramref name="parts"/> in sequence.</summary>
    public static Optimizer Chain(params Optimizer[] parts) => new Chain(parts);

    /// <summary>u = g (<see cref="IdentityUpdate"/>), the neutral element of <see cref="Chain"/>.</summary>
    public static Optimizer Identity() => new IdentityUpdate();

    /// <summary>
    /// <c>torch.optim.SGD</c>: g ← g + λθ (if λ ≠ 0), then <see cref="Momentum"/>(μ, τ, nesterov) (if μ ≠ 0), then θ ← θ − α·g.
    /// With μ = 0 this is plain gradient descent, θ ← θ − α(t)·g.
    /// </summary>
    /// <param name="learningRate">α (PyTorch's <c>lr</c>).</param>
    /// <param name="momentum">μ (<c>momentum</c>).</param>
    /// <param name="dampening">τ (<c>dampening</c>).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>), an L2 penalty.</param>
    /// <param name="nesterov">PyTorch's Nesterov form (<c>nesterov</c>).</param>
    public static Optimizer Sgd(double learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false) =>
        Sgd(Constant(learningRate, out var d), momentum, dampening, weightDecay, nesterov, d);

    /// <summary><c>torch.optim.SGD</c> with a learning-rate schedule; see <see cref="Sgd(double, double, double, double, bool)"/>.</summary>
    public static Optimizer Sgd(Schedule learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false) =>
        Sgd(learningRate, momentum, dampening, weightDecay, nesterov, "schedule");

    /// <summary>The lecture's momentum v ← γv + η(t)∇L, W ← W − v (<see cref="Functional.Nets.LectureMomentum"/>).</summary>
    public static Optimizer LectureMomentum(double learningRate, double gamma = 0.9) => new LectureMomentum(Constant(learningRate, out _), gamma);

    /// <summary>The lecture's momentum with a schedule for η.</summary>
    public static Optimizer LectureMomentum(Schedule learningRate, double gamma = 0.9) => new LectureMomentum(learningRate, gamma);

    /// <summary>
    /// The lecture's Nesterov momentum v ← γv + η(t)∇L(W − γv), W ← W − v, on the look-ahead point W − γv
    /// (<see cref="Functional.Nets.LectureNesterov"/>, which derives it).
    /// </summary>
    public static Optimizer LectureNesterov(double learningRate, double gamma = 0.9) => new LectureNesterov(Constant(learningRate, out _), gamma);

    /// <summary>The lecture's Nesterov momentum with a schedule for η.</summary>
    public static Optimizer LectureNesterov(Schedule learningRate, double gamma = 0.9) => new LectureNesterov(learningRate, gamma);

    /// <summary>
    /// <c>torch.optim.Adagrad</c>: g ← g + λθ, then <see cref="ScaleByAdagrad"/>, then θ ← θ − α/(1 + t·lr_decay)·u
    /// (t = 0 for the first step).
    /// </summary>
    /// <param name="learningRate">α (<c>lr</c>, default 0.01).</param>
    /// <param name="lrDecay"><c>lr_decay</c> (default 0).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>), an L2 penalty.</param>
    /// <param name="initialAccumulatorValue"><c>initial_accumulator_value</c> (default 0).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻¹⁰).</param>
    public static Optimizer Adagrad(double learningRate = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double epsilon = 1e-10) =>
        Adagrad(Constant(learningRate, out var d), lrDecay, weightDecay, initialAccumulatorValue, epsilon, d);

    /// <summary><c>torch.optim.Adagrad</c> with a schedule α(t), decayed further by 1/(1 + t·lr_decay).</summary>
    public static Optimizer Adagrad(Schedule learningRate, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double epsilon = 1e-10) =>
        Adagrad(learningRate, lrDecay, weightDecay, initialAccumulatorValue, epsilon, "schedule");

    /// <summary>
    /// <c>torch.optim.RMSprop</c>: g ← g + λθ, then <see cref="ScaleByRms"/>(α, ε, centered), then
    /// <see cref="Momentum"/>(μ) if μ ≠ 0, then θ ← θ − lr·u.
    /// </summary>
    /// <param name="learningRate"><c>lr</c> (default 0.01).</param>
    /// <param name="alpha">α, the decay of the averages (<c>alpha</c>, default 0.99).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁸).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>), an L2 penalty.</param>
    /// <param name="momentum">μ (<c>momentum</c>, default 0).</param>
    /// <param name="centered"><c>centered</c> (default false).</param>
    public static Optimizer RmsProp(double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false) =>
        RmsProp(Constant(learningRate, out var d), alpha, epsilon, weightDecay, momentum, centered, d);

    /// <summary><c>torch.optim.RMSprop</c> with a learning-rate schedule.</summary>
    public static Optimizer RmsProp(Schedule learningRate, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false) =>
        RmsProp(learningRate, alpha, epsilon, weightDecay, momentum, centered, "schedule");

    /// <summary><c>torch.optim.Adadelta</c>: g ← g + λθ, then <see cref="ScaleByAdadelta"/>(ρ, ε), then θ ← θ − lr·Δ.</summary>
    /// <param name="learningRate"><c>lr</c> (default 1.0).</param>
    /// <param name="rho">ρ (<c>rho</c>, default 0.9).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁶).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>), an L2 penalty.</param>
    public static Optimizer Adadelta(double learningRate = 1.0, double rho = 0.9, double epsilon = 1e-6, double weightDecay = 0) =>
        Adadelta(Constant(learningRate, out var d), rho, epsilon, weightDecay, d);

    /// <summary><c>torch.optim.Adadelta</c> with a learning-rate schedule.</summary>
    public static Optimizer Adadelta(Schedule learningRate, double rho = 0.9, double epsilon = 1e-6, double weightDecay = 0) =>
        Adadelta(learningRate, rho, epsilon, weightDecay, "schedule");

    /// <summary>
    /// <c>torch.optim.Adam</c>: g ← g + λθ (L2 penalty, if λ ≠ 0), then <see cref="ScaleByAdam"/>, then θ ← θ − α(t)·u:
    /// mₜ = β₁mₜ₋₁ + (1 − β₁)g, vₜ = β₂vₜ₋₁ + (1 − β₂)g², θ ← θ − α(t)·(mₜ/(1 − β₁ᵗ)) / (√vₜ/√(1 − β₂ᵗ) + ε);
    /// with AMSGrad, v̄ₜ = max(v̄ₜ₋₁, vₜ) takes the place of vₜ in the denominator.
    /// </summary>
    /// <param name="learningRate">α (<c>lr</c>, default 10⁻³).</param>
    /// <param name="beta1">β₁ (<c>betas[0]</c>, default 0.9).</param>
    /// <param name="beta2">β₂ (<c>betas[1]</c>, default 0.999).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁸).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>, default 0), an L2 penalty that Adam's scaling sees; see <see cref="AdamW(double, double, double, double, double, bool)"/> for decoupled decay.</param>
    /// <param name="amsgrad">AMSGrad (<c>amsgrad</c>, default false): divide by the running maximum of the second moments.</param>
    public static Optimizer Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool amsgrad = false) =>
        Adam(Constant(learningRate, out var d), beta1, beta2, epsilon, weightDecay, amsgrad, d);

    /// <summary><c>torch.optim.Adam</c> with a learning-rate schedule; see <see cref="Adam(double, double, double, double, double, bool)"/>.</summary>
    public static Optimizer Adam(Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool amsgrad = false) =>
        Adam(learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, "schedule");

    /// <summary>
    /// <c>torch.optim.AdamW</c> (Loshchilov and Hutter 2019): <see cref="ScaleByAdam"/>, then
    /// <see cref="AddDecayedWeights"/>(λ), then θ ← θ − α(t)·(u + λθ) = θ(1 − α(t)λ) − α(t)·u: the decay is scaled by
    /// the rate but not by Adam's denominator. AMSGrad as for <see cref="Adam(double, double, double, double, double, bool)"/>.
    /// </summary>
    /// <param name="learningRate">α (<c>lr</c>, default 10⁻³).</param>
    /// <param name="beta1">β₁ (<c>betas[0]</c>, default 0.9).</param>
    /// <param name="beta2">β₂ (<c>betas[1]</c>, default 0.999).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁸).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>, default 0.01 as in PyTorch; TorchSharp's default is 0).</param>
    /// <param name="amsgrad">AMSGrad (<c>amsgrad</c>, default false): divide by the running maximum of the second moments.</param>
    public static Optimizer AdamW(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2, bool amsgrad = false) =>
        AdamW(Constant(learningRate, out var d), beta1, beta2, epsilon, weightDecay, amsgrad, d);

    /// <summary><c>torch.optim.AdamW</c> with a learning-rate schedule (the decay follows the schedule too).</summary>
    public static Optimizer AdamW(Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2, bool amsgrad = false) =>
        AdamW(learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, "schedule");

    /// <summary>
    /// <c>torch.optim.Adamax</c>: g ← g + λθ (L2 penalty, if λ ≠ 0), then <see cref="ScaleByAdamax"/>, then θ ← θ − α(t)·d:
    /// mₜ = β₁mₜ₋₁ + (1 − β₁)g, uₜ = max(β₂uₜ₋₁, |g| + ε), θ ← θ − α(t)/(1 − β₁ᵗ)·mₜ/uₜ.
    /// </summary>
    /// <param name="learningRate">α (<c>lr</c>, default 2·10⁻³).</param>
    /// <param name="beta1">β₁ (<c>betas[0]</c>, default 0.9).</param>
    /// <param name="beta2">β₂ (<c>betas[1]</c>, default 0.999).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁸), added to |g| inside the maximum.</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>, default 0), an L2 penalty.</param>
    public static Optimizer Adamax(double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0) =>
        Adamax(Constant(learningRate, out var d), beta1, beta2, epsilon, weightDecay, d);

    /// <summary><c>torch.optim.Adamax</c> with a learning-rate schedule.</summary>
    public static Optimizer Adamax(Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0) =>
        Adamax(learningRate, beta1, beta2, epsilon, weightDecay, "schedule");

    /// <summary>
    /// <c>torch.optim.NAdam</c> (Dozat 2016): g ← g + λθ (L2 penalty, if λ ≠ 0 and not decoupled), then
    /// <see cref="ScaleByNAdam"/>, then (decoupled) <see cref="AddDecayedWeights"/>(λ), then θ ← θ − α(t)·d: with
    /// μₜ = β₁(1 − ½·0.96^(tψ)) and Πₜ = μ₁⋯μₜ,
    /// θ ← θ − α(t)·[(1 − μₜ)/(1 − Πₜ)·g + μₜ₊₁/(1 − Πₜμₜ₊₁)·mₜ] / (√(vₜ/(1 − β₂ᵗ)) + ε).
    /// </summary>
    /// <param name="learningRate">α (<c>lr</c>, default 2·10⁻³).</param>
    /// <param name="beta1">β₁ (<c>betas[0]</c>, default 0.9).</param>
    /// <param name="beta2">β₂ (<c>betas[1]</c>, default 0.999).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁸).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>, default 0): an L2 penalty, or decoupled decay θ(1 − α(t)λ).</param>
    /// <param name="momentumDecay">ψ (<c>momentum_decay</c>, default 0.004).</param>
    /// <param name="decoupledWeightDecay">PyTorch's <c>decoupled_weight_decay</c> (default false): decay as AdamW does (TorchSharp 0.107 lacks it).</param>
    public static Optimizer NAdam(
        double learningRate = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double momentumDecay = 4e-3, bool decoupledWeightDecay = false) =>
        NAdam(Constant(learningRate, out var d), beta1, beta2, epsilon, weightDecay, momentumDecay, decoupledWeightDecay, d);

    /// <summary><c>torch.optim.NAdam</c> with a learning-rate schedule (a decoupled decay follows the schedule too).</summary>
    public static Optimizer NAdam(
        Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double momentumDecay = 4e-3, bool decoupledWeightDecay = false) =>
        NAdam(learningRate, beta1, beta2, epsilon, weightDecay, momentumDecay, decoupledWeightDecay, "schedule");

    /// <summary>
    /// <c>torch.optim.RAdam</c> (Liu et al. 2020): g ← g + λθ (L2 penalty, if λ ≠ 0 and not decoupled), then
    /// <see cref="ScaleByRAdam"/>, then (decoupled) <see cref="AddDecayedWeights"/>(λ), then θ ← θ − α(t)·d: with
    /// ρ∞ = 2/(1 − β₂) − 1, ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) and m̂ₜ = mₜ/(1 − β₁ᵗ),
    /// θ ← θ − α(t)·m̂ₜ·rₜ·√(1 − β₂ᵗ)/(√vₜ + ε), rₜ = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)), when ρₜ &gt; 5,
    /// else θ ← θ − α(t)·m̂ₜ.
    /// </summary>
    /// <param name="learningRate">α (<c>lr</c>, default 10⁻³ as in PyTorch; TorchSharp's default is 2·10⁻³).</param>
    /// <param name="beta1">β₁ (<c>betas[0]</c>, default 0.9).</param>
    /// <param name="beta2">β₂ (<c>betas[1]</c>, default 0.999).</param>
    /// <param name="epsilon">ε (<c>eps</c>, default 10⁻⁸).</param>
    /// <param name="weightDecay">λ (<c>weight_decay</c>, default 0): an L2 penalty, or decoupled decay θ(1 − α(t)λ).</param>
    /// <param name="decoupledWeightDecay">PyTorch's <c>decoupled_weight_decay</c> (default false): decay as AdamW does (TorchSharp 0.107 lacks it).</param>
    public static Optimizer RAdam(
        double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false) =>
        RAdam(Constant(learningRate, out var d), beta1, beta2, epsilon, weightDecay, decoupledWeightDecay, d);

    /// <summary><c>torch.optim.RAdam</c> with a learning-rate schedule (a decoupled decay follows the schedule too).</summary>
    public static Optimizer RAdam(
        Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false) =>
        RAdam(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay, "schedule");

    /// <summary>u = g + λθ (<see cref="Functional.Nets.AddDecayedWeights"/>): first in a chain an L2 penalty, after a direction decoupled decay.</summary>
    public static Optimizer AddDecayedWeights(double weightDecay) => new AddDecayedWeights(weightDecay);

    /// <summary>
    /// Decoupled weight decay u′ = u − α(t)·λ·θ (<see cref="Functional.Nets.DecoupledWeightDecay"/>), to put last in a chain:
    /// <c>Chain(Sgd(α), DecoupledWeightDecay(λ, α))</c> is θ ← θ(1 − αλ) − α·g ("SGDW").
    /// </summary>
    public static Optimizer DecoupledWeightDecay(double weightDecay, double learningRate) =>
        new DecoupledWeightDecay(weightDecay, Constant(learningRate, out _));

    /// <summary>Decoupled weight decay whose rate follows a schedule (pass the optimizer's own).</summary>
    public static Optimizer DecoupledWeightDecay(double weightDecay, Schedule learningRate) => new DecoupledWeightDecay(weightDecay, learningRate);

    /// <summary>u = g + λ·sign(θ) (<see cref="Functional.Nets.AddL1Decay"/>), the L1 penalty's subgradient.</summary>
    public static Optimizer AddL1Decay(double weightDecay) => new AddL1Decay(weightDecay);

    /// <summary>Clipping by global norm, as <c>torch.nn.utils.clip_grad_norm_</c> (<see cref="Functional.Nets.ClipByGlobalNorm"/>).</summary>
    public static Optimizer ClipByGlobalNorm(double maxNorm) => new ClipByGlobalNorm(maxNorm);

    /// <summary>Clipping by value, as <c>torch.nn.utils.clip_grad_value_</c> (<see cref="Functional.Nets.ClipByValue"/>).</summary>
    public static Optimizer ClipByValue(double clipValue) => new ClipByValue(clipValue);

    /// <summary>
    /// Freezing: <paramref name="inner"/> trains only the leaves whose name satisfies <paramref name="trainable"/>;
    /// the others never change and get no optimizer state (<see cref="Functional.Nets.Masked"/>).
    /// </summary>
    public static Optimizer Masked(Optimizer inner, Func<string, bool> trainable) => new Masked(inner, trainable);

    /// <summary>
    /// <paramref name="inner"/> with an exponential moving average of the parameters kept in its state,
    /// θ̄′ = β·θ̄ + (1 − β)·θ′ (<see cref="Functional.Nets.ParameterAverage"/>; read it with
    /// <see cref="Functional.Nets.ParameterAverage.Average"/>). The parameters step exactly as with <paramref name="inner"/> alone.
    /// </summary>
    public static Optimizer ParameterAverage(Optimizer inner, double decay = 0.999) => new ParameterAverage(inner, decay);

    /// <summary>
    /// Freezes every leaf under one of the paths <paramref name="frozen"/> ("0" freezes "0.weight" and "0.bias",
    /// not "10.weight") and trains the rest with <paramref name="inner"/>.
    /// </summary>
    public static Optimizer Freeze(Optimizer inner, params string[] frozen)
    {
        ArgumentNullException.ThrowIfNull(frozen);
        string[] paths = [.. frozen];
        return new Masked(inner, leaf => !paths.Any(p => Functional.Nets.Masked.IsUnder(leaf, p)), "all but " + string.Join(", ", paths));
    }

    /// <summary>Trains only the leaves under one of the paths <paramref name="trainable"/> with <paramref name="inner"/>; the rest are frozen.</summary>
    public static Optimizer TrainOnly(Optimizer inner, params string[] trainable)
    {
        ArgumentNullException.ThrowIfNull(trainable);
        string[] paths = [.. trainable];
        return new Masked(inner, leaf => paths.Any(p => Functional.Nets.Masked.IsUnder(leaf, p)), string.Join(", ", paths));
    }

    private static Optimizer Sgd(Schedule learningRate, double momentum, double dampening, double weightDecay, bool nesterov, string rate) =>
        Links(
            Decay(weightDecay),
            momentum != 0 || nesterov ? new Momentum(momentum, dampening, nesterov) : null,
            Rate(learningRate, rate));

    private static Optimizer Adagrad(Schedule learningRate, double lrDecay, double weightDecay, double initialAccumulatorValue, double epsilon, string rate)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        if (!(lrDecay >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(lrDecay), lrDecay, "Adagrad: lr_decay must be non-negative");
        }

        Schedule decayed = lrDecay == 0 ? learningRate : t => learningRate(t) / (1 + t * lrDecay);
        var description = lrDecay == 0 ? rate : FormattableString.Invariant($"{rate}, lr_decay={lrDecay:G}");
        return Links(Decay(weightDecay), new ScaleByAdagrad(epsilon, initialAccumulatorValue), Rate(decayed, description));
    }

    private static Optimizer RmsProp(Schedule learningRate, double alpha, double epsilon, double weightDecay, double momentum, bool centered, string rate) =>
        Links(
            Decay(weightDecay),
            new ScaleByRms(alpha, epsilon, centered),
            momentum != 0 ? new Momentum(momentum) : null,
            Rate(learningRate, rate));

    private static Optimizer Adadelta(Schedule learningRate, double rho, double epsilon, double weightDecay, string rate) =>
        Links(Decay(weightDecay), new ScaleByAdadelta(rho, epsilon), Rate(learningRate, rate));

    private static Optimizer Adam(Schedule learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool amsgrad, string rate) =>
        Links(Decay(weightDecay), new ScaleByAdam(beta1, beta2, epsilon, amsgrad), Rate(learningRate, rate));

    private static Optimizer AdamW(Schedule learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool amsgrad, string rate) =>
        Links(new ScaleByAdam(beta1, beta2, epsilon, amsgrad), Decay(weightDecay), Rate(learningRate, rate));

    private static Optimizer Adamax(Schedule learningRate, double beta1, double beta2, double epsilon, double weightDecay, string rate) =>
        Links(Decay(weightDecay), new ScaleByAdamax(beta1, beta2, epsilon), Rate(learningRate, rate));

    private static Optimizer NAdam(
        Schedule learningRate, double beta1, double beta2, double epsilon, double weightDecay, double momentumDecay, bool decoupled, string rate) =>
        Links(
            decoupled ? null : Decay(weightDecay),
            new ScaleByNAdam(beta1, beta2, epsilon, momentumDecay),
            decoupled ? Decay(weightDecay) : null,
            Rate(learningRate, rate));

    private static Optimizer RAdam(Schedule learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool decoupled, string rate) =>
        Links(
            decoupled ? null : Decay(weightDecay),
            new ScaleByRAdam(beta1, beta2, epsilon),
            decoupled ? Decay(weightDecay) : null,
            Rate(learningRate, rate));

    /// <summary>The non-null links: the link itself when there is one, else their chain.</summary>
    private static Optimizer Links(params Optimizer?[] links)
    {
        Optimizer[] present = [.. links.OfType<Optimizer>()];
        return present.Length == 1 ? present[0] : new Chain(present);
    }

    private static AddDecayedWeights? Decay(double weightDecay) => weightDecay == 0 ? null : new AddDecayedWeights(weightDecay);

    private static ScaleBySchedule Rate(Schedule learningRate, string description)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        return new ScaleBySchedule(learningRate, description);
    }

    private static Schedule Constant(double learningRate, out string description)
    {
        if (!(learningRate >= 0) || double.IsPositiveInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be finite and non-negative");
        }

        description = "lr=" + learningRate.ToString("G", CultureInfo.InvariantCulture);
        return Schedules.Constant(learningRate);
    }
}
