using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// softplus(x) = ln(1 + eˣ) with the values of max(x, 0) + ln(1 + e^(−|x|)), bit for bit, and the exact
/// derivative σ(x) from libtorch autograd everywhere, x = 0 included.
/// </summary>
/// <remarks>
/// <para>
/// Not torch's own <c>softplus</c>: it returns x itself for x &gt; 20 (its threshold shortcut), which differs
/// from ln(1 + eˣ) by about e^(−20) ≈ 2e−9 and breaks the 1e−12 agreement with the Reference backend.
/// </para>
/// <para>
/// Not the formula written as one graph either: autograd differentiates max(x, 0) and |x| with
/// one-sided derivatives (relu′(0) = 0, |·|′(0) = 0), which gives 0 at x = 0 instead of σ(0) = ½, and
/// zero-initialised parameters hit x = 0 exactly. So the two branches are taken separately, each on an
/// input clamped to its own side so that neither overflows (the branch not taken still runs backward,
/// and 0·∞ there would be NaN):
/// </para>
/// <code>
/// x &gt; 0:  p + ln(1 + e^(−p)),  p = max(x, 0) = x          (relu(x) + ln(1 + e^(−|x|)) exactly)
/// x ≤ 0:  ln(1 + eⁿ),        n = min(x, 0) = x          (0 + ln(1 + e^(−|x|)) exactly)
/// </code>
/// <para>
/// The first branch has derivative 1 − e^(−x)/(1 + e^(−x)) = σ(x), the second eˣ/(1 + eˣ) = σ(x), and
/// clamp_max passes the gradient at its boundary (x ≤ 0), so x = 0 gets σ(0) = ½. NaN propagates
/// through the second branch.
/// </para>
/// </remarks>
internal static class TorchSoftplus
{
    /// <summary>softplus of <paramref name="x"/>, a new tensor; the intermediates are released before returning.</summary>
    public static TorchTensor Apply(TorchTensor x)
    {
        using var scope = torch.NewDisposeScope();
        using Scalar zero = 0.0;
        using Scalar one = 1.0; // explicit α for add, kept alive during the native call (see TorchBackend.Binary)
        var positive = x.gt(zero);
        var p = x.clamp_min(zero);
        var n = x.clamp_max(zero);
        var above = p.add(p.neg().exp().log1p(), one);
        var below = n.exp().log1p();
        return scope.MoveToOuter(torch.where(positive, above, below));
    }
}
