namespace Functional.Nets.Tests.Recurrent;

/// <summary>
/// What the fused-path laws share: the value and gradients of one loss with the backend's fused kernels and inside
/// <see cref="Capabilities.PlainOnly"/>, held to 1e-12 (value) and 1e-10 (gradients) relative per tensor, and the
/// count of Torch tensor handles a run creates (a fused run makes a handful, the loop several per step).
/// </summary>
internal static class FusedPathLaw
{
    /// <summary>Fused against plain for <paramref name="loss"/> at <paramref name="leaves"/>; the worst error goes to <paramref name="worst"/>.</summary>
    public static void FusedEqualsPlain(TensorTree leaves, Func<TensorTree, Tensor> loss, WorstSeen worst, object c)
    {
        var (vf, gf) = Grad.ValueAndGrad(loss, leaves);
        TensorTree gp;
        Tensor vp;
        using (Capabilities.PlainOnly())
        {
            (vp, gp) = Grad.ValueAndGrad(loss, leaves);
        }

        var value = RelativeError.Of(vf, vp).Value;
        var (leaf, error) = RelativeError.WorstLeaf(gf, gp);
        worst.Record(Math.Max(value, error.Value), () => $"value {value:G3}, gradient {leaf} {error.Value:G3}, {c}");
        Assert.True(value <= 1e-12, $"value differs by {value:G3} relative, {c}");
        Assert.True(error.Value <= 1e-10, $"gradient {leaf} differs by {error.Value:G3} relative ({error}), {c}");
    }

    /// <summary>The Torch tensor handles <paramref name="run"/> creates.</summary>
    public static long Handles(Action run)
    {
        var stats = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        var before = stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount;
        run();
        return stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - before;
    }
}
