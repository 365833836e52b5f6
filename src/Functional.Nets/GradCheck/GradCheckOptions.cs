namespace Functional.Nets;

/// <summary>How <see cref="GradCheck"/> compares an analytic gradient with finite differences.</summary>
public enum GradCheckMode
{
    /// <summary>
    /// Every entry (or a random subset of at most <see cref="GradCheckOptions.MaxEntriesPerLeaf"/> per leaf):
    /// ∂f/∂θᵢ against (f(θ + hεᵢ) − f(θ − hεᵢ)) / 2h. Two evaluations of f per entry.
    /// </summary>
    Full,

    /// <summary>
    /// Directional derivatives: for a few random unit directions u per leaf (and as many spanning all leaves),
    /// plus the analytic gradient's own direction (<see cref="GradCheckOptions.AlongGradient"/>), ∇f·u against
    /// (f(θ + εu) − f(θ − εu)) / 2ε. Two evaluations of f per direction, whatever the number of parameters, so a
    /// 100k-parameter network is checked in seconds.
    /// </summary>
    Fast,
}

/// <summary>
/// Step, tolerances and sampling of a gradient check. The float64 defaults are those of PyTorch's
/// <c>torch.autograd.gradcheck</c>: eps = 1e-6, atol = 1e-5, rtol = 1e-3, and an entry passes when
/// |a − b| ≤ atol + rtol·|b|, a being the analytic gradient and b the finite difference (or the other
/// backend's gradient).
/// </summary>
/// <remarks>
/// <para>
/// Step. In <see cref="GradCheckMode.Full"/> mode entry i moves by h = <see cref="Eps"/>·max(1, |θᵢ|) (PyTorch's
/// absolute eps for |θᵢ| ≤ 1; relative beyond, so that θᵢ ± h is not rounded away), and the difference is
/// divided by the step actually taken, (θᵢ + h) − (θᵢ − h) after rounding to the backend's dtype. In
/// <see cref="GradCheckMode.Fast"/> mode θ moves by ±εu with ε = <see cref="Eps"/> and ‖u‖₂ = 1, and the
/// analytic side is ∇f·(θ⁺ − θ⁻)/2ε with the rounded θ± actually evaluated.
/// </para>
/// <para>
/// float32. Finite differences in float32 are noisy: f carries rounding error of order 2⁻²⁴·|f|, so a
/// central difference with step h has noise ≈ 6e-8·|f|/h. <see cref="Float32"/> (our choice, not PyTorch's,
/// whose gradcheck wants float64) takes eps = 1e-3, which keeps that noise near 1e-4·|f| while the truncation
/// error h²·f‴/6 stays near 1e-7, and atol = 1e-3, rtol = 1e-2 accordingly. Prefer float64, or a cross-backend
/// check against float64, to judge a derivative.
/// </para>
/// </remarks>
public sealed record GradCheckOptions
{
    /// <summary>PyTorch's <c>gradcheck</c> defaults for float64: eps 1e-6, atol 1e-5, rtol 1e-3, full mode.</summary>
    public static GradCheckOptions Float64 { get; } = new();

    /// <summary>Looser defaults for float32 (eps 1e-3, atol 1e-3, rtol 1e-2; see the remarks), full mode.</summary>
    public static GradCheckOptions Float32 { get; } = new() { Eps = 1e-3, Atol = 1e-3, Rtol = 1e-2 };

    /// <summary>The defaults for <paramref name="dtype"/>: <see cref="Float64"/> or <see cref="Float32"/>.</summary>
    public static GradCheckOptions For(DType dtype) => dtype == DType.Float32 ? Float32 : Float64;

    /// <summary>The finite-difference step (see the remarks for how it scales). Default 1e-6.</summary>
    public double Eps { get; init; } = 1e-6;

    /// <summary>Absolute tolerance: an entry passes when |a − b| ≤ <see cref="Atol"/> + <see cref="Rtol"/>·|b|. Default 1e-5.</summary>
    public double Atol { get; init; } = 1e-5;

    /// <summary>Relative tolerance: an entry passes when |a − b| ≤ <see cref="Atol"/> + <see cref="Rtol"/>·|b|. Default 1e-3.</summary>
    public double Rtol { get; init; } = 1e-3;

    /// <summary>Full (every entry) or fast (random directional derivatives). Default <see cref="GradCheckMode.Full"/>.</summary>
    public GradCheckMode Mode { get; init; } = GradCheckMode.Full;

    /// <summary>Fast mode: random unit directions per leaf, and as many more spanning all leaves at once. Default 3.</summary>
    public int Directions { get; init; } = 3;

    /// <summary>
    /// Fast mode: also check along the analytic gradient's own direction ĝ = g/‖g‖ (reported as direction u0; the
    /// random ones are u1, u2, …). Along ĝ the directional derivative is the largest there is, ‖g‖, while along a
    /// random unit direction it is only about ‖g‖/√n, which in float32 can sink below the differences' rounding
    /// noise for a large leaf. Default true.
    /// </summary>
    public bool AlongGradient { get; init; } = true;

    /// <summary>Full mode: at most this many entries per leaf, a random subset drawn from <see cref="Key"/>. Default: all.</summary>
    public int MaxEntriesPerLeaf { get; init; } = int.MaxValue;

    /// <summary>The key of the random directions and subsets (the same key gives the same check). Default seed 0.</summary>
    public Key Key { get; init; } = Key.FromSeed(0);

    /// <summary>
    /// Whether an entry that fails is examined for a kink (see <see cref="GradCheck"/>) and reported as one
    /// instead of as a failure. Default true.
    /// </summary>
    public bool DetectKinks { get; init; } = true;

    /// <summary>
    /// The floor of the per-leaf relative error max|a − b| / max(max|a|, max|b|, floor), which only guards
    /// 0/0 for an all-zero leaf. Default 1e-300. The relative error is reported; the verdict uses atol and rtol.
    /// </summary>
    public double RelativeErrorFloor { get; init; } = 1e-300;

    /// <summary>This options value in fast mode.</summary>
    public GradCheckOptions AsFast() => this with { Mode = GradCheckMode.Fast };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (!(Eps > 0) || !double.IsFinite(Eps))
        {
            throw new ArgumentOutOfRangeException(nameof(Eps), Eps, "GradCheckOptions: Eps must be positive and finite");
        }

        if (!(Atol >= 0) || !(Rtol >= 0))
        {
            throw new ArgumentOutOfRangeException(Atol >= 0 ? nameof(Rtol) : nameof(Atol), "GradCheckOptions: Atol and Rtol must be non-negative");
        }

        if (Directions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Directions), Directions, "GradCheckOptions: Directions must be at least 1");
        }

        if (MaxEntriesPerLeaf < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntriesPerLeaf), MaxEntriesPerLeaf, "GradCheckOptions: MaxEntriesPerLeaf must be at least 1");
        }

        if (!(RelativeErrorFloor > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeErrorFloor), RelativeErrorFloor, "GradCheckOptions: RelativeErrorFloor must be positive");
        }
    }
}
