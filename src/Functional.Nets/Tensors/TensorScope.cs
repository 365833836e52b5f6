namespace Functional.Nets;

/// <summary>
/// A region of code whose tensors are released together when it is disposed, except those passed to
/// <see cref="Keep(Tensor)"/>. Open one with <see cref="Backend.Scope"/> around each step of a long loop,
/// so that a backend with native memory (Torch) does not wait for the garbage collector, which does not
/// see that memory. On the Reference backend a scope does nothing.
/// </summary>
public abstract class TensorScope : IDisposable
{
    /// <summary>Exempts <paramref name="tensor"/> from release (moving it to the enclosing scope, if any) and returns it.</summary>
    public abstract Tensor Keep(Tensor tensor);

    /// <summary>Keeps every leaf of <paramref name="tree"/> and returns the tree.</summary>
    public TensorTree Keep(TensorTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        foreach (var (_, leaf) in tree)
        {
            Keep(leaf);
        }

        return tree;
    }

    /// <summary>Releases every tensor created in the scope and not kept.</summary>
    public abstract void Dispose();

    /// <summary>The scope of a backend whose memory the garbage collector manages: keeps everything.</summary>
    internal sealed class Managed : TensorScope
    {
        public override Tensor Keep(Tensor tensor) => tensor;

        public override void Dispose()
        {
        }
    }
}
