namespace Functional.Nets;

/// <summary>
/// Momentum in PyTorch's form (<c>torch.optim.SGD</c> with momentum μ and dampening τ):
/// b₁ = g₁, bₜ = μbₜ₋₁ + (1 − τ)gₜ; the direction is u = bₜ, or with Nesterov u = gₜ + μbₜ.
/// Chain with <see cref="ScaleBySchedule"/> for θ ← θ − α·u. State: <c>step</c> and <c>&lt;leaf&gt;.momentum_buffer</c> (b).
/// </summary>
/// <remarks>
/// Like PyTorch, the first step copies the gradient into the buffer (no dampening on it).
/// <para>Relation to the lecture's form (<see cref="LectureMomentum"/>: v ← γv + η∇L, W ← W − v): with τ = 0 and a
/// constant rate α, v = α·b, so the two are the same method (γ = μ, η = α), rounded differently. When α changes,
/// they differ: PyTorch multiplies the whole buffer by the new α, the lecture's form only the new gradient.</para>
/// <para>PyTorch's Nesterov is the lecture's Nesterov (gradient at W − γv) written for the look-ahead point;
/// see <see cref="LectureNesterov"/> for the derivation.</para>
/// </remarks>
public sealed class Momentum : Optimizer
{
    /// <summary>PyTorch's state name for b.</summary>
    public const string Slot = "momentum_buffer";

    /// <summary>Creates the transformation; PyTorch's rules: μ ≥ 0, and Nesterov needs μ &gt; 0 and τ = 0.</summary>
    public Momentum(double momentum, double dampening = 0, bool nesterov = false)
    {
        if (!(momentum >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum: μ must be non-negative");
        }

        if (double.IsNaN(dampening))
        {
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Momentum: τ must be a number");
        }

        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException($"Momentum: Nesterov momentum requires a momentum > 0 and zero dampening (as PyTorch), got μ={momentum}, τ={dampening}");
        }

        Mu = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>μ (PyTorch's <c>momentum</c>).</summary>
    public double Mu { get; }

    /// <summary>τ (PyTorch's <c>dampening</c>).</summary>
    public double Dampening { get; }

    /// <summary>Whether the direction is g + μb (PyTorch's <c>nesterov=True</c>) rather than b.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([StepCount.Zero(parameters), .. LeafState.Filled(parameters, Slot)]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var t = StepCount.Read(state);
        var r = Leafwise.Map([Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, Slot)], 2, x =>
        {
            var g = x[0];
            var b = t == 0 ? g : UpdateMaps.AddScaled(x[1], Mu, g, 1 - Dampening);
            return [Nesterov ? UpdateMaps.AddScaled(g, 1, b, Mu) : b, b];
        });

        return (TensorTree.Of(Leafwise.Named(gradients, r[0])), TensorTree.Of([StepCount.Next(state, t), .. Leafwise.Named(gradients, r[1], Slot)]));
    }

    /// <inheritdoc />
    public override string Describe() =>
        FormattableString.Invariant($"Momentum(μ={Mu:G}{(Dampening != 0 ? FormattableString.Invariant($", τ={Dampening:G}") : "")}{(Nesterov ? ", nesterov" : "")})");
}
