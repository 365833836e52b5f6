namespace Functional.Nets;

/// <summary>
/// AdaDelta's direction (Zeiler 2012) as <c>torch.optim.Adadelta</c> computes it:
/// sₜ = ρsₜ₋₁ + (1 − ρ)g², Δₜ = √(aₜ₋₁ + ε) / √(sₜ + ε) · g, aₜ = ρaₜ₋₁ + (1 − ρ)Δₜ², u = Δₜ, with s₀ = a₀ = 0.
/// Chain with <see cref="ScaleBySchedule"/>: PyTorch still multiplies by a rate (default 1.0, Zeiler's method
/// exactly), θ ← θ − α(t)·Δ. State: <c>&lt;leaf&gt;.square_avg</c> (s) and <c>&lt;leaf&gt;.acc_delta</c> (a).
/// </summary>
public sealed class ScaleByAdadelta : Optimizer
{
    /// <summary>PyTorch's state name for s.</summary>
    public const string SquareSlot = "square_avg";

    /// <summary>PyTorch's state name for a.</summary>
    public const string DeltaSlot = "acc_delta";

    /// <summary>Creates the transformation (PyTorch's defaults: ρ = 0.9, ε = 10⁻⁶).</summary>
    public ScaleByAdadelta(double rho = 0.9, double epsilon = 1e-6)
    {
        if (!(rho >= 0 && rho <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rho), rho, "Adadelta: ρ must lie in [0, 1]");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Adadelta: ε must be non-negative");
        }

        Rho = rho;
        Epsilon = epsilon;
    }

    /// <summary>ρ, the decay of the averages (PyTorch's <c>rho</c>).</summary>
    public double Rho { get; }

    /// <summary>ε (PyTorch's <c>eps</c>).</summary>
    public double Epsilon { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([.. LeafState.Filled(parameters, SquareSlot), .. LeafState.Filled(parameters, DeltaSlot)]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        var r = Leafwise.Map(
            [Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, SquareSlot), Leafwise.Slot(state, gradients, DeltaSlot)],
            3,
            x =>
            {
                var (g, square, accumulated) = (x[0], x[1], x[2]);
                var s = UpdateMaps.AddScaledSquare(square, Rho, g, 1 - Rho);
                var delta = (accumulated + Epsilon).Sqrt() / (s + Epsilon).Sqrt() * g;
                var a = UpdateMaps.AddScaledSquare(accumulated, Rho, delta, 1 - Rho);
                return [delta, s, a];
            });

        return (
            TensorTree.Of(Leafwise.Named(gradients, r[0])),
            TensorTree.Of([.. Leafwise.Named(gradients, r[1], SquareSlot), .. Leafwise.Named(gradients, r[2], DeltaSlot)]));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ScaleByAdadelta(ρ={Rho:G}, ε={Epsilon:G})");
}
