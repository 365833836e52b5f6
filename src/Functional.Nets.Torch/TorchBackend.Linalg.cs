using System.Runtime.InteropServices;
using TorchSharp;

namespace Functional.Nets.Torch;

/// <summary>Linear-algebra primitives that are not differentiated (used to fit whitening).</summary>
public sealed partial class TorchBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// <c>torch.linalg.eigh</c> on the lower triangle (libtorch's default, LAPACK <c>syevd</c> on the CPU), which
    /// returns the eigenvalues in ascending order. The operand is detached first, so the results are constants
    /// to autograd, as on the Reference backend.
    /// </remarks>
    public override (Tensor Eigenvalues, Tensor Eigenvectors) SymmetricEigen(Tensor symmetric)
    {
        var a = Native(symmetric, "symmetric_eigen");
        var n = symmetric.Shape[0];
        try
        {
            using var detached = a.detach();
            var (values, vectors) = torch.linalg.eigh(detached);
            return (Make(values, new Shape(n)), Make(vectors, new Shape(n, n)));
        }
        catch (ExternalException e)
        {
            throw Failure("symmetric_eigen", e, symmetric.Shape);
        }
    }
}
