namespace Functional.Nets;

/// <summary>
/// RMSprop's direction (Hinton's lecture 6e) as <c>torch.optim.RMSprop</c> computes it:
/// sₜ = αsₜ₋₁ + (1 − α)g², and u = g / (√sₜ + ε); centered (Graves 2013), also mₜ = αmₜ₋₁ + (1 − α)g and
/// u = g / (√(sₜ − mₜ²) + ε), dividing by an estimate of the standard deviation instead of the root mean square.
/// s₀ = m₀ = 0. PyTorch's momentum μ is <see cref="Momentum"/>(μ) chained after this (b ← μb + u, with b₀ = 0,
/// which is PyTorch's <c>momentum_buffer</c>), then <see cref="ScaleBySchedule"/> for θ ← θ − α(t)·b.
/// State: <c>&lt;leaf&gt;.square_avg</c> (s) and, centered, <c>&lt;leaf&gt;.grad_avg</c> (m).
/// </summary>
/// <remarks>ε is added to the root, outside it, as PyTorch does (Hinton's slides and Keras put it inside).</remarks>
public sealed class ScaleByRms : Optimizer
{
    /// <summary>PyTorch's state name for s.</summary>
    public const string SquareSlot = "square_avg";

    /// <summary>PyTorch's state name for m.</summary>
    public const string MeanSlot = "grad_avg";

    /// <summary>Creates the transformation (PyTorch's defaults: α = 0.99, ε = 10⁻⁸, not centered).</summary>
    public ScaleByRms(double alpha = 0.99, double epsilon = 1e-8, bool centered = false)
    {
        if (!(alpha >= 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "RMSprop: α must lie in [0, 1]");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "RMSprop: ε must be non-negative");
        }

        Alpha = alpha;
        Epsilon = epsilon;
        Centered = centered;
    }

    /// <summary>α, the decay of the averages (PyTorch's <c>alpha</c>).</summary>
    public double Alpha { get; }

    /// <summary>ε (PyTorch's <c>eps</c>).</summary>
    public double Epsilon { get; }

    /// <summary>Whether to divide by √(s − m²) rather than √s.</summary>
    public bool Centered { get; }

    /// <inheritdoc />
    public override TensorTree Init(TensorTree parameters) =>
        TensorTree.Of([.. LeafState.Filled(parameters, SquareSlot), .. Centered ? LeafState.Filled(parameters, MeanSlot) : []]);

    /// <inheritdoc />
    public override (TensorTree Updates, TensorTree State) Update(TensorTree gradients, TensorTree state, TensorTree parameters)
    {
        IReadOnlyList<Tensor>[] inputs = Centered
            ? [Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, SquareSlot), Leafwise.Slot(state, gradients, MeanSlot)]
            : [Leafwise.Leaves(gradients), Leafwise.Slot(state, gradients, SquareSlot)];
        var r = Leafwise.Map(inputs, Centered ? 3 : 2, x =>
        {
            var g = x[0];
            var s = UpdateMaps.AddScaledSquare(x[1], Alpha, g, 1 - Alpha);
            if (!Centered)
            {
                return [UpdateMaps.RatioToRoot(g, s, 1, Epsilon, 1), s];
            }

            var m = UpdateMaps.Interpolate(x[2], g, 1 - Alpha);
            return [UpdateMaps.RatioToRoot(g, UpdateMaps.AddScaledSquare(s, 1, m, -1), 1, Epsilon, 1), s, m];
        });

        return (
            TensorTree.Of(Leafwise.Named(gradients, r[0])),
            TensorTree.Of([.. Leafwise.Named(gradients, r[1], SquareSlot), .. Centered ? Leafwise.Named(gradients, r[2], MeanSlot) : []]));
    }

    /// <inheritdoc />
    public override string Describe() => FormattableString.Invariant($"ScaleByRms(α={Alpha:G}, ε={Epsilon:G}{(Centered ? ", centered" : "")})");
}
